"""Cohorts, classes, class meetings, attendance, qualifications, vetting and pending imports."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Site, User
from lms.base import GlobalIdMixin, utcnow
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db

TOT_PROGRAMME = "formation-des-formateurs"
ATTENDANCE_STATUSES = ("present", "absent", "late", "excused")
VETTING_STATUSES = ("unknown", "pending", "cleared", "refused")


class Cohort(GlobalIdMixin, db.Model):
    """An intake of one programme at one site, with dates."""

    __tablename__ = "lms_cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("lms_sites.id"), index=True)
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    programme: Mapped[Programme] = relationship()
    site: Mapped[Site] = relationship()
    curriculum_version: Mapped[CurriculumVersion] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort")
    trainer_rows: Mapped[list[CohortTrainer]] = relationship(cascade="all, delete-orphan")
    classes: Mapped[list[CohortClass]] = relationship(
        back_populates="cohort", order_by="CohortClass.name", cascade="all, delete-orphan")
    qualifies_rows: Mapped[list[TotProgramme]] = relationship(cascade="all, delete-orphan")

    @property
    def is_tot(self) -> bool:
        return self.programme.code == TOT_PROGRAMME

    @property
    def trainers(self) -> list[User]:
        return [row.user for row in self.trainer_rows]

    @property
    def qualifies_for(self) -> list[Programme]:
        return [row.programme for row in self.qualifies_rows]


class CohortTrainer(db.Model):
    """A trainer assigned to lead and grade a cohort."""

    __tablename__ = "lms_cohort_trainers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    user: Mapped[User] = relationship()


class TotProgramme(db.Model):
    """A programme that completing a train-the-trainer cohort qualifies its trainees for."""

    __tablename__ = "lms_tot_programmes"
    __table_args__ = (UniqueConstraint("cohort_id", "programme_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"))
    programme: Mapped[Programme] = relationship()


class CohortClass(GlobalIdMixin, db.Model):
    """A class of a cohort: a group of trainees taught together, with a lead trainer."""

    __tablename__ = "lms_classes"
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100))
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))

    cohort: Mapped[Cohort] = relationship(back_populates="classes")
    trainer: Mapped[User | None] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort_class")
    meetings: Mapped[list[ClassMeeting]] = relationship(
        back_populates="cohort_class", order_by=lambda: (ClassMeeting.day, ClassMeeting.start_time))


class Enrolment(GlobalIdMixin, db.Model):
    """A trainee in a cohort, pinned to the curriculum version they started with."""

    __tablename__ = "lms_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id"), index=True)
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | completed
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("lms_classes.id"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    curriculum_version: Mapped[CurriculumVersion] = relationship()
    cohort_class: Mapped[CohortClass | None] = relationship(back_populates="enrolments")


class ClassMeeting(GlobalIdMixin, db.Model):
    """One scheduled session of a class: date, time, room, trainer, module."""

    __tablename__ = "lms_class_meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("lms_classes.id", ondelete="CASCADE"),
                                          index=True)
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    room: Mapped[str] = mapped_column(String(100), default="")
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    module_id: Mapped[str] = mapped_column(String(80), default="")
    # Set when the register is first saved; "paper" when typed in later from a sign-in sheet.
    register_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    register_source: Mapped[str] = mapped_column(String(10), default="")
    register_entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))

    cohort_class: Mapped[CohortClass] = relationship(back_populates="meetings")
    trainer: Mapped[User | None] = relationship(foreign_keys=[trainer_id])
    register_entered_by: Mapped[User | None] = relationship(foreign_keys=[register_entered_by_id])
    records: Mapped[list[AttendanceRecord]] = relationship(back_populates="meeting")


class AttendanceRecord(GlobalIdMixin, db.Model):
    """A trainee's status at one class meeting."""

    __tablename__ = "lms_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "enrolment_id"),
        # Each trainee's statuses, for the attendance report to count without the table.
        Index("ix_lms_attendance_reports", "enrolment_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("lms_class_meetings.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrolments.id"))
    status: Mapped[str] = mapped_column(String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))

    meeting: Mapped[ClassMeeting] = relationship(back_populates="records")
    enrolment: Mapped[Enrolment] = relationship()
    changes: Mapped[list[AttendanceChange]] = relationship(
        back_populates="record", order_by="AttendanceChange.changed_at")


class AttendanceChange(GlobalIdMixin, db.Model):
    """A correction of an attendance status: who, when, before and after."""

    __tablename__ = "lms_attendance_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("lms_attendance.id"), index=True)
    before: Mapped[str] = mapped_column(String(10))
    after: Mapped[str] = mapped_column(String(10))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")  # why the register was corrected

    record: Mapped[AttendanceRecord] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()


class Qualification(GlobalIdMixin, db.Model):
    """A trainer's right to lead and grade a programme, earned in a train-the-trainer cohort."""

    __tablename__ = "lms_qualifications"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"), index=True)
    granted_on: Mapped[date] = mapped_column(Date)
    source_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("lms_cohorts.id"),
                                                         index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    # Last day the trainer may lead new classes (the ToT programme's validity), None: no end.
    expires_on: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    programme: Mapped[Programme] = relationship()
    source_cohort: Mapped[Cohort | None] = relationship()

    def lapsed_on(self, day: date) -> bool:
        """True if the qualification had ended before `day`."""
        return self.expires_on is not None and day > self.expires_on


class Vetting(GlobalIdMixin, db.Model):
    """A trainee's human-rights (Leahy) vetting status, set by staff."""

    __tablename__ = "lms_vetting"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="unknown")
    note: Mapped[str] = mapped_column(String(300), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class PendingImport(db.Model):
    """A parsed roster waiting for the staff member's decision after the preview."""

    __tablename__ = "lms_pending_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[list] = mapped_column(JSON)      # [{"line": n, field: value...}]
    problems: Mapped[dict] = mapped_column(JSON)  # {line: [message, ...]}

    cohort: Mapped[Cohort] = relationship()
