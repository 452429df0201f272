"""Quiz schedules per cohort, and grades given by trainers with their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.base import GlobalIdMixin, utcnow
from lms.extensions import db
from lms.learning.models import Response
from lms.training.models import Cohort, Enrolment


class QuizSchedule(GlobalIdMixin, db.Model):
    """When a cohort may sit one quiz: opening and closing times (UTC)."""

    __tablename__ = "lms_quiz_schedules"
    __table_args__ = (UniqueConstraint("cohort_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id", ondelete="CASCADE"),
                                           index=True)
    item_key: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class Grade(GlobalIdMixin, db.Model):
    """A trainer's grade for an essay answer or a practical assessment; versioned."""

    __tablename__ = "lms_grades"
    id: Mapped[int] = mapped_column(primary_key=True)
    # "response:<response uuid>" or "practical:<enrolment uuid>:<item key>": one grade each.
    subject: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # essay | practical
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrolments.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(200))
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_responses.id", ondelete="CASCADE"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)  # practical: {criterion: points}
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"))
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    enrolment: Mapped[Enrolment] = relationship()
    response: Mapped[Response | None] = relationship()
    graded_by: Mapped[User] = relationship()
    history: Mapped[list[GradeHistory]] = relationship(
        back_populates="grade", order_by="GradeHistory.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def snapshot(self) -> dict:
        """The values a change is recorded against."""
        return {"score": self.score, "max_score": self.max_score, "comment": self.comment,
                "criteria": dict(self.criteria or {}), "released": self.released,
                "graded_by": self.graded_by_id}


class GradeHistory(GlobalIdMixin, db.Model):
    """One change to a grade: before and after, who and when."""

    __tablename__ = "lms_grade_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("lms_grades.id", ondelete="CASCADE"),
                                          index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(20))  # grade | regrade | release
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    grade: Mapped[Grade] = relationship(back_populates="history")
    changed_by: Mapped[User | None] = relationship()
