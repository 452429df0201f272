"""Home pages by role on the demo academy: each line a count that links to the work."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from lms.assessment.services import grading_queue
from lms.auth.models import User
from lms.auth.throttle import record_login_failure
from lms.extensions import db
from lms.home.services import academy_today, taught_cohorts, trainer_home
from lms.training.models import Cohort, PendingImport
from tests.conftest import login, make_user

DEMO = "demo-pass-2026"


def home(app, login_id: str, lang: str = "fr") -> str:
    """The page after sign-in, as `login_id` sees it in `lang`."""
    client = app.test_client()
    client.post("/language", data={"lang": lang, "next": "/"})
    signed = login(client, login_id, DEMO)
    assert signed.status_code == 302
    response = client.get("/")
    assert response.status_code == 200
    assert len(response.data) < 60_000  # the light-page rule
    html = response.get_data(as_text=True)
    assert "<script" not in html  # works without JavaScript
    return html


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, ident: str) -> str:
    found = re.search(rf'<li id="{ident}">(.*?)</li>\s*(?=<li id=|</ul>\s*</section>)', html,
                      re.S)
    assert found, ident
    return found.group(1)


def test_trainer_home_lists_today_registers_grading_risks_and_quiz_windows(demo_app):
    html = home(demo_app, "FORM-001")
    grace = User.by_login("FORM-001")
    today = academy_today()
    with demo_app.test_request_context():
        mine = trainer_home(grace, "fr", today)
        registers = [url_for("lms.training.register", meeting_id=m.id) for m in mine.meetings]
        queue = url_for("lms.assessment.queue")
    assert mine.meetings and all(m.day == today for m in mine.meetings)
    for link in registers:
        assert f'href="{link}"' in section(html, "home-meetings")
    waiting = sum(len(grading_queue(grace, c.id)) for c in taught_cohorts(grace))
    assert waiting > 0
    assert f'href="{queue}"' in section(html, "home-grading")
    assert f"{waiting} réponses attendent votre correction" in text(section(html, "home-grading"))
    risks = text(section(html, "home-risk"))
    assert "2 de vos stagiaires sont en danger" in risks
    assert "présence" in risks and "échoué" in risks  # and why
    quizzes = text(section(html, "home-quizzes"))
    assert "Quiz — La résolution des problèmes" in quizzes and "ferme" in quizzes
    assert 'id="home-staff"' not in html and 'id="home-admin"' not in html


def test_staff_home_in_english_lists_cohorts_certificates_imports_labs(demo_app):
    html = home(demo_app, "STAFF-001", "en")
    mbuji = db.session.scalar(select(Cohort).where(Cohort.name.like("%Mbuji-Mayi%")))
    running = text(section(html, "home-running"))
    assert "2 cohorts running" in running and mbuji.name in running and "40 trainees" in running
    assert "2 at risk" in running
    assert "2 certificates" in text(section(html, "home-certificates"))
    pending = db.session.scalar(select(PendingImport))
    with demo_app.test_request_context():
        preview = url_for("lms.training.import_preview", cohort_id=pending.cohort_id,
                          token=pending.token)
    assert f'href="{preview}"' in section(html, "home-imports")
    assert "Lab Mbuji-Mayi" in section(html, "home-labs") and "3 days ago" in text(
        section(html, "home-labs"))
    assert "No sync conflict" in section(html, "home-conflicts")
    assert 'id="home-trainer"' not in html and 'id="home-admin"' not in html


def test_admin_home_shows_locked_accounts_and_sensitive_changes_by_name(demo_app):
    for _ in range(5):
        record_login_failure("PNC-1011", "10.0.0.9")
    html = home(demo_app, "ADMIN-001")
    locked = text(section(html, "home-locked"))
    assert "1 compte est bloqué" in locked and User.by_login("PNC-1011").display_name in locked
    recent = text(section(html, "home-audit"))
    assert "Certificat révoqué" in recent and "Personne" not in recent
    assert 'id="home-staff"' in html  # an administrator sees the staff part too


def test_a_person_with_two_roles_sees_both_parts(client):
    make_user(roles=("trainer", "staff"), service_number="FORM-077")
    db.session.commit()
    login(client, "FORM-077")
    html = client.get("/").get_data(as_text=True)
    assert 'id="home-trainer"' in html and 'id="home-staff"' in html
    assert "Aucune séance de classe aujourd'hui." in text(html)


def test_a_trainee_sees_only_their_training(demo_app):
    html = home(demo_app, "PNC-1001")
    assert "Police de proximité" in html and 'class="home"' not in html
