"""A printed exam paper: the attempt it belongs to and the short code written on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import GlobalIdMixin, utcnow
from lms.extensions import db
from lms.learning.models import Attempt


class PaperSheet(GlobalIdMixin, db.Model):
    """One trainee's paper for one attempt: printed, then entered by hand or read from a scan."""

    __tablename__ = "lms_paper_sheets"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("lms_attempts.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    printed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    # How the answers came in: "keyboard" or "scan"; what was read, letter by question number.
    entered_by_way: Mapped[str] = mapped_column(String(10), default="")
    read: Mapped[dict] = mapped_column(JSON, default=dict)

    attempt: Mapped[Attempt] = relationship()
