"""Demo trainee work done through the services: lessons read, quizzes sat, practicals, registers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from lms.assessment.services import practical_of, record_practical
from lms.auth.models import User
from lms.learning.answers import save_response
from lms.learning.choices import choice_value
from lms.learning.models import Attempt
from lms.learning.services import mark_lesson_read, quiz_of, start_attempt, submit_attempt
from lms.training.attendance import save_register
from lms.training.models import ClassMeeting, Enrolment

ESSAYS = [
    "Au marché, les vols se répètent le soir. J'analyse les plaintes, les victimes et le lieu, "
    "puis je propose avec le CLSP un meilleur éclairage et des patrouilles à pied.",
    "Je réunis les plaintes des trois derniers mois, je cherche ce qu'elles ont en commun et je "
    "demande aux commerçants ce qu'ils proposent ; ensuite je compare avant et après.",
    "Les bagarres devant les débits de boissons : analyser les heures, parler aux tenanciers, "
    "fermer plus tôt, puis mesurer le nombre d'interventions.",
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of an academy day (UTC+2 in Lubumbashi and Mbuji-Mayi) as aware UTC."""
    return datetime.combine(day, time(hour, minute), UTC) - timedelta(hours=2)


def read_lessons(enrolment: Enrolment, keys: list[str]) -> None:
    """The trainee has read these lessons."""
    for key in keys:
        mark_lesson_read(enrolment, key)


def _values(attempt: Attempt, question: dict, right: bool, rng: random.Random
            ) -> list[str] | None:
    """Form values answering `question` rightly or wrongly, as a trainee's browser sends them."""
    kind, layout = question["type"], attempt.choice_order.get(question["id"])
    if kind in ("single", "truefalse", "multiple"):
        correct = [i for i, c in enumerate(question["choices"]) if c["correct"]]
        wrong = [i for i, c in enumerate(question["choices"]) if not c["correct"]]
        if right or not wrong:
            picked = correct if kind == "multiple" else correct[:1]
        else:
            picked = [rng.choice(wrong)]
        return [choice_value(attempt.uuid, question["id"], i) for i in picked]
    if kind == "short":
        return [question["accepted"][0] if right else "je ne sais pas"]
    if kind == "numeric":
        return [f"{question['answer']:g}" if right else "0"]
    if kind == "essay":
        return [rng.choice(ESSAYS)]
    if kind == "matching":
        order = layout.get("answers", []) if isinstance(layout, dict) else []
        position = {index: at for at, index in enumerate(order)}
        values = []
        for item, pair in enumerate(question["pairs"]):
            answer = pair["answer"] if right else (pair["answer"] + 1) % len(order)
            values.append(f"{item}:{position[answer]}")
        return values
    return None


def sit_quiz(enrolment: Enrolment, key: str, skill: float, when: datetime,
             rng: random.Random, submit: bool = True) -> Attempt:
    """Sit a quiz as a trainee who knows a `skill` share of the answers; submitted unless told."""
    attempt = start_attempt(enrolment, key, "fr", now=when)
    questions = {q["id"]: q for q in quiz_of(attempt)["questions"]}
    order = attempt.question_order
    known = set(rng.sample(order, max(0, min(len(order), round(skill * len(order))))))
    moment = when
    for question_id in order:
        moment += timedelta(seconds=rng.randint(30, 90))
        question = questions[question_id]
        values = _values(attempt, question, question_id in known, rng)
        if values:
            save_response(attempt, question_id, values, now=moment)
    if submit:
        submit_attempt(attempt, now=moment + timedelta(seconds=20))
    return attempt


def record_rubric(trainer: User, enrolment: Enrolment, key: str, good: bool, when: datetime
                  ) -> None:
    """A trainer scores a practical: the best level everywhere, or a weak performance."""
    practical = practical_of(enrolment, key, "fr")
    levels = {}
    for index, criterion in enumerate(practical["criteria"]):
        points = sorted(level["points"] for level in criterion["levels"])
        levels[criterion["id"]] = str(points[-1] if good or index % 2 else points[0])
    record_practical(trainer, enrolment, key, levels,
                     "" if good else "Reprendre l'accueil : noter l'heure et le lieu.", 0,
                     now=when)


def take_register(meeting: ClassMeeting, trainer: User, absent: set[int], late: set[int],
                  excused: set[int], reason: str = "") -> None:
    """The trainer takes the register at the end of the meeting: everyone else was present."""
    statuses = {eid: "absent" for eid in absent}
    statuses.update({eid: "late" for eid in late})
    statuses.update({eid: "excused" for eid in excused})
    save_register(meeting, statuses, trainer, reason=reason,
                  now=at(meeting.day, meeting.end_time.hour, meeting.end_time.minute))
