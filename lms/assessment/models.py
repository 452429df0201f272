"""Quiz schedules per cohort, grades given by trainers with their history, and regrades."""

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
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort, Enrolment


class QuizSchedule(GlobalIdMixin, db.Model):
    """When a cohort may sit one quiz: opening and closing times (stored in UTC)."""

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
    reason: Mapped[str] = mapped_column(Text, default="")  # why a grade was changed

    grade: Mapped[Grade] = relationship(back_populates="history")
    changed_by: Mapped[User | None] = relationship()


class Regrade(GlobalIdMixin, db.Model):
    """Past attempts of one quiz rescored under a newer version's corrected answer key."""

    __tablename__ = "lms_regrades"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(200))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    # Null when run from the command line, or when the person is not known on this server.
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    applied_by_name: Mapped[str] = mapped_column(String(220), default="")
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What changed in the key: [{"question", "from_version", "changes": [...]}].
    questions: Mapped[list] = mapped_column(JSON, default=list)
    # Questions left as they were: [{"question", "from_version", "reason", "attempts"}].
    problems: Mapped[list] = mapped_column(JSON, default=list)

    programme: Mapped[Programme] = relationship()
    to_version: Mapped[CurriculumVersion] = relationship()
    applied_by: Mapped[User | None] = relationship()
    attempts: Mapped[list[RegradeAttempt]] = relationship(
        back_populates="regrade", order_by="RegradeAttempt.id", cascade="all, delete-orphan")


class RegradeAttempt(GlobalIdMixin, db.Model):
    """One attempt's scores before and after a regrade, question by question."""

    __tablename__ = "lms_regrade_attempts"
    # One regrade per attempt and target version: applying twice cannot write it twice.
    __table_args__ = (UniqueConstraint("attempt_id", "to_version_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    regrade_id: Mapped[int] = mapped_column(ForeignKey("lms_regrades.id", ondelete="CASCADE"),
                                            index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lms_attempts.id", ondelete="CASCADE"),
                                            index=True)
    to_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    score_before: Mapped[float | None] = mapped_column(Float)
    score_after: Mapped[float | None] = mapped_column(Float)
    max_before: Mapped[float] = mapped_column(Float)
    max_after: Mapped[float] = mapped_column(Float)
    passed_before: Mapped[bool | None] = mapped_column(Boolean)
    passed_after: Mapped[bool | None] = mapped_column(Boolean)
    # {question id: {"before", "after", "max_before", "max_after", "response": uuid or null}}
    questions: Mapped[dict] = mapped_column(JSON, default=dict)
    problems: Mapped[dict] = mapped_column(JSON, default=dict)  # {question id: reason}

    regrade: Mapped[Regrade] = relationship(back_populates="attempts")
    attempt: Mapped[Attempt] = relationship()
