"""A central server and two classroom labs exchange bundles over several rounds; nothing is lost
or counted twice, and damaged, altered or foreign bundles change nothing."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.base import utcnow
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.learning.choices import choice_value
from lms.learning.models import Attempt, LessonProgress, Response
from lms.sync import services as sync
from lms.sync.bundle import BundleRefused
from lms.sync.models import SyncConflict
from lms.training.models import Enrolment
from tests.conftest import (
    PASSWORD,
    make_certificate,
    make_user,
    publish,
)
from tests.sync.world import new_lab_app as _lab
from tests.sync.world import on

QUIZ = "principes/quiz-principes"




def _carry(source, target, peer_name):
    """Export on `source` for `peer_name`, import on `target` (the USB stick)."""
    with on(source):
        _name, data = sync.export_bundle(sync.get_peer(peer_name))
    with on(target):
        entry, new = sync.import_bundle(data)
        assert new
    return data


def _take_quiz(app, login_id, right=True, submit=True):
    with on(app):
        user = User.by_login(login_id)
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        attempt = learning.start_attempt(enrolment, QUIZ, "fr")
        quiz = learning.quiz_of(attempt)
        for question in quiz["questions"]:
            picked = [i for i, c in enumerate(question.get("choices", []))
                      if (c["correct"] if right else i == 0)]
            values = [choice_value(attempt.uuid, question["id"], i) for i in picked] or (
                [str(question.get("answer", question.get("accepted", ["x"])[0]))] if right
                else ["0"])
            answer_save.save_response(attempt, question["id"], values)
        if submit:
            learning.submit_attempt(attempt)
        return attempt.uuid


def _counts(app):
    with on(app):
        return {
            "attempts": db.session.scalar(select(func.count()).select_from(Attempt)),
            "submitted": db.session.scalar(select(func.count()).select_from(Attempt)
                                           .where(Attempt.status == "submitted")),
            "responses": db.session.scalar(select(func.count()).select_from(Response)),
            "progress": db.session.scalar(select(func.count()).select_from(LessonProgress)),
            "attempt_uuids": set(db.session.scalars(select(Attempt.uuid))),
        }


@pytest.fixture
def network(app, tmp_path):
    """Central (the test database: PostgreSQL when LMS_TEST_DATABASE_URL is set) + two labs."""
    central = app
    lab_a, lab_b = _lab(tmp_path, "lab-a"), _lab(tmp_path, "lab-b")
    from lms.training.services import (
        assign_trainer,
        create_class,
        create_cohort,
        create_meeting,
        enrol,
        get_or_create_site,
        move_to_class,
    )

    with on(central):
        version = publish()
        site = get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi")
        get_or_create_site("kasapa", "Académie de Kasapa")
        cohort = create_cohort(name="PdP Mbuji-Mayi", programme=version.programme, site=site,
                               start=date(2026, 3, 29), end=date(2026, 8, 28), version=version)
        trainer = make_user(roles=("trainer",), service_number="FORM-9")
        from lms.training.tot import record_qualification

        record_qualification(trainer, version.programme, date(2016, 3, 26))
        assign_trainer(cohort, trainer)
        class_a = create_class(cohort, "Classe A", trainer=trainer)
        for number in ("PNC-1", "PNC-2", "PNC-3"):
            move_to_class(enrol(make_user(service_number=number, site=site), cohort), class_a)
        create_meeting(class_a, day=date(2026, 4, 1), start=time(8), room="Salle 1")
        db.session.commit()
        sync.set_up("Academy", "central")
        central_card = sync.identity_card()
    cards = {}
    for lab, name in ((lab_a, "Lab A"), (lab_b, "Lab B")):
        with on(lab):
            sync.set_up(name, "lab", "mbuji-mayi")
            cards[name] = sync.identity_card()
            sync.add_peer(central_card)
    with on(central):
        sync.add_peer(cards["Lab A"])
        sync.add_peer(cards["Lab B"])
    return central, lab_a, lab_b


def test_labs_work_offline_and_the_centre_gets_every_attempt_exactly_once(network):
    central, lab_a, lab_b = network
    _carry(central, lab_a, "Lab A")
    _carry(central, lab_b, "Lab B")

    # Trainees sign in at the labs with the credentials the centre gave them.
    client = lab_a.test_client()
    assert client.post("/login", data={"login": "PNC-1", "password": PASSWORD}).status_code == 302
    with on(lab_a):
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 3

    made = set()
    made.add(_take_quiz(lab_a, "PNC-1"))
    made.add(_take_quiz(lab_b, "PNC-2", right=False))
    made.add(_take_quiz(lab_a, "PNC-3", submit=False))  # left open when the power went off
    made.add(_take_quiz(lab_b, "PNC-3"))  # the same trainee, the same quiz, in the other lab
    with on(lab_a):
        enrolment = db.session.scalar(select(Enrolment).join(User).where(
            User.service_number == "PNC-3"))
        learning.mark_lesson_read(enrolment, "principes/six-principes")
    with on(lab_b):
        enrolment = db.session.scalar(select(Enrolment).join(User).where(
            User.service_number == "PNC-3"))
        learning.mark_lesson_read(enrolment, "principes/six-principes")  # read in both labs

    a_bundle = _carry(lab_a, central, "Academy")
    _carry(lab_b, central, "Academy")
    totals = _counts(central)
    assert totals["attempt_uuids"] == made
    assert totals["attempts"] == 4
    lab_a_counts, lab_b_counts = _counts(lab_a), _counts(lab_b)
    assert totals["responses"] == lab_a_counts["responses"] + lab_b_counts["responses"]
    assert totals["progress"] == 1  # one trainee read one lesson: one fact, not two

    # The same bundle again changes nothing.
    with on(central):
        _entry, new = sync.import_bundle(a_bundle)
        assert not new
    assert _counts(central) == totals

    # Round two: the labs learn what happened in the other lab, and work on.
    _carry(central, lab_a, "Lab A")
    _carry(central, lab_b, "Lab B")
    assert _counts(lab_a)["attempt_uuids"] == made
    made.add(_take_quiz(lab_b, "PNC-1"))  # second attempt, numbered after the first
    with on(lab_b):
        numbers = sorted(db.session.scalars(select(Attempt.number).join(Enrolment).join(User)
                                            .where(User.service_number == "PNC-1")))
        assert numbers == [1, 2]
    old_a = None
    with on(lab_a):
        _name, old_a = sync.export_bundle(sync.get_peer("Academy"))
    with on(lab_a):  # the open attempt of PNC-3 is finished later in lab A
        attempt = db.session.scalar(select(Attempt).where(Attempt.status == "open"))
        learning.submit_attempt(attempt)
    _carry(lab_a, central, "Academy")
    _carry(lab_b, central, "Academy")
    with on(central):  # an older bundle of lab A arrives late: it must not reopen the attempt
        sync.import_bundle(old_a)
        assert db.session.scalar(select(func.count()).select_from(Attempt)
                                 .where(Attempt.status == "open")) == 0
    final = _counts(central)
    assert final["attempt_uuids"] == made
    assert final["attempts"] == 5 and final["submitted"] == 5


def test_a_change_made_in_two_places_is_kept_once_and_listed_for_review(network):
    central, lab_a, _lab_b = network
    _carry(central, lab_a, "Lab A")
    with on(lab_a):
        user = User.by_login("PNC-2")
        user.rank = "Brigadier"
        user.updated_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    with on(central):
        user = User.by_login("PNC-2")
        user.rank = "Sous-brigadier"
        db.session.commit()
    _carry(lab_a, central, "Academy")
    with on(central):
        assert User.by_login("PNC-2").rank == "Sous-brigadier"  # the newer change
        conflict = db.session.scalar(select(SyncConflict))
        assert conflict.kept["rank"] == "Sous-brigadier"
        assert conflict.other["rank"] == "Brigadier"
        assert [c.id for c in sync.open_conflicts()] == [conflict.id]


def test_damaged_altered_foreign_or_misaddressed_bundles_change_nothing(network, tmp_path):
    central, lab_a, lab_b = network
    _carry(central, lab_a, "Lab A")
    _take_quiz(lab_a, "PNC-1")
    with on(lab_a):
        _name, data = sync.export_bundle(sync.get_peer("Academy"))
    before = _counts(central)

    import io
    import zipfile

    def rewrite(member, change):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                dst.writestr(item, change(content) if item.filename == member else content)
        return out.getvalue()

    altered = rewrite("data/lms_attempts.jsonl",
                      lambda c: c.replace(b'"status": "submitted"', b'"status": "open"', 1))
    assert b'"status": "submitted"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "data/lms_attempts.jsonl")
    cases = {
        "truncated": data[: len(data) // 2],
        "altered": altered,
        "resigned": rewrite("manifest.json", lambda c: c.replace(b'"Lab A"', b'"Lab Z"')),
        "not a bundle": b"PK\x03\x04 garbage",
    }
    foreign = _lab(tmp_path, "intruder")
    with on(foreign):
        from lms.training.services import get_or_create_site

        get_or_create_site("mbuji-mayi", "Fake")
        sync.set_up("Lab A", "lab", "mbuji-mayi")
        with on(central):
            card = sync.identity_card()
        sync.add_peer(card)
        _name, cases["foreign"] = sync.export_bundle(sync.get_peer("Academy"))
    _carry(central, lab_b, "Lab B")
    with on(lab_b):  # a real bundle, but made for lab A, not for the centre
        with on(lab_a):
            card_a = sync.identity_card()
        sync.add_peer(card_a)
        _name, cases["misaddressed"] = sync.export_bundle(sync.get_peer("Lab A"))
    with on(central):
        sync.add_peer(card_a)  # already known; misaddressed bundle comes from lab B
    for label, bundle in cases.items():
        with on(central):
            with pytest.raises(BundleRefused):
                sync.import_bundle(bundle)
        assert _counts(central) == before, label
    with on(central):
        _entry, new = sync.import_bundle(data)
        assert new
    assert _counts(central)["attempts"] == before["attempts"] + 1


def test_staff_see_each_lab_and_import_a_bundle_from_the_page(network):
    central, lab_a, _lab_b = network
    _carry(central, lab_a, "Lab A")
    _take_quiz(lab_a, "PNC-1")
    with on(lab_a):
        _name, data = sync.export_bundle(sync.get_peer("Academy"))
    with on(central):
        make_user(roles=("staff",), service_number="STAFF-" + uuid.uuid4().hex[:4])
        staff_login = db.session.scalar(select(User).join(User.role_rows).where(
            User.service_number.like("STAFF-%"))).login_id
    client = central.test_client()
    client.post("/login", data={"login": staff_login, "password": PASSWORD})
    import io

    response = client.post("/sync/import", data={"bundle": (io.BytesIO(data), "a.lmsbundle")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "importé" in response.text
    page = client.get("/sync/")
    assert "Lab A" in page.text and "attempts" in page.text
    trainee = central.test_client()
    trainee.post("/login", data={"login": "PNC-1", "password": PASSWORD})
    assert trainee.get("/sync/").status_code == 403


def _enrolment_of(login_id):
    return db.session.scalar(select(Enrolment).join(User).where(User.service_number == login_id))


def test_attendance_and_grades_arrive_exactly_once_with_their_history(network):
    from lms.assessment import services as grading
    from lms.assessment.models import Grade, GradeHistory
    from lms.training.attendance import save_register
    from lms.training.models import AttendanceChange, AttendanceRecord, ClassMeeting

    central, lab_a, lab_b = network
    _carry(central, lab_a, "Lab A")
    practical_key = "principes/accueil-plainte"
    with on(lab_a):
        trainer = User.by_login("FORM-9")
        meeting = db.session.scalar(select(ClassMeeting))
        late = _enrolment_of("PNC-2")
        save_register(meeting, {late.id: "absent"}, trainer)
        save_register(meeting, {late.id: "late"}, trainer,
                      reason="came late")  # corrected: keeps its history
        db.session.commit()
        enrolment = _enrolment_of("PNC-1")
        practical = grading.practical_of(enrolment, practical_key, "fr")
        lowest = {c["id"]: str(c["levels"][0]["points"]) for c in practical["criteria"]}
        highest = {c["id"]: str(c["levels"][-1]["points"]) for c in practical["criteria"]}
        grading.record_practical(trainer, enrolment, practical_key, lowest, "A revoir", 0)
    first = _carry(lab_a, central, "Academy")

    def central_figures():
        with on(central):
            return {
                "records": sorted(db.session.scalars(select(AttendanceRecord.status))),
                "changes": db.session.scalar(select(func.count()).select_from(AttendanceChange)),
                "grades": [(g.score, g.comment) for g in db.session.scalars(select(Grade))],
                "history": db.session.scalar(select(func.count()).select_from(GradeHistory)),
            }

    figures = central_figures()
    assert figures["records"] == ["late", "present", "present"]
    assert figures["changes"] >= 1
    assert figures["grades"] == [(0.0, "A revoir")] or figures["grades"][0][1] == "A revoir"
    with on(central):
        assert not sync.import_bundle(first)[1]
    assert central_figures() == figures

    with on(lab_a):  # the trainer changes the grade at the lab: the change and its history travel
        grade = db.session.scalar(select(Grade))
        grading.record_practical(User.by_login("FORM-9"), _enrolment_of("PNC-1"), practical_key,
                                 highest, "Bien", grade.version)
    _carry(lab_a, central, "Academy")
    after = central_figures()
    assert after["grades"][0][1] == "Bien"
    assert after["history"] == figures["history"] + 1
    assert after["records"] == figures["records"]

    _carry(central, lab_b, "Lab B")  # the other lab learns it too
    with on(lab_b):
        assert [g.comment for g in db.session.scalars(select(Grade))] == ["Bien"]
        assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 3


def test_grades_and_registers_kept_by_academy_staff_reach_the_lab(network):
    from lms.assessment import services as grading
    from lms.assessment.models import Grade
    from lms.training.attendance import save_register
    from lms.training.models import AttendanceRecord, ClassMeeting

    central, lab_a, _lab_b = network
    practical_key = "principes/accueil-plainte"
    with on(central):  # a staff member of the academy, not of the lab's site, acts at the centre
        staff = make_user(roles=("staff",), service_number="STAFF-9")
        enrolment = _enrolment_of("PNC-1")
        practical = grading.practical_of(enrolment, practical_key, "fr")
        levels = {c["id"]: str(c["levels"][-1]["points"]) for c in practical["criteria"]}
        grading.record_practical(staff, enrolment, practical_key, levels, "Observé au poste", 0)
        save_register(db.session.scalar(select(ClassMeeting)),
                      {_enrolment_of("PNC-3").id: "absent"}, staff, reason="left at noon")
        db.session.commit()
    _carry(central, lab_a, "Lab A")
    with on(lab_a):
        grade = db.session.scalar(select(Grade))
        assert (grade.comment, grade.graded_by.service_number) == ("Observé au poste", "STAFF-9")
        statuses = sorted(db.session.scalars(select(AttendanceRecord.status)))
        assert statuses == ["absent", "present", "present"]


def test_a_certificate_reissued_in_a_lab_replaces_the_old_one_at_the_centre(network):
    from lms.certificates import services as certificates
    from lms.certificates import signing
    from lms.certificates.models import Certificate

    central, lab_a, _lab_b = network
    with on(central):
        old_serial = make_certificate(_enrolment_of("PNC-1")).serial
        db.session.commit()
    _carry(central, lab_a, "Lab A")
    with on(lab_a):
        signing.generate_key(certificates.key_folder())
        new_serial = certificates.reissue_certificate(
            certificates.get_by_serial(old_serial), None, "Nom mal orthographié").serial
    _carry(lab_a, central, "Academy")
    with on(central):
        assert dict(db.session.execute(select(Certificate.serial, Certificate.status)).all()) == {
            old_serial: "superseded", new_serial: "valid"}


def test_two_valid_certificates_for_one_trainee_are_refused_with_a_clear_message(network):
    from lms.certificates.models import Certificate
    from lms.sync.models import SyncBundle

    central, lab_a, _lab_b = network
    _carry(central, lab_a, "Lab A")
    with on(lab_a):  # issued in the lab while the centre issued its own
        lab_serial = make_certificate(_enrolment_of("PNC-2")).display_serial
        db.session.commit()
        _name, data = sync.export_bundle(sync.get_peer("Academy"))
    with on(central):
        ours = make_certificate(_enrolment_of("PNC-2"))
        db.session.commit()
        message = (f"a déjà un certificat valide {ours.display_serial} ici, et le paquet en "
                   f"apporte un autre, {lab_serial}")
        with pytest.raises(BundleRefused, match=message):
            sync.import_bundle(data)
        assert db.session.scalars(select(Certificate.serial)).all() == [ours.serial]
        assert db.session.scalar(select(SyncBundle).where(SyncBundle.direction == "in")) is None


def test_the_cli_exports_changes_or_everything_and_imports_with_a_summary(network, tmp_path,
                                                                          monkeypatch):
    central, lab_a, _lab_b = network
    stick = tmp_path / "stick.lmsbundle"
    monkeypatch.setattr("lms.sync.export.MARGIN", timedelta(0))  # weeks pass in a second

    def cli(app, *args):
        with on(app):  # the command runs on the server whose context is current
            result = app.test_cli_runner().invoke(args=["lms", "sync", *args])
        assert result.exit_code == 0, result.output
        return result.output

    cli(central, "export", "Lab A", "-o", str(stick))
    output = cli(lab_a, "import", str(stick))
    assert "personnes\u00a0: 4 ajouts\u00a0; " in output and "Importation terminée." in output
    assert "déjà été importé" in cli(lab_a, "import", str(stick))
    _take_quiz(lab_a, "PNC-1")
    cli(lab_a, "export", "Academy", "-o", str(stick))
    assert "tentatives\u00a0: 1 ajout" in cli(central, "import", str(stick))
    _carry(central, lab_a, "Lab A")  # acknowledges the lab's bundle
    cli(lab_a, "export", "Academy", "-o", str(stick))
    with on(lab_a):
        entry = sync.get_peer("Academy").bundles[0]
        assert not entry.full and entry.counts["lms_attempts"] == 0  # changes only: none
    cli(lab_a, "export", "Academy", "--full", "-o", str(stick))
    with on(lab_a):
        entry = sync.get_peer("Academy").bundles[0]
        assert entry.full and entry.counts["lms_attempts"] == 1


def test_the_import_summary_names_each_table_and_counts_in_words(ctx):
    from flask_babel import force_locale

    from lms.sync.models import SyncBundle
    from lms.sync.registry import SPECS

    assert {spec.table for spec in SPECS} <= set(sync.TABLE_NAMES)  # every table has a name
    entry = SyncBundle(counts={
        "lms_users": {"new": 1, "updated": 2, "unchanged": 5},
        "lms_responses": {"new": 3, "conflicts": 1, "clashes": 2},
        "lms_cohorts": {"new": 0, "unchanged": 4},  # nothing arrived: not named
        "lms_future_table": {"updated": 1},
    })
    with force_locale("fr"):
        assert sync.summary(entry) == (
            "personnes\u00a0: 1 ajout, 2 mises à jour\u00a0; réponses\u00a0: 3 ajouts, "
            "1 à vérifier, 2 numéros en double\u00a0; future table\u00a0: 1 mise à jour")
    with force_locale("en"):
        assert sync.summary(entry) == ("people: 1 new, 2 updated; answers: 3 new, 1 to review, "
                                       "2 number clashes; future table: 1 updated")
        assert sync.summary(SyncBundle(counts={})) == "nothing new"
