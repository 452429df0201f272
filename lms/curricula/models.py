"""Programmes and their immutable published curriculum versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import GlobalIdMixin, utcnow
from lms.curricula.structure import read_only
from lms.extensions import db

# Decoded structures by (id, content hash): a programme's JSON is decoded once, not per request.
# The same key always means the same content (one process may serve several databases).
_STRUCTURES: dict[tuple, Mapping] = {}
_STRUCTURES_KEPT = 32


def _remember(key: tuple, structure: Mapping) -> None:
    if len(_STRUCTURES) >= _STRUCTURES_KEPT:
        _STRUCTURES.pop(next(iter(_STRUCTURES), None), None)
    _STRUCTURES[key] = structure


def forget_structure(version_id: int, content_hash: str) -> None:
    """Drop this process's decoded copy of a version's structure (after a rebuild)."""
    _STRUCTURES.pop((version_id, content_hash), None)


class Programme(GlobalIdMixin, db.Model):
    """A course of study, e.g. community policing; its content lives in its versions."""

    __tablename__ = "lms_programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: title}, from the latest
    versions: Mapped[list[CurriculumVersion]] = relationship(
        back_populates="programme", order_by="CurriculumVersion.published_at")

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or next(iter(self.title.values()), self.code)


class CurriculumVersion(GlobalIdMixin, db.Model):
    """One published snapshot of a programme: sources, parsed structure and rendered HTML."""

    __tablename__ = "lms_curriculum_versions"
    __table_args__ = (UniqueConstraint("programme_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    # {relative path: text}: read only to compare versions, so not loaded with the row.
    sources: Mapped[dict] = mapped_column(JSON, deferred=True)
    # The parsed programme with its HTML rendered; read through `structure` (cached).
    structure_json: Mapped[dict] = mapped_column("structure", JSON, deferred=True)

    programme: Mapped[Programme] = relationship(back_populates="versions")

    @property
    def structure(self) -> Mapping:
        """The parsed programme (`lms.curricula.structure`), read-only; decoded once per
        process, since a version never changes. Shared between requests."""
        key = (self.id, self.content_hash)
        cached = _STRUCTURES.get(key)
        if cached is None:
            cached = read_only(self.structure_json)
            if self.id is not None and self.content_hash:
                _remember(key, cached)
        return cached

    @structure.setter
    def structure(self, value: dict) -> None:
        forget_structure(self.id, self.content_hash)
        self.structure_json = value

    @property
    def label(self) -> str:
        return f"{self.version} ({self.content_hash[:10]})"


def structure_of(version_id: int, content_hash: str) -> Mapping:
    """The structure of a curriculum version, without reading its row once it is decoded.

    For records that name their version and hash, such as an attempt: read it, never modify it.
    """
    cached = _STRUCTURES.get((version_id, content_hash))
    if cached is None:
        cached = db.session.get(CurriculumVersion, version_id).structure
    return cached
