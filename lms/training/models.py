"""Cohorts, their trainers and enrolments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Site, User
from lms.base import GlobalIdMixin, utcnow
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db


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


class CohortTrainer(db.Model):
    """A trainer assigned to lead and grade a cohort."""

    __tablename__ = "lms_cohort_trainers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    user: Mapped[User] = relationship()


class Enrolment(GlobalIdMixin, db.Model):
    """A trainee in a cohort, pinned to the curriculum version they started with."""

    __tablename__ = "lms_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id"), index=True)
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    curriculum_version: Mapped[CurriculumVersion] = relationship()
