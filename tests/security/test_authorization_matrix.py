"""Every route, every kind of visitor: only the right people get in (403/404 or sign-in for
the others), and no one reaches another person's work by changing an id."""

from __future__ import annotations

from datetime import date, time

import pytest

from lms.assessment import services as grading
from lms.learning import answers as answer_save
from lms.learning import services as learning
from tests.conftest import PASSWORD, login, make_cohort, make_enrolment, make_user, publish

VISITORS = ("anonymous", "owner", "other_trainee", "trainer", "other_trainer", "staff", "admin")
SIGNED_IN = set(VISITORS) - {"anonymous"}
STAFF = {"staff", "admin"}
OWNER = {"owner"}  # the trainee whose enrolment or attempt the URL names
ANYONE = set(VISITORS)
TRAINERS = {"trainer", "staff", "admin"}  # the cohort's own trainer, and staff
ANY_TRAINER = TRAINERS | {"other_trainer"}
COHORT = "/assessment/cohorts/{cohort}"

# endpoint: (method, url template, form data, visitors allowed)
MATRIX: dict[str, tuple[str, str, dict, set[str]]] = {
    "lms.auth.login": ("GET", "/login", {}, ANYONE),
    "lms.favicon": ("GET", "/favicon.ico", {}, ANYONE),
    "lms.auth.logout": ("POST", "/logout", {}, ANYONE),
    "lms.auth.language": ("POST", "/language", {"lang": "en"}, ANYONE),
    "lms.auth.password": ("GET", "/account/password", {}, SIGNED_IN),
    "lms.learning.dashboard": ("GET", "/", {}, SIGNED_IN),
    "lms.learning.marks": ("GET", "/marks", {}, SIGNED_IN),  # one's own marks only
    "lms.learning.programme": ("GET", "/learn/{enrolment}", {}, OWNER),
    "lms.learning.item": ("GET", "/learn/{enrolment}/principes/six-principes", {}, OWNER),
    "lms.learning.mark_read": ("POST", "/learn/{enrolment}/principes/six-principes/read", {},
                               OWNER),
    "lms.learning.start": ("POST", "/learn/{enrolment}/principes/quiz-principes/start", {},
                           OWNER),
    "lms.learning.wait": ("GET", "/learn/{enrolment}/principes/quiz-principes/wait", {}, OWNER),
    "lms.learning.question": ("GET", "/attempt/{attempt}/1", {}, OWNER),
    "lms.learning.autosave": ("POST", "/attempt/{attempt}/autosave",
                              {"question": "{question}", "answer": "0"}, OWNER),
    "lms.learning.review": ("GET", "/attempt/{attempt}/review", {}, OWNER),
    "lms.learning.submit": ("POST", "/attempt/{attempt}/submit", {}, OWNER),
    "lms.learning.result": ("GET", "/attempt/{attempt}/result", {}, OWNER),
    "lms.curricula.index": ("GET", "/curricula/", {}, STAFF),
    "lms.curricula.version": ("GET", "/curricula/versions/{version}", {}, STAFF),
    "lms.curricula.diff": ("GET", "/curricula/police-de-proximite/diff?old={version}"
                           "&new={version}", {}, STAFF),
    # Curriculum authoring: curriculum editors (tests/authoring) and admins; moving a cohort:
    # staff. The world has an open draft of police-de-proximite.
    "lms.authoring.index": ("GET", "/authoring/", {}, {"admin"}),
    "lms.authoring.start": ("POST", "/authoring/police-de-proximite/draft", {}, {"admin"}),
    "lms.authoring.draft": ("GET", "/authoring/police-de-proximite/draft", {}, {"admin"}),
    "lms.authoring.edit": ("GET", "/authoring/police-de-proximite/draft/files/manifest.yaml",
                           {}, {"admin"}),
    "lms.authoring.add_file": ("POST", "/authoring/police-de-proximite/draft/new-file",
                               {"path": "evaluations/examen.fr.md", "start": "quiz"},
                               {"admin"}),
    "lms.authoring.rename_file": (
        "GET", "/authoring/police-de-proximite/draft/rename/modules/principes/"
        "quiz-principes.fr.md", {}, {"admin"}),
    "lms.authoring.delete_file": (
        "GET", "/authoring/police-de-proximite/draft/delete/modules/principes/"
        "quiz-principes.fr.md", {}, {"admin"}),
    "lms.authoring.preview": (
        "GET", "/authoring/police-de-proximite/draft/preview/modules/principes/"
        "quiz-principes.fr.md", {}, {"admin"}),
    "lms.authoring.publish": ("GET", "/authoring/police-de-proximite/draft/publish", {},
                              {"admin"}),
    "lms.authoring.discard": ("POST", "/authoring/police-de-proximite/draft/discard", {},
                              {"admin"}),
    "lms.authoring.draft_zip": ("GET", "/authoring/police-de-proximite/draft.zip", {},
                                {"admin"}),
    "lms.authoring.version_zip": ("GET", "/authoring/versions/{version}.zip", {}, {"admin"}),
    "lms.authoring.upload": ("POST", "/authoring/upload", {}, {"admin"}),
    "lms.authoring.move_cohort": ("GET", "/authoring/cohorts/{cohort}/version?version="
                                  "{version}", {}, STAFF),
    "lms.people.index": ("GET", "/people/", {}, STAFF),
    "lms.people.person": ("GET", "/people/{target}", {}, STAFF),
    "lms.people.one_time_code": ("POST", "/people/{target}/code", {}, STAFF),
    "lms.people.roles": ("POST", "/people/{target}/roles", {"role": "trainee"}, {"admin"}),
    "lms.people.active": ("POST", "/people/{target}/active", {"active": "1"}, {"admin"}),
    "lms.people.audit_log": ("GET", "/people/audit", {}, {"admin"}),
    "lms.sync.index": ("GET", "/sync/", {}, STAFF),
    "lms.sync.import_": ("POST", "/sync/import", {}, STAFF),
    "lms.sync.export": ("POST", "/sync/export/999", {}, set()),  # no such peer: 404 for all
    "lms.sync.reviewed": ("POST", "/sync/conflicts/999/reviewed", {}, set()),
    "lms.reports.index": ("GET", "/reports/?by=unit", {}, STAFF),
    "lms.reports.gain": ("GET", "/reports/gain", {}, STAFF),
    "lms.reports.assessments": ("GET", "/reports/assessments", {}, STAFF),
    "lms.reports.quarterly": ("GET", "/reports/quarterly", {}, STAFF),
    "lms.reports.attendance": ("GET", "/reports/attendance", {}, STAFF),
    "lms.reports.trainers": ("GET", "/reports/trainers", {}, STAFF),
    "lms.reports.vetting": ("GET", "/reports/vetting", {}, STAFF),
    "lms.reports.export": ("GET", "/reports/export/all.xlsx", {}, STAFF),
    "lms.assessment.index": ("GET", "/assessment/", {}, ANY_TRAINER),
    "lms.assessment.queue": ("GET", "/assessment/queue", {}, ANY_TRAINER),
    "lms.assessment.grade": ("GET", "/assessment/responses/{response}", {}, TRAINERS),
    "lms.assessment.release_grade": ("POST", "/assessment/grades/{grade}/release", {}, TRAINERS),
    "lms.assessment.release_assessment": ("POST", COHORT + "/release/principes/accueil-plainte",
                                          {}, TRAINERS),
    "lms.assessment.cohort": ("GET", COHORT, {}, TRAINERS),
    "lms.assessment.practical": ("GET", COHORT + "/practicals/principes/accueil-plainte", {},
                                 TRAINERS),
    "lms.assessment.record_practical": (
        "GET", COHORT + "/practicals/principes/accueil-plainte/{enrolment}", {}, TRAINERS),
    "lms.assessment.schedule": ("GET", COHORT + "/schedule", {}, TRAINERS),
    "lms.assessment.exam": ("GET", COHORT + "/exam/principes/quiz-principes", {}, TRAINERS),
    "lms.assessment.exam_follow": ("GET", COHORT + "/exam/principes/quiz-principes/follow", {},
                                   TRAINERS),
    "lms.assessment.paper_print": ("POST", COHORT + "/exam/principes/quiz-principes/papers.pdf",
                                   {"lang": "fr"}, TRAINERS),
    "lms.assessment.paper_scan": ("POST", COHORT + "/exam/principes/quiz-principes/scan", {},
                                  TRAINERS),
    "lms.assessment.paper_entry": ("GET", COHORT + "/exam/principes/quiz-principes/paper", {},
                                   TRAINERS),
    # No paper has this code: refused (back to the entry page) for those who may enter papers.
    "lms.assessment.paper_answers": ("GET", COHORT + "/exam/principes/quiz-principes/paper/ZZZZ",
                                     {}, TRAINERS),
    "lms.assessment.gradebook": ("GET", COHORT + "/gradebook", {}, TRAINERS),
    "lms.assessment.gradebook_export": ("GET", COHORT + "/gradebook.csv", {}, TRAINERS),
    "lms.assessment.gain": ("GET", COHORT + "/gain", {}, TRAINERS),
    "lms.assessment.preview": ("GET", COHORT + "/preview/principes/quiz-principes", {},
                               TRAINERS),
    # Trainers read the item analysis of the cohorts they teach (both teach one here).
    "lms.assessment.statistics_index": ("GET", "/assessment/statistics", {}, ANY_TRAINER),
    "lms.assessment.statistics": (
        "GET", "/assessment/statistics/police-de-proximite/principes/quiz-principes", {},
        ANY_TRAINER),
    "lms.assessment.regrades": (
        "GET", "/assessment/regrade/police-de-proximite/principes/quiz-principes", {}, STAFF),
    "lms.assessment.regrade_preview": (
        "GET", "/assessment/regrade/police-de-proximite/principes/quiz-principes/{version}", {},
        STAFF),
    "lms.assessment.regrade_apply": (
        "POST", "/assessment/regrade/police-de-proximite/principes/quiz-principes/{version}",
        {"fingerprint": "x"}, STAFF),
    "lms.assessment.regrade_detail": ("GET", "/assessment/regrades/999", {}, set()),  # none: 404
    "lms.assessment.gift_import": ("GET", "/assessment/gift", {}, STAFF),
    "lms.assessment.gift_download": ("POST", "/assessment/gift/download",
                                     {"markdown": "x", "filename": "q.fr.md"}, STAFF),
    "lms.assessment.gift_export": (
        "GET", "/assessment/gift/export/{version}/principes/quiz-principes.gift", {}, STAFF),
    "lms.training.sites": ("GET", "/training/sites", {}, STAFF),
    "lms.training.programmes": ("GET", "/training/programmes", {}, STAFF),
    "lms.training.cohorts": ("GET", "/training/cohorts", {}, ANY_TRAINER),
    "lms.training.new_cohort": ("GET", "/training/cohorts/new", {}, STAFF),
    "lms.training.cohort": ("GET", "/training/cohorts/{cohort}", {}, TRAINERS),
    "lms.training.assign_trainer": ("POST", "/training/cohorts/{cohort}/trainers",
                                    {"trainer": "{trainer_id}"}, STAFF),
    "lms.training.add_class": ("POST", "/training/cohorts/{cohort}/classes", {"name": "Z"}, STAFF),
    "lms.training.split": ("POST", "/training/cohorts/{cohort}/split", {"count": "2"}, STAFF),
    "lms.training.participants_csv": ("GET", "/training/cohorts/{cohort}/participants.csv", {},
                                      STAFF),
    "lms.training.class_page": ("GET", "/training/classes/{class_}", {}, TRAINERS),
    "lms.training.class_trainer": ("POST", "/training/classes/{class_}/trainer",
                                   {"trainer": "{trainer_id}"}, STAFF),
    "lms.training.trainee": ("GET", "/training/cohorts/{cohort}/trainees/{enrolment}", {},
                             STAFF),
    "lms.training.import_roster": ("GET", "/training/cohorts/{cohort}/import", {}, STAFF),
    "lms.training.add_people": ("GET", "/training/cohorts/{cohort}/add-people?q=a", {}, STAFF),
    "lms.training.import_preview": ("GET", "/training/cohorts/{cohort}/import/nope", {}, set()),
    "lms.training.import_commit": ("POST", "/training/cohorts/{cohort}/import/nope", {}, STAFF),
    "lms.training.register": ("GET", "/training/meetings/{meeting}/register", {}, TRAINERS),
    "lms.training.sign_in_sheet": ("GET", "/training/meetings/{meeting}/sheet", {}, TRAINERS),
    "lms.training.attendance": ("GET", "/training/cohorts/{cohort}/attendance", {}, TRAINERS),
    "lms.training.complete": ("POST", "/training/cohorts/{cohort}/trainees/{enrolment}/complete",
                              {}, STAFF),
    "lms.training.complete_by_post_test": ("POST",
                                           "/training/cohorts/{cohort}/complete-by-post-test",
                                           {}, STAFF),
    "lms.training.qualifications": ("GET", "/training/qualifications", {}, STAFF),
    "lms.training.cascade": ("GET", "/training/cascade", {}, STAFF),
    "lms.certificates.verify_form": ("GET", "/v", {}, ANYONE),
    "lms.certificates.verify": ("GET", "/v/{serial}", {}, ANYONE),
    "lms.certificates.status_list": ("GET", "/v/status/{key_id}.json", {}, ANYONE),
    "lms.certificates.public_key_set": ("GET", "/v/keys.json", {}, ANYONE),
    "lms.certificates.how_to_verify": ("GET", "/v/how", {}, ANYONE),
    "lms.certificates.verifier_file": ("GET", "/v/verifier.html", {}, ANYONE),
    "lms.certificates.expiring": ("GET", "/certificates/expiring", {}, STAFF),
    "lms.certificates.expiring_csv": ("GET", "/certificates/expiring.csv", {}, STAFF),
    "lms.certificates.mine": ("GET", "/my/certificates", {}, SIGNED_IN),
    "lms.certificates.my_transcript": ("GET", "/my/transcript.pdf", {}, SIGNED_IN),
    "lms.certificates.certificate_pdf": ("GET", "/certificates/{certificate}/certificate.pdf",
                                         {}, OWNER | STAFF),
    "lms.certificates.badge": ("GET", "/certificates/{certificate}/badge.json", {},
                               OWNER | STAFF),
    "lms.certificates.trainee_transcript": ("GET", "/certificates/trainee/{target}/"
                                            "transcript.pdf", {}, STAFF),
    "lms.certificates.index": ("GET", "/certificates", {}, STAFF),
    "lms.certificates.cohort": ("GET", "/certificates/cohort/{cohort}", {}, STAFF),
    "lms.certificates.issue": ("POST", "/certificates/cohort/{cohort}/issue", {}, STAFF),
    "lms.certificates.cohort_pdf": ("GET", "/certificates/cohort/{cohort}/certificates.pdf", {},
                                    STAFF),
    "lms.certificates.cohort_zip": ("GET", "/certificates/cohort/{cohort}/certificates.zip", {},
                                    STAFF),
    "lms.certificates.detail": ("GET", "/certificates/{certificate}", {}, STAFF),
    "lms.certificates.revoke": ("POST", "/certificates/{certificate}/revoke", {"reason": "x"},
                                STAFF),
    "lms.certificates.reissue": ("POST", "/certificates/{certificate}/reissue",
                                 {"reason": "x", "name": "Y"}, STAFF),
}


@pytest.fixture
def world(app):
    """Two cohorts, each with a trainee and a trainer; staff; admin; an open attempt."""
    version = publish()
    cohort_a, cohort_b = make_cohort(version, "A"), make_cohort(version, "B")
    from lms.training.services import assign_trainer, create_class, create_meeting
    from lms.training.tot import record_qualification

    people = {
        "owner": make_user(), "other_trainee": make_user(),
        "trainer": make_user(roles=("trainer",)), "other_trainer": make_user(roles=("trainer",)),
        "staff": make_user(roles=("staff",)), "admin": make_user(roles=("admin",)),
    }
    for trainer in (people["trainer"], people["other_trainer"]):
        record_qualification(trainer, version.programme, date(2016, 3, 26))
    assign_trainer(cohort_a, people["trainer"])
    assign_trainer(cohort_b, people["other_trainer"])
    class_a = create_class(cohort_a, "Class A", trainer=people["trainer"])
    meeting = create_meeting(class_a, day=date(2026, 4, 1), start=time(8))
    enrolment = make_enrolment(people["owner"], cohort_a)
    make_enrolment(people["other_trainee"], cohort_b)
    attempt = learning.start_attempt(enrolment, "principes/quiz-principes", "fr")
    essay_attempt = learning.start_attempt(
        enrolment, "resolution-problemes/quiz-resolution-problemes", "fr")
    essay = next(q for q in learning.quiz_of(essay_attempt)["questions"] if q["type"] == "essay")
    response_id = answer_save.save_response(essay_attempt, essay["id"], ["Mon plan SARA."])
    learning.submit_attempt(essay_attempt)
    practical = grading.practical_of(enrolment, "principes/accueil-plainte", "fr")
    grade = grading.record_practical(
        people["trainer"], enrolment, "principes/accueil-plainte",
        {c["id"]: str(c["levels"][-1]["points"]) for c in practical["criteria"]}, "", 0)
    from lms.authoring.services import start_draft

    start_draft(version.programme)
    ids = {"enrolment": enrolment.id, "attempt": attempt.id, "version": version.id,
           "question": attempt.question_order[0], "target": make_user().id,
           "cohort": cohort_a.id, "response": response_id, "grade": grade.id,
           "class_": class_a.id, "meeting": meeting.id, "trainer_id": people["trainer"].id}
    ids.update(_certificate_ids(enrolment))
    return {"people": {k: v.login_id for k, v in people.items()}, "ids": ids}


def _certificate_ids(enrolment) -> dict:
    """A signing key and a certificate for the owner (rules skipped: access is tested here)."""
    from lms.base import utcnow
    from lms.certificates import services as certificates
    from lms.certificates import signing
    from lms.extensions import db

    signing.generate_key(certificates.key_folder())
    cert = certificates._new_certificate(enrolment, None, "Owner", utcnow())
    db.session.commit()
    return {"certificate": cert.id, "serial": cert.serial, "cohort": enrolment.cohort_id,
            "key_id": cert.key_id}


def _request(app, world, visitor, method, url, data):
    client = app.test_client()
    if visitor != "anonymous":
        assert login(client, world["people"][visitor], PASSWORD).status_code == 302
    url = url.format(**world["ids"])
    data = {k: v.format(**world["ids"]) for k, v in data.items()}
    return client.open(url, method=method, data=data)


def _denied(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (403, 404) or (
        response.status_code == 302 and "/login" in location)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_each_route_lets_in_exactly_the_right_visitors(app, world, endpoint):
    method, url, data, allowed = MATRIX[endpoint]
    # Refusals first: an allowed request may change state (submit, disable...).
    for visitor in sorted(VISITORS, key=lambda v: v in allowed):
        response = _request(app, world, visitor, method, url, data)
        assert response.status_code != 500, (endpoint, visitor)
        if visitor in allowed and endpoint == "lms.auth.logout":
            assert response.status_code == 302  # back to the sign-in page, for everyone
        elif visitor in allowed:
            assert not _denied(response), (endpoint, visitor, response.status_code)
        else:
            assert _denied(response), (endpoint, visitor, response.status_code)


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("lms.") and rule.endpoint != "lms.static"}
    assert endpoints - set(MATRIX) == set(), "add the new routes to MATRIX"
