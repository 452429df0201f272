"""Drafts: the next version of a programme, edited in the database before it is published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import utcnow
from lms.extensions import db


class Draft(db.Model):
    """The draft of a programme's next version (one per programme); never shown to trainees."""

    __tablename__ = "lms_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_code: Mapped[str] = mapped_column(String(80), unique=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    files: Mapped[list[DraftFile]] = relationship(
        back_populates="draft", order_by="DraftFile.path", cascade="all, delete-orphan")

    @property
    def sources(self) -> dict[str, str]:
        """{relative path: text} of every file of the draft."""
        return {f.path: f.text for f in self.files}

    def file(self, path: str) -> DraftFile | None:
        """One file of the draft by its relative path."""
        return next((f for f in self.files if f.path == path), None)


class DraftFile(db.Model):
    """One file of a draft; `revision` rises at each save, so a stale save is refused."""

    __tablename__ = "lms_draft_files"
    __table_args__ = (UniqueConstraint("draft_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("lms_drafts.id", ondelete="CASCADE"),
                                          index=True)
    path: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    draft: Mapped[Draft] = relationship(back_populates="files")
