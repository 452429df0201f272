"""What people read is in their language: roles, vetting, audit actions, decimals, dates.

Codes stay in the database and in machine-readable exports; pages and messages show words and
numbers as the reader's language writes them ("72,5 %" in French, "72.5%" in English).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time

import flask_babel
import pytest
from flask import session

from lms import labels
from lms.assessment import gradebook as book
from lms.auth.models import ROLES
from lms.extensions import db
from lms.i18n import format_answer, format_percentage
from lms.training import attendance as att
from lms.training import services as training
from lms.training.models import ATTENDANCE_STATUSES, VETTING_STATUSES
from tests.assessment.helpers import make_attempt, make_trainer
from tests.conftest import ROOT, login, make_cohort, make_enrolment, make_user
from tests.training.factories import class_with_trainees

QUIZ = "principes/quiz-principes"
NBSP = "\u00a0"


def choose_language(client, lang: str) -> None:
    client.post("/language", data={"lang": lang, "next": "/"})


def visible_text(html: str) -> str:
    """The page's text without tags and attributes (where codes may stay, as form values)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def table_text(html: str) -> str:
    """The visible text of the page's table rows."""
    return visible_text(re.search(r"<tbody>(.*)</tbody>", html, re.S).group(1))


def test_every_code_people_can_meet_has_words():
    assert set(labels.ROLES) == set(ROLES)
    assert set(labels.VETTING_STATUSES) == set(VETTING_STATUSES)
    assert set(labels.ATTENDANCE_STATUSES) == set(ATTENDANCE_STATUSES)
    recorded = set()
    for path in (ROOT / "lms").rglob("*.py"):
        for call in re.findall(r"audit\.record\((.{0,160})", path.read_text(encoding="utf-8"),
                               re.S):
            recorded.update(re.findall(r'"([a-z]+\.[a-z_]+)"', call.split(")")[0]))
    assert len(recorded) > 25
    assert recorded <= set(labels.AUDIT_ACTIONS), recorded - set(labels.AUDIT_ACTIONS)


@pytest.mark.parametrize("lang, expected", [
    ("fr", ["72,5\u00a0%", "33,3\u00a0%", "100\u00a0%", "0\u00a0%", "—"]),
    ("en", ["72.5%", "33.3%", "100%", "0%", "—"])])
def test_percentages_are_written_as_the_readers_language_writes_them(app, lang, expected):
    with app.test_request_context():
        session["locale"] = lang
        flask_babel.refresh()
        assert [format_percentage(v) for v in (72.5, 100 / 3, 100.0, 0, None)] == expected


@pytest.mark.parametrize("lang, expected", [("fr", ["2011", "2,5", "-3"]),
                                            ("en", ["2011", "2.5", "-3"])])
def test_expected_numeric_answers_keep_their_digits_together(app, lang, expected):
    with app.test_request_context():
        session["locale"] = lang
        flask_babel.refresh()
        assert [format_answer(v) for v in (2011, 2.5, -3)] == expected


def test_people_pages_name_roles_in_the_readers_language(client):
    admin = make_user(roles=("admin",))
    person = make_user(roles=("trainer", "trainee"), last_name="Ilunga")
    login(client, admin)
    found = visible_text(client.get("/people/?q=ilunga").text)
    assert "Stagiaire, Formateur" in found and "trainer" not in found
    page = client.get(f"/people/{person.id}").text
    assert "<span>Administrateur</span>" in page and "Stagiaire, Formateur" in page
    assert '<option value="trainer" >Formateur</option>' in client.get("/people/").text
    choose_language(client, "en")
    assert "Trainee, Trainer" in visible_text(client.get("/people/?q=ilunga").text)
    assert "<span>Administrator</span>" in client.get(f"/people/{person.id}").text


def test_audit_log_says_what_happened_in_the_readers_language(client):
    admin = make_user(roles=("admin",))
    person = make_user(last_name="Kalala")
    login(client, admin)
    client.post(f"/people/{person.id}/roles", data={"role": ["trainee", "trainer"]})
    training.set_vetting(person, "cleared", actor=admin)
    db.session.commit()
    log = table_text(client.get("/people/audit").text)
    assert "Rôles modifiés" in log
    assert f"Rôles{NBSP}: Stagiaire Rôles{NBSP}: Stagiaire, Formateur" in log  # before, after
    assert "Statut de vérification enregistré" in log and f"État{NBSP}: Validé" in log
    assert "Personne" in log
    for code in ("user.roles", "vetting.set", "cleared", "trainer"):
        assert code not in log
    only_vetting = table_text(client.get("/people/audit?action=vetting.set").text)
    assert "Statut de vérification enregistré" in only_vetting
    assert "Rôles modifiés" not in only_vetting
    choose_language(client, "en")
    log = table_text(client.get("/people/audit").text)
    assert "Roles changed" in log and "Roles: Trainee, Trainer" in log
    assert "Vetting status recorded" in log and "Status: Cleared" in log


def test_cohort_dashboard_trainee_page_and_exports_give_statuses_in_words(client):
    staff = make_user(roles=("staff",))
    enrolment = make_enrolment()
    training.set_vetting(enrolment.user, "refused", actor=staff)
    db.session.commit()
    cohort = enrolment.cohort
    login(client, staff)
    dashboard = visible_text(client.get(f"/training/cohorts/{cohort.id}").text)
    assert "Refusé" in dashboard and "refused" not in dashboard
    trainee = client.get(f"/training/cohorts/{cohort.id}/trainees/{enrolment.id}").text
    assert 'id="vetting">Refusé<' in trainee
    rows = list(csv.reader(io.StringIO(client.get(
        f"/training/cohorts/{cohort.id}/participants.csv").get_data(as_text=True)
        .lstrip("\ufeff"))))
    assert rows[1][-1] == "en formation"
    choose_language(client, "en")
    assert "Refused" in visible_text(client.get(f"/training/cohorts/{cohort.id}").text)
    trainee = client.get(f"/training/cohorts/{cohort.id}/trainees/{enrolment.id}").text
    assert 'id="vetting">Refused<' in trainee


def test_attendance_rates_use_the_readers_decimals(client):
    cohort, cohort_class, trainer, (first, second, third) = class_with_trainees(3)
    for day in (1, 2):
        found = training.create_meeting(cohort_class, day=date(2026, 4, day), start=time(8))
        att.save_register(found, {first.id: "absent"} if day == 1 else {}, trainer)
    db.session.commit()
    login(client, trainer)
    # 5 of 6 attended: 83.3 % for the cohort; the first trainee 1 of 2.
    page = client.get(f"/training/cohorts/{cohort.id}/attendance").text
    assert f'id="cohort-rate">83,3{NBSP}%<' in page and f"<td>50{NBSP}%</td>" in page
    assert "83.3" not in page
    dashboard = client.get(f"/training/cohorts/{cohort.id}").text
    assert f"<strong>83,3{NBSP}%</strong>" in dashboard
    choose_language(client, "en")
    page = client.get(f"/training/cohorts/{cohort.id}/attendance").text
    assert 'id="cohort-rate">83.3%<' in page and "<td>50%</td>" in page


def test_gradebook_on_screen_in_the_readers_decimals_and_csv_machine_readable(client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    trainee = make_enrolment(make_user(last_name="Banza"), cohort)
    quiz = trainee.curriculum_version.structure["assessments"][QUIZ]["fr"]
    make_attempt(trainee, QUIZ, {quiz["questions"][0]["id"]: quiz["questions"][0]["points"]})
    _assessments, [row] = book.build_gradebook(cohort, "fr")
    on_20 = row.cells[QUIZ].on_20
    assert on_20 != int(on_20)  # a decimal to write, e.g. 3.33
    login(client, trainer)
    french = f"{on_20:g}".replace(".", ",")
    page = client.get(f"/assessment/cohorts/{cohort.id}/gradebook").text
    assert f"<td class=\"no\">{french}</td>" in page
    sex = {"F": "Femme", "M": "Homme"}[trainee.user.sex]  # in words, not the stored code
    assert f"{trainee.user.login_id} · {sex}</span>" in page
    lines = list(csv.reader(io.StringIO(client.get(
        f"/assessment/cohorts/{cohort.id}/gradebook.csv").get_data(as_text=True)
        .lstrip("\ufeff"))))
    # Spreadsheets and scripts read the CSV: dot decimals whatever the reader's language.
    assert f"{on_20:g}" in lines[1] and french not in lines[1]
    choose_language(client, "en")
    assert f"<td class=\"no\">{on_20:g}</td>" in client.get(
        f"/assessment/cohorts/{cohort.id}/gradebook").text


def test_class_meetings_are_dated_in_the_readers_language(client):
    _cohort, cohort_class, trainer, _enrolments = class_with_trainees(1)
    training.create_meeting(cohort_class, day=date(2026, 4, 6), start=time(14, 30),
                            end=time(16))
    db.session.commit()
    login(client, trainer)
    page = visible_text(client.get(f"/training/classes/{cohort_class.id}").text)
    assert "6 avr. 2026" in page and "14:30–16:00" in page and "2026-04-06" not in page
    choose_language(client, "en")
    page = visible_text(client.get(f"/training/classes/{cohort_class.id}").text)
    assert "Apr 6, 2026" in page and "2:30\u202fPM–4:00\u202fPM" in page
