"""Attendance: the register of a class meeting, its corrections, and attendance rates.

Rate rule: a trainee attends a meeting when marked present or late; an excused absence is left
out of the count altogether; an absence counts against them. Rate = (present + late) /
(present + late + absent). Meetings whose register was never taken do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.base import utcnow
from lms.extensions import db
from lms.training.models import (
    ATTENDANCE_STATUSES,
    AttendanceChange,
    AttendanceRecord,
    ClassMeeting,
    Enrolment,
)
from lms.training.services import TrainingError

ATTENDED = ("present", "late")
COUNTED = ("present", "late", "absent")


def class_enrolments(meeting: ClassMeeting) -> list[Enrolment]:
    """The trainees of the meeting's class, by name."""
    return list(db.session.scalars(
        select(Enrolment).join(Enrolment.user).where(Enrolment.class_id == meeting.class_id)
        .options(selectinload(Enrolment.user)).order_by(User.last_name, User.first_name)))


def register_rows(meeting: ClassMeeting) -> list[tuple[Enrolment, str]]:
    """Each trainee of the class with their status: as recorded, else present."""
    recorded = dict(db.session.execute(select(AttendanceRecord.enrolment_id,
                                              AttendanceRecord.status).where(
        AttendanceRecord.meeting_id == meeting.id)).all())
    return [(e, recorded.get(e.id, "present")) for e in class_enrolments(meeting)]


def save_register(meeting: ClassMeeting, statuses: dict[int, str], actor: User,
                  from_paper: bool = False, now: datetime | None = None,
                  reason: str = "") -> int:
    """Record the register; anyone not listed is present. Return how many statuses changed.

    A status that changes after the first save is a correction: it keeps who, when, before,
    after and why (`reason`, required for a correction). `from_paper` records that the
    register was typed in later from a sign-in sheet.
    """
    reason = (reason or "").strip()[:500]
    now = now or utcnow()
    unknown = set(statuses.values()) - set(ATTENDANCE_STATUSES)
    if unknown:
        raise TrainingError(_("Unknown attendance status. Choose present, absent, late or "
                              "excused."))
    records = {r.enrolment_id: r for r in db.session.scalars(select(AttendanceRecord).where(
        AttendanceRecord.meeting_id == meeting.id))}
    if not reason and any(r.status != statuses.get(eid, "present") for eid, r in records.items()):
        raise TrainingError(_("Say why you correct the register: a correction needs a reason, "
                              "kept with your name and the time."))
    changed = 0
    for enrolment in class_enrolments(meeting):
        status = statuses.get(enrolment.id, "present")
        record = records.get(enrolment.id)
        if record is None:
            db.session.add(AttendanceRecord(meeting=meeting, enrolment=enrolment, status=status,
                                            recorded_by_id=actor.id))
        elif record.status != status:
            db.session.add(AttendanceChange(record=record, before=record.status, after=status,
                                            changed_by_id=actor.id, changed_at=now,
                                            reason=reason))
            record.status, record.recorded_by_id = status, actor.id
            changed += 1
    if meeting.register_taken_at is None:
        meeting.register_taken_at = now
        meeting.register_source = "paper" if from_paper else "live"
        meeting.register_entered_by_id = actor.id
    elif from_paper:
        meeting.register_source = "paper"
        meeting.register_entered_by_id = actor.id
    db.session.commit()
    return changed


def corrections(meeting: ClassMeeting) -> list[AttendanceChange]:
    """Every correction of the meeting's register, oldest first."""
    return list(db.session.scalars(
        select(AttendanceChange).join(AttendanceChange.record)
        .where(AttendanceRecord.meeting_id == meeting.id)
        .options(selectinload(AttendanceChange.record).selectinload(AttendanceRecord.enrolment)
                 .selectinload(Enrolment.user), selectinload(AttendanceChange.changed_by))
        .order_by(AttendanceChange.changed_at, AttendanceChange.id)))


@dataclass
class Rate:
    """Meetings attended out of meetings counted; percent is None when none counted."""

    attended: int = 0
    counted: int = 0
    excused: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.counted, 1) if self.counted else None


def _tally():
    attended = func.sum(case((AttendanceRecord.status.in_(ATTENDED), 1), else_=0))
    counted = func.sum(case((AttendanceRecord.status.in_(COUNTED), 1), else_=0))
    excused = func.sum(case((AttendanceRecord.status == "excused", 1), else_=0))
    return attended, counted, excused


def rates_for_cohort(cohort_id: int) -> dict[int, Rate]:
    """Enrolment id -> attendance rate, for every enrolment of the cohort with a record."""
    attended, counted, excused = _tally()
    rows = db.session.execute(
        select(AttendanceRecord.enrolment_id, attended, counted, excused)
        .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id).group_by(AttendanceRecord.enrolment_id)).all()
    return {eid: Rate(int(a or 0), int(c or 0), int(x or 0)) for eid, a, c, x in rows}


def cohort_rate(cohort_id: int) -> Rate:
    """The cohort's attendance rate over every register taken."""
    attended, counted, excused = _tally()
    a, c, x = db.session.execute(
        select(attended, counted, excused)
        .join(Enrolment, Enrolment.id == AttendanceRecord.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id)).one()
    return Rate(int(a or 0), int(c or 0), int(x or 0))


def enrolment_rate(enrolment: Enrolment) -> Rate:
    """One trainee's attendance rate in their cohort."""
    return rates_for_cohort(enrolment.cohort_id).get(enrolment.id, Rate())


def attendance_unknown_reason(enrolment: Enrolment) -> str:
    """Why a trainee's attendance rate cannot be checked yet: no register, or only excused."""
    excused = enrolment_rate(enrolment).excused
    if excused:
        return ngettext(
            "Cannot be checked yet: the trainee was excused from the only register taken so "
            "far, and excused absences are left out of the rate.",
            "Cannot be checked yet: the trainee was excused from all %(num)d registers taken so "
            "far, and excused absences are left out of the rate.", excused)
    return _("Cannot be checked yet: no class register counting this trainee has been taken.")
