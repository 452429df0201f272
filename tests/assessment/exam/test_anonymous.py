"""Anonymous marking: graders see copy numbers, not names, until the grades are released."""

from datetime import timedelta

from sqlalchemy import select

from lms.assessment import anonymous, waves
from lms.assessment import services as grading
from lms.audit import AuditRecord
from lms.base import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Response
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer, sit_quiz
from tests.conftest import login, make_cohort, make_enrolment, make_user


def _anonymous_exam():
    cohort = make_cohort()
    trainer = make_trainer(cohort, first_name="Alice", last_name="Kabila")
    opens = utcnow() - timedelta(hours=1)
    grading.set_schedule(trainer, cohort, ESSAY_QUIZ, opens, opens + timedelta(hours=4))
    waves.set_exam_options(trainer, cohort, ESSAY_QUIZ, "", 0, 0, True)
    trainees = [make_enrolment(make_user(first_name=f, last_name=last), cohort)
                for f, last in (("Jean", "Ilunga"), ("Marie", "Tshala"))]
    attempts = [sit_quiz(e) for e in trainees]
    return cohort, trainer, attempts


def test_graders_see_copy_numbers_not_names_until_the_grades_are_released(app, client):
    cohort, trainer, (first, second) = _anonymous_exam()
    with app.test_request_context():
        assert [anonymous.trainee_label(a) for a in (first, second)] == ["Copie 1", "Copie 2"]
    login(client, trainer)
    queue = client.get("/assessment/queue")
    assert "Copie 1" in queue.text and "Copie 2" in queue.text
    assert "ILUNGA" not in queue.text and "TSHALA" not in queue.text
    essay = db.session.scalar(select(Response).where(Response.attempt_id == second.id,
                                                     Response.question_id == "rp6"))
    page = client.get(f"/assessment/responses/{essay.id}")
    assert "Réponse de Copie 2" in page.text and "TSHALA" not in page.text
    client.post(f"/assessment/responses/{essay.id}", data={"score": "4", "version": 0})
    # The audit log still says who graded which trainee's answer.
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "grade.create"))
    assert record.actor_id == trainer.id
    grade = grading.grade_for(grading.response_subject(essay))
    assert record.target_id == grade.uuid
    assert grade.enrolment_id == second.enrolment_id and grade.graded_by_id == trainer.id
    # A later attempt gets the next number; earlier copies keep theirs.
    later = sit_quiz(make_enrolment(make_user(last_name="Mbuyi"), cohort))
    with app.test_request_context():
        assert anonymous.copy_numbers(cohort.id, ESSAY_QUIZ) == {first.id: 1, second.id: 2,
                                                                  later.id: 3}
    # Releasing the grades shows the names again, and says so in the audit log.
    client.post(f"/assessment/cohorts/{cohort.id}/release/{ESSAY_QUIZ}")
    page = client.get(f"/assessment/responses/{essay.id}")
    assert "TSHALA" in page.text and "Copie 2" not in page.text
    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "quiz.names_shown")).actor_id == trainer.id


def test_a_quiz_not_marked_anonymously_shows_names(app, ctx):
    cohort = make_cohort()
    attempt = sit_quiz(make_enrolment(make_user(last_name="Ngoy"), cohort))
    assert not anonymous.is_anonymous(attempt)
    assert anonymous.trainee_label(attempt) == attempt.enrolment.user.display_name
    assert anonymous.show_names(make_trainer(cohort), cohort, ESSAY_QUIZ) is False



def test_clearing_the_dates_keeps_a_quiz_marked_anonymously(app, ctx):
    cohort, trainer, _attempts = _anonymous_exam()
    grading.set_schedule(trainer, cohort, ESSAY_QUIZ, None, None)
    schedule = learning.schedule_for(cohort.id, ESSAY_QUIZ)
    assert schedule.anonymous and schedule.opens_at is None
