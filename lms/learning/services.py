"""The trainee's learning flow: outline and progress, lessons, quiz attempts and results."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.base import LMSError, utcnow
from lms.curricula.models import structure_of
from lms.curricula.quizfile import draw_questions
from lms.curricula.structure import UnknownItem, assessment_for, ordered_items, pick_language
from lms.extensions import db
from lms.learning.models import Attempt, LessonProgress, Response
from lms.learning.scoring import QUESTION_TYPES
from lms.training.models import Enrolment
from lms.transactions import write_transaction


class AttemptClosed(LMSError):
    """The attempt is already submitted: answers can no longer change."""


class NoAttemptsLeft(LMSError):
    """The quiz allows no further attempt."""


class AnswerTooLong(LMSError):
    """The answer is longer than the server accepts."""


class QuizNotOpen(LMSError):
    """The quiz is outside its opening window for the trainee's cohort."""


# An answer sent just before the deadline may arrive a few seconds late over a slow network.
TIME_GRACE = timedelta(seconds=30)


def as_utc(moment: datetime | None) -> datetime | None:
    """A timezone-aware UTC datetime (SQLite gives back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# Reading the pinned curriculum ----------------------------------------------------------------

@dataclass
class ItemStatus:
    """Where a trainee stands on one item."""

    key: str
    kind: str
    title: str
    done: bool = False
    score: float | None = None
    max_score: float | None = None
    passed: bool | None = None
    open_attempt: bool = False
    pending: bool = False


def outline(enrolment: Enrolment, lang: str) -> tuple[list[dict], int]:
    """Modules with each item's status, and the percentage of items done."""
    structure = enrolment.curriculum_version.structure
    read = set(db.session.scalars(select(LessonProgress.item_key).where(
        LessonProgress.enrolment_id == enrolment.id)))
    attempts: dict[str, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.enrolment_id == enrolment.id).order_by(Attempt.number)):
        attempts.setdefault(attempt.item_key, []).append(attempt)
    groups: dict[str, dict] = {}
    done = total = 0
    for item in ordered_items(structure):
        status = _item_status(structure, item, lang, read, attempts.get(item["key"], []))
        total += 1
        done += status.done
        group = item["kind"] if item["module"] == "evaluations" else item["module"]
        if group not in groups:
            groups[group] = {"id": group, "items": [],
                             "title": _group_title(structure, group, lang)}
        groups[group]["items"].append(status)
    percent = round(100 * done / total) if total else 0
    return list(groups.values()), percent


def _group_title(structure: dict, group: str, lang: str) -> str:
    if group == "pre_test":
        return _("Before the course: pre-test")
    if group == "post_test":
        return _("End of the course: post-test")
    module = next(m for m in structure["modules"] if m["id"] == group)
    return _title(module["title"], lang)


def _title(variants: dict, lang: str) -> str:
    return variants.get(lang) or next(iter(variants.values()), "")


def _item_status(structure, item, lang, read, attempts) -> ItemStatus:
    key = item["key"]
    if item["kind"] == "lesson":
        lesson = structure["lessons"][key]
        shown, _fallback = pick_language(lesson, lang, structure["languages"])
        return ItemStatus(key, "lesson", lesson[shown]["title"], done=key in read)
    assessment = assessment_for(structure, key, lang)
    status = ItemStatus(key, assessment["settings"]["kind"], assessment["title"])
    submitted = [a for a in attempts if a.status == "submitted"]
    status.open_attempt = any(a.is_open for a in attempts)
    if submitted:
        counted = counted_attempt(submitted, assessment["settings"]["grading"])
        status.done = True
        status.pending = counted.pending_grading > 0
        status.score, status.max_score = counted.score, counted.max_score
        status.passed = attempt_passed(counted, assessment["settings"]["pass_mark"])
    return status


def counted_attempt(submitted: list[Attempt], grading: str) -> Attempt:
    """The attempt that counts: the best or the last, as the quiz says."""
    if grading == "last":
        return max(submitted, key=lambda a: a.number)
    return max(submitted, key=lambda a: ((a.score or 0), -a.number))


def attempt_passed(attempt: Attempt, pass_mark: float) -> bool | None:
    """Passed against the pass mark (percent); None while answers await grading."""
    if attempt.pending_grading or attempt.score is None:
        return None
    if not attempt.max_score:
        return True
    return 100 * attempt.score / attempt.max_score >= pass_mark - 1e-9


def mark_lesson_read(enrolment: Enrolment, item_key: str) -> None:
    """Record that the trainee has read a lesson (once)."""
    if item_key not in enrolment.curriculum_version.structure["lessons"]:
        raise UnknownItem(item_key)
    exists = db.session.scalar(select(LessonProgress.id).where(
        LessonProgress.enrolment_id == enrolment.id, LessonProgress.item_key == item_key))
    if exists is None:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, item_key=item_key))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()


# Attempts ---------------------------------------------------------------------------------------

def list_attempts(enrolment: Enrolment, item_key: str,
                  now: datetime | None = None) -> list[Attempt]:
    """A trainee's attempts at one assessment, first first; overdue ones are closed first."""
    attempts = list(db.session.scalars(select(Attempt).where(
        Attempt.enrolment_id == enrolment.id, Attempt.item_key == item_key)
        .order_by(Attempt.number)))
    for attempt in attempts:
        close_if_expired(attempt, now)
    return attempts


def schedule_for(cohort_id: int, item_key: str):
    """The cohort's opening window for a quiz, or None when it has none."""
    from lms.assessment.models import QuizSchedule

    return db.session.scalar(select(QuizSchedule).where(
        QuizSchedule.cohort_id == cohort_id, QuizSchedule.item_key == item_key))


def window_message(schedule, now: datetime) -> str | None:
    """Why the quiz cannot be started now, or None when it is open."""
    if schedule is None:
        return None
    opens, closes = as_utc(schedule.opens_at), as_utc(schedule.closes_at)
    if opens is not None and now < opens:
        return _("This quiz opens on %(when)s. Come back then.",
                 when=format_datetime(opens, "short"))
    if closes is not None and now >= closes:
        return _("This quiz closed on %(when)s. Ask your trainer if you need to sit it.",
                 when=format_datetime(closes, "short"))
    return None


# The closing time of a quiz as its schedule says: read from the database unless passed.
SCHEDULED = "scheduled"


def deadline(attempt: Attempt, closes_at: datetime | None | str = SCHEDULED) -> datetime | None:
    """When the attempt's time runs out: its time limit or the quiz closing (`closes_at`, read
    from the cohort's schedule unless the caller has it), if any."""
    limit = quiz_of(attempt)["settings"]["time_limit"]
    ends = []
    if limit:
        ends.append(as_utc(attempt.started_at) + timedelta(minutes=limit))
    if closes_at == SCHEDULED:
        closes_at = closing_time(attempt.enrolment.cohort_id, attempt.item_key)
    if closes_at is not None:
        ends.append(as_utc(closes_at))
    return min(ends) if ends else None


def closing_time(cohort_id: int, item_key: str) -> datetime | None:
    """When the cohort's window for a quiz closes, if it has one."""
    from lms.assessment.models import QuizSchedule

    return as_utc(db.session.scalar(select(QuizSchedule.closes_at).where(
        QuizSchedule.cohort_id == cohort_id, QuizSchedule.item_key == item_key)))


def is_overdue(attempt: Attempt, now: datetime | None = None,
               closes_at: datetime | None | str = SCHEDULED) -> bool:
    """Whether an open attempt is past its deadline plus the grace period."""
    if getattr(attempt, "mode", "") == "paper":  # answers typed in after the time, by staff
        return False
    ends = deadline(attempt, closes_at) if attempt.is_open else None
    return ends is not None and (now or utcnow()) > ends + TIME_GRACE


def close_if_expired(attempt: Attempt, now: datetime | None = None,
                     closes_at: datetime | None | str = SCHEDULED) -> bool:
    """Submit an open attempt whose time ran out; True if it was closed now."""
    if not is_overdue(attempt, now, closes_at):
        return False
    submit_attempt(attempt, now=deadline(attempt, closes_at))
    return True


def start_attempt(enrolment: Enrolment, item_key: str, lang: str,
                  now: datetime | None = None) -> Attempt:
    """Resume the open attempt at a quiz, or start a new one on the pinned version."""
    version = enrolment.curriculum_version
    quiz = assessment_for(version.structure, item_key, lang)
    if quiz["settings"]["kind"] == "practical":
        raise UnknownItem(item_key)
    now = now or utcnow()
    attempts = list_attempts(enrolment, item_key, now)
    for attempt in attempts:
        if attempt.is_open and attempt.mode == "paper":
            raise QuizNotOpen(_("You sit this quiz on paper: your trainer enters your answers."))
        if attempt.is_open:
            return attempt
    schedule = schedule_for(enrolment.cohort_id, item_key)
    closed = window_message(schedule, now)
    if closed and not (schedule.opens_at and now < as_utc(schedule.opens_at)):
        raise QuizNotOpen(closed)
    from lms.assessment.waves import check_wave  # exam waves (and their waiting page)

    check_wave(schedule, enrolment, now)
    limit = quiz["settings"]["max_attempts"]
    if limit is not None and len(attempts) >= limit:
        raise NoAttemptsLeft(_("You have used all %(n)d attempts allowed for this quiz.",
                               n=limit))
    attempt = new_attempt(enrolment, item_key, quiz, len(attempts) + 1, now)
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:  # a double click started the same attempt in parallel
        db.session.rollback()
        return next(a for a in list_attempts(enrolment, item_key) if a.is_open)
    return attempt


def new_attempt(enrolment: Enrolment, item_key: str, quiz: dict, number: int,
                now: datetime, mode: str = "online") -> Attempt:
    """A new attempt (not yet added): questions drawn and choices laid out from its own seed,
    so that the same trainee, quiz and number always give the same paper."""
    version = enrolment.curriculum_version
    seed = random.Random(f"{enrolment.uuid}:{item_key}:{number}")
    drawn = draw_questions(quiz["questions"], quiz["settings"].get("draw") or {}, seed)
    questions = [q["id"] for q in drawn]
    if quiz["settings"]["shuffle_questions"]:
        seed.shuffle(questions)
    choice_order = {}
    for question in drawn:
        choice_order[question["id"]] = QUESTION_TYPES[question["type"]].layout(
            question, quiz["settings"]["shuffle_choices"], seed)
    return Attempt(enrolment_id=enrolment.id, item_key=item_key, number=number,
                   curriculum_version_id=version.id, content_hash=version.content_hash,
                   language=quiz["language"], question_order=questions,
                   choice_order=choice_order, mode=mode,
                   max_score=sum(q["points"] for q in drawn), started_at=now)


def quiz_of(attempt: Attempt) -> dict:
    """The quiz as it was when the attempt started (its pinned version and language)."""
    return assessment_for(structure_of(attempt.curriculum_version_id, attempt.content_hash),
                          attempt.item_key, attempt.language)


def question_of(attempt: Attempt, question_id: str) -> dict:
    """One question of the attempt's quiz."""
    for question in quiz_of(attempt)["questions"]:
        if question["id"] == question_id:
            return question
    raise UnknownItem(question_id)


def responses_by_question(attempt: Attempt) -> dict[str, Response]:
    """The attempt's saved responses, by question id."""
    return {r.question_id: r for r in db.session.scalars(
        select(Response).where(Response.attempt_id == attempt.id))}


def partly_answered(attempt: Attempt, responses: dict[str, Response]) -> set[str]:
    """The questions answered only in part: matching questions with an item left unmatched."""
    partial = set()
    for question_id, response in responses.items():
        matches = (response.answer or {}).get("matches")
        if matches is not None and (None in matches or len(matches) < len(
                question_of(attempt, question_id).get("pairs", []))):
            partial.add(question_id)
    return partial


def read_answer(question: dict, values: list[str], layout) -> dict | None:
    """Form values as the answer to store for a question laid out as `layout`."""
    return QUESTION_TYPES[question["type"]].read(question, values, layout)


def submit_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Close the attempt and score it; submitting again changes nothing."""
    if not attempt.is_open:
        return attempt
    quiz = quiz_of(attempt)
    with write_transaction():
        # Read the answers inside the write transaction: none can be saved meanwhile.
        responses = responses_by_question(attempt)
        total, pending = 0.0, 0
        asked = set(attempt.question_order)
        for question in quiz["questions"]:
            response = responses.get(question["id"]) if question["id"] in asked else None
            qtype = QUESTION_TYPES[question["type"]]
            if response is None:
                continue
            response.score = qtype.score(question, response.answer)
            if response.score is None:
                pending += 1
            else:
                total += response.score
        changed = db.session.execute(
            update(Attempt).where(Attempt.id == attempt.id, Attempt.status == "open").values(
                status="submitted", submitted_at=now or utcnow(), score=round(total, 4),
                pending_grading=pending).execution_options(synchronize_session=False))
        if changed.rowcount != 1:  # another request submitted it first: keep its scores
            db.session.rollback()
    db.session.refresh(attempt)
    return attempt


def feedback_visible(attempt: Attempt, quiz: dict, now: datetime | None = None) -> bool:
    """Whether the trainee may see right answers and feedback now."""
    policy = quiz["settings"]["feedback"]
    if attempt.is_open or policy == "never":
        return False
    if policy == "immediate":
        return True
    schedule = schedule_for(attempt.enrolment.cohort_id, attempt.item_key)
    closes = as_utc(schedule.closes_at) if schedule is not None else None
    return closes is not None and (now or utcnow()) >= closes
