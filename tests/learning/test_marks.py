""""My marks": a trainee sees every assessment out of 20, what waits for a trainer (without the
unreleased result), released feedback, attendance and what remains for the certificate."""

from lms.assessment import services as grading
from lms.extensions import db
from lms.learning.marks import marks_report
from lms.learning.models import Response
from tests.assessment.helpers import ESSAY_QUIZ, PRACTICAL, make_attempt, make_trainer, sit_quiz
from tests.conftest import login, make_cohort, make_enrolment

QUIZ = "principes/quiz-principes"


def test_my_marks_show_each_mark_what_waits_and_what_remains(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    enrolment = make_enrolment(cohort=cohort)
    quiz = enrolment.curriculum_version.structure["assessments"][QUIZ]["fr"]
    points = {q["id"]: q["points"] for q in quiz["questions"]}
    make_attempt(enrolment, QUIZ, {qid: p / 2 for qid, p in points.items()})  # 10/20
    attempt = sit_quiz(enrolment)  # its essay awaits a trainer
    grading.record_practical(trainer, enrolment, PRACTICAL, {"accueil": "0", "ecoute": "0",
                                                             "registre": "0", "suite": "0"},
                             "Reprenez votre accueil.", 0)
    report = marks_report(enrolment, "fr")
    by_key = {m.key: m for m in report.marks}
    assert (by_key[QUIZ].state, by_key[QUIZ].on_20) == ("final", 10)
    assert by_key[ESSAY_QUIZ].state == "awaiting_trainer" and by_key[ESSAY_QUIZ].on_20 is None
    assert by_key[PRACTICAL].state == "not_released" and by_key[PRACTICAL].score is None
    assert not report.eligible and report.attendance is None

    login(client, enrolment.user)
    page = client.get("/marks").text
    assert 'href="/marks"' in page  # in the trainee's menu
    assert "10" in page and "en attente de correction par un formateur" in page
    assert "corrigé, pas encore rendu visible par le formateur" in page
    assert "Reprenez votre accueil." not in page and "0 obtenu" not in page  # not released yet
    assert "Pour le certificat" in page and "reste à faire" in page
    assert "Aucun appel vous comptant" in page

    essay = db.session.query(Response).filter_by(attempt_id=attempt.id,
                                                  question_id="rp6").one()
    grading.grade_response(trainer, essay, "6", "Très bonne démarche SARA.", 0)
    grading.release_grades(trainer, grading.cohort_grades(cohort))
    page = client.get("/marks").text
    assert "Très bonne démarche SARA." in page and "Reprenez votre accueil." in page
    assert "Non réussi" in page  # the practical, now released: 0 points
