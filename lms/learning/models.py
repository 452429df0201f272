"""Trainee work: lesson progress, quiz attempts and their responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import GlobalIdMixin, utcnow
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from lms.training.models import Enrolment


class LessonProgress(GlobalIdMixin, db.Model):
    """A lesson a trainee has read."""

    __tablename__ = "lms_lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrolments.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(200))  # "module/lesson"
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attempt(GlobalIdMixin, db.Model):
    """One sitting of a quiz, on the exact curriculum version and hash it was started on."""

    __tablename__ = "lms_attempts"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_key", "number"),
        # Covering index of the reports (lms/reports): each trainee's sittings in order, with
        # everything the pass rates and the knowledge gain read, without touching the table.
        Index("ix_lms_attempts_reports", "enrolment_id", "item_key", "number", "status",
              "curriculum_version_id", "pending_grading", "score", "max_score", "mode"),
        # Covering index of the pre- and post-test sittings (knowledge gain, completion): one
        # test's sittings in (trainee, number) order, without reading every other sitting.
        Index("ix_lms_attempts_tests", "item_key", "enrolment_id", "number", "status",
              "pending_grading", "curriculum_version_id", "score", "max_score", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrolments.id"))
    item_key: Mapped[str] = mapped_column(String(200))  # "module/quiz"
    number: Mapped[int] = mapped_column(Integer)
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | submitted
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    question_order: Mapped[list] = mapped_column(JSON)  # question ids, as shown
    # {question id: [choice index, ...]}; matching: {"items": [...], "answers": [...]}
    choice_order: Mapped[dict] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0)
    pending_grading: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(10), default="online", server_default="online")

    enrolment: Mapped[Enrolment] = relationship()
    curriculum_version: Mapped[CurriculumVersion] = relationship()
    responses: Mapped[list[Response]] = relationship(back_populates="attempt",
                                                     cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Response(GlobalIdMixin, db.Model):
    """The answer to one question of an attempt, saved the moment it is given."""

    __tablename__ = "lms_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (attempt_id, question_id) serves every look-up by attempt,
    # and one index fewer to keep up at each answer saved or imported.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lms_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(80))
    # {"choices": [...]}, {"text": "..."} or, matching, {"matches": [answer index or None]}
    answer: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)  # None: awaits a trainer
    max_score: Mapped[float] = mapped_column(Float, default=0)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
