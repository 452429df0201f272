"""Factories for assessment tests: trainers on cohorts, finished attempts with set scores."""

from __future__ import annotations

from datetime import date, timedelta

from lms.base import utcnow
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.training.services import assign_trainer
from lms.training.tot import record_qualification
from tests.conftest import form_values, make_user

ESSAY_QUIZ = "resolution-problemes/quiz-resolution-problemes"
PRACTICAL = "principes/accueil-plainte"
PRE, POST = "evaluations/pre-test", "evaluations/post-test"


def make_trainer(cohort=None, **fields):
    trainer = make_user(roles=("trainer",), **fields)
    if cohort is not None:
        record_qualification(trainer, cohort.programme, date(2016, 3, 26))
        assign_trainer(cohort, trainer)
        db.session.commit()
    return trainer


def right_values(question):
    if question["type"] in ("single", "truefalse", "multiple"):
        return [str(i) for i, c in enumerate(question["choices"]) if c["correct"]]
    if question["type"] == "short":
        return [question["accepted"][0]]
    if question["type"] == "numeric":
        return [f"{question['answer']:g}"]
    return ["Je repère le problème, je l'analyse avec le forum de quartier, puis j'évalue."]


def sit_quiz(enrolment, key=ESSAY_QUIZ, now=None, wrong=()):
    """Start, answer (right except `wrong` ids) and submit a quiz through the services."""
    attempt = learning.start_attempt(enrolment, key, "fr", now=now)
    for qid in attempt.question_order:
        question = learning.question_of(attempt, qid)
        values = right_values(question)
        if qid in wrong:
            values = ["999"] if question["type"] == "numeric" else (
                [str(i) for i, c in enumerate(question.get("choices", [])) if not c["correct"]][:1]
                or ["réponse fausse"])
        answer_save.save_response(attempt, qid, form_values(attempt, qid, values), now=now)
    return learning.submit_attempt(attempt, now=now)


def make_attempt(enrolment, key, scores: dict[str, float], number=1, answers=None,
                 version=None, submitted_at=None):
    """A submitted attempt with the given score per question (real rows, no scoring)."""
    version = version or enrolment.curriculum_version
    quiz = learning.assessment_for(version.structure, key, "fr")
    points = {q["id"]: q["points"] for q in quiz["questions"]}
    attempt = Attempt(enrolment_id=enrolment.id, item_key=key, number=number,
                      curriculum_version_id=version.id, content_hash=version.content_hash,
                      language="fr", question_order=list(points), choice_order={},
                      max_score=sum(points.values()), status="submitted",
                      started_at=utcnow() - timedelta(minutes=10),
                      submitted_at=submitted_at or utcnow(),
                      score=sum(scores.values()), pending_grading=0)
    db.session.add(attempt)
    db.session.flush()
    for qid, score in scores.items():
        db.session.add(Response(attempt_id=attempt.id, question_id=qid, score=score,
                                max_score=points[qid],
                                answer=(answers or {}).get(qid, {"text": "x"})))
    db.session.commit()
    return attempt
