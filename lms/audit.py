"""Audit log: who did what, when, with before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.base import utcnow
from lms.extensions import db


class AuditRecord(db.Model):
    """One recorded change made by a person (or the system when actor is empty)."""

    __tablename__ = "lms_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(60), default="")
    target_id: Mapped[str] = mapped_column(String(60), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


def record(actor, action: str, target=None, before: dict | None = None,
           after: dict | None = None) -> AuditRecord:
    """Add an audit record to the current unit of work (committed with it)."""
    entry = AuditRecord(
        actor_id=getattr(actor, "id", None), action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "uuid", None) or getattr(target, "id", "") or ""),
        before=before, after=after)
    db.session.add(entry)
    return entry
