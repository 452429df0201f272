"""Grading rules: who may grade what, essay and practical grades with history, releases,
and quiz opening windows per cohort."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms import audit
from lms.assessment.models import Grade, GradeHistory, QuizSchedule
from lms.auth.models import User
from lms.base import LMSError, utcnow
from lms.curricula import structure as curriculum
from lms.curricula.essays import rubric_score
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort, CohortTrainer, Enrolment


class GradingError(LMSError):
    """A grade could not be recorded; the message says what to fix."""


class GradeConflict(LMSError):
    """Someone else graded the same work since the page was opened."""

    def __init__(self, grade: Grade | None):
        self.grade = grade
        if grade is None:
            message = _("Someone else changed this grade while you were grading. Reload the page "
                        "and check it before saving again.")
        else:
            message = _("Already graded by %(name)s at %(time)s: here is their grade. Your grade "
                        "was not saved; change it and save again only if theirs is wrong.",
                        name=grade.graded_by.display_name,
                        time=format_time(learning.as_utc(grade.graded_at), "short"))
        super().__init__(message)


# Who may see which cohort ------------------------------------------------------------------------

def cohort_ids_for(user) -> set[int] | None:
    """Cohorts a user may grade: None means every cohort (academy staff)."""
    if user.has_role("staff"):
        return None
    return set(db.session.scalars(select(CohortTrainer.cohort_id).where(
        CohortTrainer.user_id == user.id)))


def list_cohorts_for(user) -> list[Cohort]:
    """Cohorts the user trains (all of them for staff), newest first."""
    query = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.name)
    ids = cohort_ids_for(user)
    if ids is not None:
        query = query.where(Cohort.id.in_(ids or [-1]))
    return list(db.session.scalars(query))


def may_grade(user, cohort_id: int) -> bool:
    """Whether the user trains this cohort (or is staff)."""
    ids = cohort_ids_for(user)
    return ids is None or cohort_id in ids


def cohort_assessments(cohort: Cohort, lang: str, kinds: tuple[str, ...] | None = None
                       ) -> list[dict]:
    """The cohort's assessments in course order: key, kind, title, settings, max points."""
    structure = cohort.curriculum_version.structure
    found = []
    for item in curriculum.ordered_items(structure):
        if item["kind"] == "lesson":
            continue
        assessment = curriculum.assessment_for(structure, item["key"], lang)
        kind = assessment["settings"]["kind"]
        if kinds is None or kind in kinds:
            found.append({"key": item["key"], "kind": kind, "title": assessment["title"],
                          "settings": assessment["settings"],
                          "max_points": assessment["max_points"], "module": item["module"]})
    return found


# The grading queue ------------------------------------------------------------------------------

def grading_queue(user, cohort_id: int | None = None) -> list[Response]:
    """Essay answers awaiting a grade in the user's cohorts, oldest submission first."""
    query = (select(Response).join(Attempt, Response.attempt_id == Attempt.id)
             .join(Enrolment, Attempt.enrolment_id == Enrolment.id)
             .where(Response.score.is_(None), Attempt.status == "submitted")
             .options(joinedload(Response.attempt).joinedload(Attempt.enrolment))
             .order_by(Attempt.submitted_at, Attempt.id, Response.id))
    ids = cohort_ids_for(user)
    if ids is not None:
        query = query.where(Enrolment.cohort_id.in_(ids or [-1]))
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    return list(db.session.scalars(query).unique())


def response_subject(response: Response) -> str:
    return f"response:{response.uuid}"


def practical_subject(enrolment: Enrolment, item_key: str) -> str:
    return f"practical:{enrolment.uuid}:{item_key}"


def grade_for(subject: str) -> Grade | None:
    """The grade recorded for an essay answer or a practical, if any."""
    return db.session.scalar(select(Grade).where(Grade.subject == subject)
                             .options(joinedload(Grade.graded_by)))


def trainee_of(enrolment_id: int) -> str:
    """The login of the trainee of an enrolment, for audit records ("for whom")."""
    user = db.session.scalar(select(User).join(Enrolment, Enrolment.user_id == User.id)
                             .where(Enrolment.id == enrolment_id))
    return user.login_id if user is not None else ""


def check_not_own(actor, enrolment_id: int, message: str) -> None:
    """Separation of duties: refuse, with `message`, to act on one's own enrolment."""
    own = db.session.scalar(select(Enrolment.user_id).where(Enrolment.id == enrolment_id))
    if actor is not None and own is not None and own == getattr(actor, "id", None):
        raise GradingError(message)


def _save_grade(actor, subject: str, seen_version: int, fields: dict,
                now: datetime, reason: str = "") -> Grade:
    """Create or change a grade if nobody changed it since `seen_version` (0: none seen)."""
    check_not_own(actor, fields["enrolment_id"],
                  _("You cannot grade your own work: another trainer must grade it.")
                  if fields["kind"] == "essay" else
                  _("You cannot record your own practical assessment: another trainer must "
                    "observe and record it."))
    trainee = trainee_of(fields["enrolment_id"])
    actor_id = actor.id  # read first: a lazy load later would flush half a change
    grade = grade_for(subject)
    if grade is not None and grade.version != seen_version:
        raise GradeConflict(grade)
    before = grade.snapshot() if grade is not None else None
    if grade is None:
        grade = Grade(subject=subject, **fields, graded_by_id=actor_id, graded_at=now)
        db.session.add(grade)
    else:
        unchanged = all(getattr(grade, key) == value for key, value in fields.items()
                        if key in ("score", "comment", "criteria"))
        if unchanged:
            return grade
        with db.session.no_autoflush:
            for key, value in fields.items():
                setattr(grade, key, value)
            grade.graded_by_id, grade.graded_at = actor_id, now
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError):  # graded in parallel since we read it
        db.session.rollback()
        raise GradeConflict(grade_for(subject)) from None
    after = grade.snapshot()
    db.session.add(GradeHistory(grade_id=grade.id, changed_by_id=actor_id, changed_at=now,
                                action="grade" if before is None else "regrade",
                                before=before, after=after, reason=(reason or "").strip()[:500]))
    audit.record(actor, "grade.create" if before is None else "grade.change", grade,
                 before=before, after={**after, "subject": subject, "for": trainee})
    return grade


def _commit_grade(subject: str) -> None:
    """Commit; a parallel grade of the same work becomes a GradeConflict."""
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise GradeConflict(grade_for(subject)) from None


def _score(value, maximum: float) -> float:
    try:
        score = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise GradingError(_("Enter the score as a number, for example 3 or 2.5.")) from None
    if not 0 <= score <= maximum or score != score:
        raise GradingError(_("The score must be between 0 and %(max)s.",
                             max=format_decimal(maximum)))
    return round(score, 2)


def rescore_attempt(attempt: Attempt) -> None:
    """Recompute an attempt's score and the count of answers awaiting grading."""
    responses = list(db.session.scalars(select(Response).where(
        Response.attempt_id == attempt.id)))
    attempt.score = round(sum(r.score for r in responses if r.score is not None), 4)
    attempt.pending_grading = sum(1 for r in responses if r.score is None)


def grade_response(actor, response: Response, score, comment: str, seen_version: int,
                   now: datetime | None = None, levels: dict[str, str] | None = None,
                   reason: str = "") -> Grade:
    """Grade one essay answer; the attempt's score and pending count follow.

    When the question has criteria (see `lms.curricula.essays`), `levels` gives the points
    chosen for each and the score is their sum; `score` is then ignored.
    """
    attempt = response.attempt
    if attempt.is_open:
        raise GradingError(_("This attempt is still open: grade it once it is submitted."))
    question = learning.question_of(attempt, response.question_id)
    if question["type"] != "essay":
        raise GradingError(_("Only written answers are graded by hand."))
    chosen: dict[str, float] = {}
    if question.get("criteria"):
        chosen, missing = rubric_score(question, levels or {})
        if missing:
            raise GradingError(_("Choose a level for every criterion (missing: %(ids)s).",
                                 ids=", ".join(missing)))
        score = sum(chosen.values())
    subject = response_subject(response)
    grade = _save_grade(actor, subject, seen_version, {
        "kind": "essay", "enrolment_id": attempt.enrolment_id, "item_key": attempt.item_key,
        "response_id": response.id, "content_hash": attempt.content_hash,
        "score": _score(score, question["points"]), "max_score": question["points"],
        "criteria": chosen, "comment": (comment or "").strip()}, now or utcnow(), reason)
    response.score = grade.score
    db.session.flush()
    rescore_attempt(attempt)
    _commit_grade(subject)
    return grade


def practical_of(enrolment: Enrolment, item_key: str, lang: str) -> dict:
    """A practical assessment of the enrolment's pinned version, with its rubric."""
    assessment = curriculum.assessment_for(enrolment.curriculum_version.structure, item_key, lang)
    if assessment["settings"]["kind"] != "practical":
        raise curriculum.UnknownItem(item_key)
    return assessment


def record_practical(actor, enrolment: Enrolment, item_key: str, levels: dict[str, str],
                     comment: str, seen_version: int, now: datetime | None = None,
                     reason: str = "") -> Grade:
    """Record a trainer's rubric scores for a trainee's practical assessment."""
    practical = practical_of(enrolment, item_key, enrolment.curriculum_version
                             .structure["languages"][0])
    chosen, missing = rubric_score(practical, levels)
    if missing:
        raise GradingError(_("Choose a level for every criterion (missing: %(ids)s).",
                             ids=", ".join(missing)))
    subject = practical_subject(enrolment, item_key)
    grade = _save_grade(actor, subject, seen_version, {
        "kind": "practical", "enrolment_id": enrolment.id, "item_key": item_key,
        "response_id": None, "content_hash": enrolment.curriculum_version.content_hash,
        "score": round(sum(chosen.values()), 2), "max_score": practical["max_points"],
        "criteria": chosen, "comment": (comment or "").strip()}, now or utcnow(), reason)
    _commit_grade(subject)
    return grade


def release_grades(actor, grades: list[Grade], now: datetime | None = None,
                   skip_own: bool = False) -> int:
    """Let trainees see these grades and comments; returns how many were newly released.

    Nobody releases a grade of their own enrolment: refused, or left out with `skip_own`.
    """
    now = now or utcnow()
    count = 0
    if skip_own:
        grades = [g for g in grades if g.enrolment.user_id != getattr(actor, "id", None)]
    for grade in grades:
        check_not_own(actor, grade.enrolment_id, _(
            "You cannot release a grade of your own enrolment: another trainer must release "
            "it. Nothing was released."))
    for grade in grades:
        if grade.released:
            continue
        before = grade.snapshot()
        grade.released, grade.released_at = True, now
        after = grade.snapshot()
        db.session.add(GradeHistory(grade_id=grade.id, changed_by_id=actor.id, changed_at=now,
                                    action="release", before=before, after=after))
        audit.record(actor, "grade.release", grade, before=before,
                     after={**after, "for": trainee_of(grade.enrolment_id)})
        count += 1
    db.session.commit()
    return count


def cohort_grades(cohort: Cohort, item_key: str | None = None) -> list[Grade]:
    """Every grade given in a cohort (for one assessment if `item_key`)."""
    query = (select(Grade).join(Enrolment, Grade.enrolment_id == Enrolment.id)
             .where(Enrolment.cohort_id == cohort.id))
    if item_key is not None:
        query = query.where(Grade.item_key == item_key)
    return list(db.session.scalars(query))


def released_grade(enrolment: Enrolment, item_key: str) -> Grade | None:
    """A trainee's practical grade, once released."""
    grade = grade_for(practical_subject(enrolment, item_key))
    return grade if grade is not None and grade.released else None


def attempt_grades(attempt: Attempt) -> dict[str, Grade]:
    """Grades of an attempt's written answers, by question id."""
    rows = db.session.scalars(select(Grade).join(Response, Grade.response_id == Response.id)
                              .where(Response.attempt_id == attempt.id))
    return {g.response.question_id: g for g in rows}


def released_grades(attempt: Attempt) -> dict[str, Grade]:
    """The released grades of an attempt's written answers, by question id."""
    return {qid: g for qid, g in attempt_grades(attempt).items() if g.released}


def grades_withheld(attempt: Attempt) -> bool:
    """Whether the attempt holds hand grades that are not released yet."""
    return any(not g.released for g in attempt_grades(attempt).values())


# Opening windows ---------------------------------------------------------------------------------

def schedules_of(cohort: Cohort) -> dict[str, QuizSchedule]:
    """The cohort's quiz windows, by item key."""
    return {s.item_key: s for s in db.session.scalars(select(QuizSchedule).where(
        QuizSchedule.cohort_id == cohort.id))}


def set_schedule(actor, cohort: Cohort, item_key: str, opens_at: datetime | None,
                 closes_at: datetime | None) -> QuizSchedule | None:
    """Set (or clear, when both are empty) when a cohort may sit a quiz."""
    keys = {a["key"] for a in cohort_assessments(cohort, "fr", ("quiz", "pre_test", "post_test"))}
    if item_key not in keys:
        raise curriculum.UnknownItem(item_key)
    if opens_at and closes_at and closes_at <= opens_at:
        raise GradingError(_("The closing time must be after the opening time."))
    schedule = schedules_of(cohort).get(item_key)
    before = ({"opens_at": _iso(schedule.opens_at), "closes_at": _iso(schedule.closes_at)}
              if schedule else None)
    if opens_at is None and closes_at is None:
        if schedule is not None:
            db.session.delete(schedule)
        schedule = None
    else:
        if schedule is None:
            schedule = QuizSchedule(cohort_id=cohort.id, item_key=item_key)
            db.session.add(schedule)
        schedule.opens_at, schedule.closes_at = opens_at, closes_at
        schedule.set_by_id, schedule.set_at = actor.id, utcnow()
    after = {"opens_at": _iso(opens_at), "closes_at": _iso(closes_at)}
    if before != after:
        audit.record(actor, "quiz.schedule", cohort, before={"item": item_key, **(before or {})},
                     after={"item": item_key, **after})
    db.session.commit()
    return schedule


def _iso(moment: datetime | None) -> str | None:
    return learning.as_utc(moment).isoformat() if moment else None
