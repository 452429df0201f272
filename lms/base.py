"""Shared model pieces: global ids and timestamps for records that travel between servers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """A new global id (UUID4 text)."""
    return str(uuid.uuid4())


class GlobalIdMixin:
    """A UUID for merging records across servers, plus creation/update times."""

    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class LMSError(Exception):
    """A rule was not met; the message is for people (already translated where possible)."""
