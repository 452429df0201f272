"""Trainers grade written answers and practicals: queue, conflicts, history, release."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assessment import services as svc
from lms.assessment.models import Grade, GradeHistory
from lms.audit import AuditRecord
from lms.base import utcnow
from lms.extensions import db
from lms.learning.models import Attempt, Response
from tests.assessment.helpers import ESSAY_QUIZ, PRACTICAL, make_trainer, sit_quiz
from tests.conftest import login, make_cohort, make_enrolment, make_user


def _essay(attempt):
    return db.session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                    Response.question_id == "rp6"))


@pytest.fixture
def graded_setup(app):
    cohort = make_cohort()
    trainer = make_trainer(cohort, first_name="Alice", last_name="Kabila")
    enrolment = make_enrolment(cohort=cohort)
    attempt = sit_quiz(enrolment)
    return cohort, trainer, enrolment, attempt


def test_an_essay_awaits_grading_and_grading_updates_the_attempt(graded_setup, ctx):
    _cohort, trainer, _enrolment, attempt = graded_setup
    assert attempt.pending_grading == 1
    auto = attempt.score
    essay = _essay(attempt)
    assert essay.score is None
    assert svc.grading_queue(trainer) == [essay]
    svc.grade_response(trainer, essay, "4,5", "Bonne analyse, évaluation trop courte.", 0)
    db.session.refresh(attempt)
    assert attempt.pending_grading == 0
    assert attempt.score == pytest.approx(auto + 4.5)
    assert svc.grading_queue(trainer) == []


def test_a_score_above_the_points_is_refused(graded_setup, ctx):
    _cohort, trainer, _enrolment, attempt = graded_setup
    with pytest.raises(svc.GradingError, match="entre 0 et 6"):
        svc.grade_response(trainer, _essay(attempt), "7", "", 0)


def test_the_second_trainer_is_told_and_nothing_is_overwritten(graded_setup, ctx):
    cohort, first, _enrolment, attempt = graded_setup
    second = make_trainer(cohort, first_name="Bruno", last_name="Mutombo")
    essay = _essay(attempt)
    # Both open the page when no grade exists (version 0 seen); the first saves.
    svc.grade_response(first, essay, "5", "Très bien", 0)
    with pytest.raises(svc.GradeConflict, match="Déjà corrigé par Alice KABILA à") as caught:
        svc.grade_response(second, essay, "2", "Insuffisant", 0)
    assert caught.value.grade.score == 5
    db.session.rollback()
    grade = db.session.scalar(select(Grade))
    assert (grade.score, grade.comment, grade.graded_by_id, grade.version) == \
        (5, "Très bien", first.id, 1)
    # Having seen version 1, the second trainer may change it knowingly.
    svc.grade_response(second, essay, "4", "Revu : il manque l'évaluation", 1)
    grade = db.session.scalar(select(Grade))
    assert (grade.score, grade.version, grade.graded_by_id) == (4, 2, second.id)
    history = db.session.scalars(select(GradeHistory).order_by(GradeHistory.id)).all()
    assert [(h.action, h.changed_by_id) for h in history] == [("grade", first.id),
                                                              ("regrade", second.id)]
    assert history[0].before is None and history[0].after["score"] == 5
    assert history[1].before["score"] == 5 and history[1].after["score"] == 4
    audits = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action.like("grade.%")).order_by(AuditRecord.id)).all()
    assert [a.action for a in audits] == ["grade.create", "grade.change"]
    assert audits[1].before["score"] == 5 and audits[1].actor_id == second.id
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(attempt.max_score - 6 + 4)


def test_a_stale_form_posted_through_the_page_gets_a_conflict_page(graded_setup, client, app):
    cohort, first, _enrolment, attempt = graded_setup
    second = make_trainer(cohort, first_name="Bruno", last_name="Mutombo")
    essay_id = _essay(attempt).id
    login(client, second)
    page = client.get(f"/assessment/responses/{essay_id}")
    assert 'name="version" value="0"' in page.text
    svc.grade_response(first, _essay(attempt), "5", "Très bien", 0)  # meanwhile
    answer = client.post(f"/assessment/responses/{essay_id}",
                         data={"score": "1", "comment": "Non", "version": "0"})
    assert answer.status_code == 409
    assert "Déjà corrigé par Alice KABILA" in answer.text
    assert "Très bien" in answer.text  # their grade is shown
    assert 'name="version" value="1"' in answer.text
    db.session.rollback()
    assert db.session.scalar(select(Grade)).score == 5


def test_the_grading_screen_is_keyboard_friendly_and_leads_to_the_next_answer(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    attempts = []
    for _ in range(3):
        attempts.append(sit_quiz(make_enrolment(cohort=cohort)))
    ids = [_essay(a).id for a in attempts]
    login(client, trainer)
    queue = client.get("/assessment/queue")
    assert "3 réponses attendent leur correction." in queue.text
    page = client.get(f"/assessment/responses/{ids[1]}")
    assert re.search(r'id="score"[^>]*autofocus[^>]*accesskey="s"', page.text)
    assert "3 réponses restent à corriger." in page.text
    assert f'href="/assessment/responses/{ids[0]}" accesskey="p"' in page.text
    assert f'href="/assessment/responses/{ids[2]}" accesskey="n"' in page.text
    assert "Alt+P : réponse précédente." in page.text
    first = client.get(f"/assessment/responses/{ids[0]}").text
    # The hint names only the links that are there: the first answer has no previous one.
    assert "Alt+P" not in first and 'rel="prev"' not in first and "Alt+N" in first
    saved = client.post(f"/assessment/responses/{ids[0]}",
                        data={"score": "6", "comment": "", "version": "0"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/{ids[1]}")
    db.session.rollback()
    assert db.session.get(Attempt, attempts[0].id).pending_grading == 0


def test_a_trainer_of_another_cohort_sees_nothing_and_gets_404(graded_setup, client):
    _cohort, _trainer, _enrolment, attempt = graded_setup
    outsider = make_trainer(make_cohort(name="Cohort B"))
    assert svc.grading_queue(outsider) == []
    essay_id = _essay(attempt).id
    cohort_id = attempt.enrolment.cohort_id
    login(client, outsider)
    assert "0 réponse attend sa correction." in client.get("/assessment/queue").text
    for url in (f"/assessment/responses/{essay_id}", f"/assessment/cohorts/{cohort_id}",
                f"/assessment/cohorts/{cohort_id}/gradebook",
                f"/assessment/cohorts/{cohort_id}/gradebook.csv",
                f"/assessment/cohorts/{cohort_id}/gain",
                f"/assessment/cohorts/{cohort_id}/schedule",
                f"/assessment/queue?cohort={cohort_id}",
                f"/assessment/cohorts/{cohort_id}/practicals/{PRACTICAL}"):
        assert client.get(url).status_code == 404, url
    posted = client.post(f"/assessment/responses/{essay_id}",
                         data={"score": "1", "version": "0"})
    assert posted.status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(Grade)) is None


def test_a_trainee_cannot_open_the_grading_pages(graded_setup, client):
    _cohort, _trainer, enrolment, attempt = graded_setup
    login(client, enrolment.user)
    assert client.get("/assessment/").status_code == 403
    assert client.get(f"/assessment/responses/{_essay(attempt).id}").status_code == 403


def test_the_trainee_sees_grade_and_comment_only_once_released(graded_setup, client, app):
    cohort, trainer, enrolment, attempt = graded_setup
    svc.grade_response(trainer, _essay(attempt), "5", "Bonne analyse SARA.", 0)
    login(client, enrolment.user)
    result = client.get(f"/attempt/{attempt.id}/result")
    assert "Bonne analyse SARA." not in result.text
    assert "quand les notes seront rendues visibles" in result.text
    staff_client = app.test_client()
    login(staff_client, trainer)
    staff_client.post(f"/assessment/cohorts/{cohort.id}/release/{ESSAY_QUIZ}")
    result = client.get(f"/attempt/{attempt.id}/result")
    assert "Bonne analyse SARA." in result.text
    db.session.rollback()
    history = db.session.scalars(select(GradeHistory.action).order_by(GradeHistory.id)).all()
    assert history == ["grade", "release"]


def test_a_trainer_records_a_practical_with_the_rubric_for_each_trainee(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    a = make_enrolment(make_user(first_name="Aimé", last_name="Ilunga"), cohort)
    b = make_enrolment(make_user(first_name="Béatrice", last_name="Kasongo"), cohort)
    login(client, trainer)
    url = f"/assessment/cohorts/{cohort.id}/practicals/{PRACTICAL}"
    assert "Stagiaires évalués\u00a0: 0 sur 2." in client.get(url).text
    form = client.get(f"{url}/{a.id}")
    assert 'name="c-accueil" value="2"' in form.text
    incomplete = client.post(f"{url}/{a.id}", data={"c-accueil": "2", "version": "0"})
    assert "Choisissez un niveau pour chaque critère" in incomplete.text
    saved = client.post(f"{url}/{a.id}", data={
        "c-accueil": "2", "c-ecoute": "1", "c-registre": "2", "c-suite": "0",
        "comment": "Oublie la suite du dossier.", "version": "0"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/{b.id}")
    db.session.rollback()
    grade = db.session.scalar(select(Grade).where(Grade.enrolment_id == a.id))
    assert (grade.kind, grade.score, grade.max_score, grade.graded_by_id) == \
        ("practical", 5, 8, trainer.id)
    assert grade.criteria == {"accueil": 2, "ecoute": 1, "registre": 2, "suite": 0}
    assert "Stagiaires évalués\u00a0: 1 sur 2." in client.get(url).text
    # The trainee sees it after release, on the assessment page.
    client = app.test_client()
    login(client, a.user)
    page = client.get(f"/learn/{a.id}/{PRACTICAL}")
    assert "Oublie la suite du dossier." not in page.text
    svc.release_grades(trainer, [grade])
    page = client.get(f"/learn/{a.id}/{PRACTICAL}")
    assert "Oublie la suite du dossier." in page.text and "5 / 8" in page.text


def test_queue_is_oldest_first(app, ctx):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    now = utcnow()
    late = sit_quiz(make_enrolment(cohort=cohort))
    early = sit_quiz(make_enrolment(cohort=cohort))
    early.submitted_at = now - timedelta(hours=2)
    db.session.commit()
    assert [r.attempt_id for r in svc.grading_queue(trainer)] == [early.id, late.id]
