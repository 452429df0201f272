"""Exam day: a quiz that opens in waves (a class or N trainees at a time), and who started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import audit
from lms.assessment.models import QuizSchedule
from lms.base import LMSError, utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt
from lms.training.models import Cohort, CohortClass, Enrolment

WAVE_KINDS = ("", "class", "count")
# A trainee whose wave opens within this span waits on a page that moves on by itself;
# further ahead, they are told to come back.
WAITING_SPAN = timedelta(hours=3)


class WaveNotOpen(learning.QuizNotOpen):
    """The trainee's wave has not opened yet: `opens_at` says when it does."""

    def __init__(self, message: str, opens_at: datetime, wave: int):
        super().__init__(message)
        self.opens_at, self.wave = opens_at, wave


class ExamSettingsError(LMSError):
    """Exam settings that cannot be used (a message for people)."""


def has_waves(schedule: QuizSchedule | None) -> bool:
    """Whether the schedule opens in waves (it needs an opening time and a gap)."""
    return bool(schedule is not None and schedule.wave_by and schedule.opens_at is not None
                and schedule.wave_every > 0)


def wave_number(schedule: QuizSchedule, class_position: int | None, class_count: int,
                trainee_position: int) -> int:
    """The wave (from 0) of a trainee whose class comes `class_position`-th in the cohort
    (None: no class, last wave) and who comes `trainee_position`-th among its trainees."""
    if schedule.wave_by == "class":
        return class_count if class_position is None else class_position
    return trainee_position // max(1, schedule.wave_size or 1)


def wave_of(schedule: QuizSchedule, enrolment: Enrolment) -> int:
    """The trainee's wave, counted from 0 (two small counts: this runs on every start)."""
    classes = select(func.count(CohortClass.id)).where(
        CohortClass.cohort_id == schedule.cohort_id)
    position = None
    if schedule.wave_by == "class" and enrolment.class_id is not None:
        position = db.session.scalar(classes.where(CohortClass.id < enrolment.class_id))
    count = db.session.scalar(classes) if schedule.wave_by == "class" else 0
    before = 0 if schedule.wave_by == "class" else db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.cohort_id == schedule.cohort_id,
                                               Enrolment.id < enrolment.id))
    return wave_number(schedule, position, count or 0, before or 0)


def opening_for(schedule: QuizSchedule | None, enrolment: Enrolment) -> datetime | None:
    """When this trainee may start: the schedule's opening, later for later waves."""
    if schedule is None:
        return None
    opens = learning.as_utc(schedule.opens_at)
    if not has_waves(schedule):
        return opens
    return opens + timedelta(seconds=schedule.wave_every * wave_of(schedule, enrolment))


def check_wave(schedule: QuizSchedule | None, enrolment: Enrolment, now: datetime) -> None:
    """Refuse a start before the trainee's own opening: WaveNotOpen (wait on a page that
    moves on) when it is near, QuizNotOpen (come back) when it is further ahead."""
    opens = opening_for(schedule, enrolment)
    if opens is None or now >= opens:
        return
    if opens - now > WAITING_SPAN:
        raise learning.QuizNotOpen(_("This quiz opens on %(when)s. Come back then.",
                                     when=format_datetime(opens, "short")))
    wave = wave_of(schedule, enrolment) + 1 if has_waves(schedule) else 1
    raise WaveNotOpen(_("This quiz opens on %(when)s for you. This page moves on by itself.",
                        when=format_datetime(opens, "short")), opens, wave)


def refresh_after(opens_at: datetime, enrolment_id: int, now: datetime) -> int:
    """Seconds before the waiting page asks again: at the opening, spread over a few seconds
    per trainee so that a whole class does not arrive in the same second; at most a minute."""
    left = (opens_at - now).total_seconds()
    return int(max(1, min(60, left + 1 + enrolment_id % 5)))


def set_exam_options(actor, cohort: Cohort, item_key: str, wave_by: str, wave_size: int,
                     wave_every: int, anonymous: bool) -> QuizSchedule:
    """Set how a quiz opens (all at once or in waves) and whether it is marked anonymously."""
    from lms.assessment.services import cohort_assessments

    keys = {a["key"] for a in cohort_assessments(cohort, "fr", ("quiz", "pre_test", "post_test"))}
    if item_key not in keys:
        raise learning.UnknownItem(item_key)
    if wave_by not in WAVE_KINDS:
        raise ExamSettingsError(_("Choose how the waves are made."))
    if wave_by and (wave_every < 1 or (wave_by == "count" and wave_size < 1)):
        raise ExamSettingsError(_("Give the number of trainees per wave and the seconds between "
                                  "two waves (1 or more)."))
    schedule = learning.schedule_for(cohort.id, item_key)
    if schedule is None:
        schedule = QuizSchedule(cohort_id=cohort.id, item_key=item_key, set_by_id=actor.id)
        db.session.add(schedule)
    before = _options(schedule)
    schedule.wave_by, schedule.anonymous = wave_by, bool(anonymous)
    schedule.wave_size = wave_size if wave_by == "count" else 0
    schedule.wave_every = wave_every if wave_by else 0
    if before != _options(schedule):
        audit.record(actor, "quiz.exam_options", cohort, before={"item": item_key, **before},
                     after={"item": item_key, **_options(schedule)})
    db.session.commit()
    return schedule


def _options(schedule: QuizSchedule) -> dict:
    return {"wave_by": schedule.wave_by or "", "wave_size": schedule.wave_size or 0,
            "wave_every": schedule.wave_every or 0, "anonymous": bool(schedule.anonymous)}


@dataclass
class RosterRow:
    """One trainee on the exam-day page: their wave and where they are."""

    enrolment: Enrolment
    opens_at: datetime | None
    wave: int
    status: str  # waiting | may_start | started | submitted
    attempt: Attempt | None


def exam_roster(cohort: Cohort, item_key: str, now: datetime | None = None) -> list[RosterRow]:
    """Every trainee of the cohort for one quiz: waiting, may start, started or submitted."""
    now = now or utcnow()
    schedule = learning.schedule_for(cohort.id, item_key)
    enrolments = list(db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)))
    classes = [c.id for c in db.session.scalars(select(CohortClass).where(
        CohortClass.cohort_id == cohort.id).order_by(CohortClass.id))]
    latest: dict[int, Attempt] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.item_key == item_key,
            Attempt.enrolment_id.in_([e.id for e in enrolments] or [-1])).order_by(Attempt.number)):
        latest[attempt.enrolment_id] = attempt
    rows = []
    for index, enrolment in enumerate(enrolments):
        wave = 0
        if has_waves(schedule):
            position = (classes.index(enrolment.class_id) if enrolment.class_id in classes
                        else None)
            wave = wave_number(schedule, position, len(classes), index)
        opens = learning.as_utc(schedule.opens_at) if schedule else None
        if opens is not None and has_waves(schedule):
            opens += timedelta(seconds=schedule.wave_every * wave)
        attempt = latest.get(enrolment.id)
        if attempt is not None:
            status = "started" if attempt.is_open else "submitted"
        else:
            status = "waiting" if opens is not None and now < opens else "may_start"
        rows.append(RosterRow(enrolment, opens, wave + 1, status, attempt))
    rows.sort(key=lambda r: (r.wave, r.enrolment.user.last_name.casefold(),
                             r.enrolment.user.first_name.casefold()))
    return rows


def count_by_status(rows: list[RosterRow]) -> dict[str, int]:
    """How many trainees wait, may start, have started and have submitted."""
    counts = dict.fromkeys(("waiting", "may_start", "started", "submitted"), 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def wave_times(rows: list[RosterRow]) -> list[tuple[int, datetime | None, int]]:
    """(wave, opening time, trainees) for each wave, in order."""
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.wave, [row.opens_at, 0])[1] += 1
    return [(wave, opens, count) for wave, (opens, count) in sorted(found.items())]
