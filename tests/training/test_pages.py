"""Staff and trainer pages: cohorts, dashboard, access, vetting, exports, a 400-trainee intake."""

import io
import re
from datetime import date, time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from lms.extensions import db
from lms.learning.models import Attempt
from lms.training import roster
from lms.training import services as svc
from lms.training.exports import safe_cell
from lms.training.models import AttendanceRecord, Cohort, Enrolment, Vetting
from tests.conftest import login, make_cohort, make_enrolment, make_user
from tests.training.factories import class_with_trainees, programme_version, qualified_trainer


def test_staff_create_a_tot_cohort_through_the_page(app, client):
    tot_version = programme_version("formation-des-formateurs")
    community = programme_version().programme
    mining = programme_version("police-des-mines").programme
    site = svc.get_or_create_site("kasapa", "Académie de police de Kasapa")
    db.session.commit()
    login(client, make_user(roles=("staff",)))
    form = client.get("/training/cohorts/new")
    assert form.status_code == 200 and "Formation des formateurs seulement" in form.text
    response = client.post("/training/cohorts/new", data={
        "name": "ToT Kasapa", "programme": tot_version.programme_id, "version": 0,
        "site": site.id, "start": "2016-03-14", "end": "2016-03-26",
        "qualifies_for": [community.id, mining.id]})
    assert response.status_code == 302
    db.session.rollback()
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "ToT Kasapa"))
    assert sorted(p.code for p in cohort.qualifies_for) == ["police-de-proximite",
                                                           "police-des-mines"]
    refused = client.post("/training/cohorts/new", data={
        "name": "ToT sans programme", "programme": tot_version.programme_id, "version": 0,
        "site": site.id, "start": "2016-03-14", "end": "2016-03-26"})
    assert "Choisissez les programmes" in refused.text


def test_a_trainer_sees_only_their_cohorts(app, client):
    mine, cohort_class, trainer, _ = class_with_trainees(1, name="Mine")
    other = make_cohort(mine.curriculum_version, name="Someone else's")
    login(client, trainer)
    listing = client.get("/training/cohorts").text
    assert "Mine" in listing and "Someone else" not in listing
    assert client.get(f"/training/cohorts/{mine.id}").status_code == 200
    assert client.get(f"/training/cohorts/{other.id}").status_code == 404
    assert client.get(f"/training/cohorts/{other.id}/attendance").status_code == 404
    assert client.get(f"/training/classes/{cohort_class.id}").status_code == 200
    assert "Mes classes" in client.get("/").text


@pytest.mark.parametrize("url", ["/training/cohorts", "/training/cohorts/new",
                                 "/training/sites", "/training/qualifications",
                                 "/training/cascade", "/training/programmes"])
def test_trainees_cannot_open_staff_pages(app, client, url):
    login(client, make_user())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/training/cohorts/new", "/training/sites",
                                 "/training/qualifications", "/training/cascade"])
def test_trainers_cannot_open_staff_only_pages(app, client, url):
    login(client, make_user(roles=("trainer",)))
    assert client.get(url).status_code == 403


def test_dashboard_shows_enrolment_backlog_and_who_is_at_risk(app, client):
    cohort, cohort_class, trainer, (first, second) = class_with_trainees(2)
    first.user.sex, second.user.sex = "F", "M"
    # The first trainee failed a quiz, has an answer to grade and missed class.
    db.session.add(Attempt(enrolment_id=first.id, item_key="principes/quiz-principes",
                           number=1, curriculum_version_id=cohort.curriculum_version_id,
                           content_hash="x", language="fr", status="submitted",
                           question_order=[], choice_order={}, score=1, max_score=10))
    db.session.add(Attempt(enrolment_id=second.id, item_key="partenariat/quiz-partenariat",
                           number=1, curriculum_version_id=cohort.curriculum_version_id,
                           content_hash="x", language="fr", status="submitted",
                           question_order=[], choice_order={}, score=5, max_score=10,
                           pending_grading=1))
    found = svc.create_meeting(cohort_class, day=date(2026, 4, 1), start=time(8))
    db.session.add_all([AttendanceRecord(meeting=found, enrolment=first, status="absent"),
                        AttendanceRecord(meeting=found, enrolment=second, status="present")])
    db.session.commit()
    login(client, make_user(roles=("staff",)))
    page = client.get(f"/training/cohorts/{cohort.id}").text
    assert 'id="enrolled">2<' in page
    # French typography and agreement: "2 stagiaires : 1 femme, 1 homme", a no-break space
    # before the colon.
    assert "stagiaires\u00a0:" in page and "1 femme, 1 homme." in page
    assert "Corrections en retard\u00a0: <strong>1</strong>" in page
    at_risk = re.search(r'<ul id="at-risk">(.*?)</ul>', page, re.S).group(1)
    assert first.user.display_name in at_risk and "présence 0\u00a0%" in at_risk
    assert "échoué\u00a0:" in at_risk
    assert second.user.display_name not in at_risk or "attendance" not in at_risk.split(
        second.user.display_name)[1]


def test_staff_set_vetting_status(app, client):
    enrolment = make_enrolment()
    login(client, make_user(roles=("staff",)))
    url = f"/training/cohorts/{enrolment.cohort_id}/trainees/{enrolment.id}"
    client.post(url, data={"vetting-status": "cleared", "vetting-note": "INL ref 42",
                           "vetting-submit": "1"})
    db.session.rollback()
    vetting = db.session.scalar(select(Vetting).where(Vetting.user_id == enrolment.user_id))
    assert (vetting.status, vetting.note) == ("cleared", "INL ref 42")
    assert svc.vetting_statuses([enrolment.user_id]) == {enrolment.user_id: "cleared"}


def test_participant_export_never_runs_a_formula(app, client):
    enrolment = make_enrolment(make_user(last_name="=HYPERLINK(1)", unit="+243 unit",
                                         phone="+243 81 234 5678"))
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("-1") == "'-1"
    # Digits apart are no formula and no number: the phone stays as written. Joined by signs,
    # a spreadsheet would compute them.
    assert safe_cell("+243\u00a099 000 1111") == "+243\u00a099 000 1111"
    assert safe_cell("+243-81-234") == "'+243-81-234" and safe_cell("+2 A1") == "'+2 A1"
    login(client, make_user(roles=("staff",)))
    text = client.get(f"/training/cohorts/{enrolment.cohort_id}/participants.csv").text
    assert "'=HYPERLINK(1)" in text and "'+243 unit" in text
    assert ";=HYPERLINK" not in text
    assert ";+243 81 234 5678;" in text and "'+243 81" not in text


def test_a_cohort_of_400_from_a_roster_is_split_and_attended(app, client, monkeypatch):
    """Done means: 400 from a real-looking file with bad rows, classes, attendance, counts."""
    # Real Argon2 hashes at a low cost (rehashed at full cost on first sign-in) keep this fast.
    monkeypatch.setattr(roster, "hash_password",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash)
    version = programme_version()
    cohort = make_cohort(version, name="Proximité Mbuji-Mayi 2016")
    trainer = qualified_trainer(version.programme)
    staff = make_user(roles=("staff",))
    lines = ["Matricule;Nom;Postnom;Prénom;Sexe;Grade;Unité;Téléphone"]
    for i in range(400):
        sex = "Féminin" if i % 7 == 0 else "Masculin"
        number = f"PNC-{10000 + i}" if i % 10 else ""
        lines.append(f"{number};Nom{i:03d};Post{i};Prénom{i};{sex};Agent;Bipemba;")
    lines.append("PNC-10001;Doublon;;Jean;M;Agent;Bipemba;")  # duplicate: the first one stays
    lines.append("PNC-20000;Sans;;Sexe;?;Agent;Bipemba;")      # unknown sex
    lines.append("PNC-20001;;;Anonyme;F;Agent;Bipemba;")        # no last name
    data = "\r\n".join(lines).encode("cp1252")
    login(client, staff)
    upload = client.post(f"/training/cohorts/{cohort.id}/import",
                         data={"file": (io.BytesIO(data), "stagiaires.csv")},
                         content_type="multipart/form-data")
    preview = client.get(upload.headers["Location"]).text
    assert 'id="valid-count">400<' in preview and 'id="problem-count">3<' in preview
    client.post(upload.headers["Location"], data={"mode": "valid"})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.cohort_id == cohort.id)) == 400
    client.post(f"/training/cohorts/{cohort.id}/split", data={"count": 10})
    db.session.rollback()
    cohort = db.session.get(Cohort, cohort.id)
    sizes = sorted(len(c.enrolments) for c in cohort.classes)
    assert sizes == [40] * 10
    first_class = cohort.classes[0]
    client.post(f"/training/classes/{first_class.id}/trainer", data={"trainer": trainer.id})
    client.post(f"/training/classes/{first_class.id}", data={
        "day": "2016-04-01", "start": "08:00", "room": "Salle 1", "trainer": 0, "module": ""})
    db.session.rollback()
    first_class = db.session.get(type(first_class), first_class.id)
    [found] = first_class.meetings
    assert found.trainer_id == trainer.id
    trainer_client = app.test_client()
    login(trainer_client, trainer)
    absent = first_class.enrolments[0].id
    trainer_client.post(f"/training/meetings/{found.id}/register",
                        data={f"status-{absent}": "absent"})
    db.session.rollback()
    recorded = db.session.scalar(select(func.count()).select_from(AttendanceRecord))
    assert recorded == len(first_class.enrolments)
    page = trainer_client.get(f"/training/cohorts/{cohort.id}/attendance").text
    expected = round(100 * (recorded - 1) / recorded, 1)
    assert f'id="cohort-rate">{expected:g}\u00a0%'.replace(".", ",") in page  # French decimals
