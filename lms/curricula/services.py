"""Publishing curriculum versions, reading them back, and comparing two versions."""

from __future__ import annotations

import difflib
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.base import LMSError
from lms.curricula.models import CurriculumVersion, Programme
from lms.curricula.parser import content_hash, load_programme, read_sources
from lms.extensions import db


class VersionConflict(LMSError):
    """The version string is already published with other content."""


def publish_programme(folder: str | Path, actor=None) -> tuple[CurriculumVersion, bool]:
    """Store an immutable snapshot of a programme folder; return (version, created)."""
    folder = Path(folder)
    structure = load_programme(folder)
    raw = read_sources(folder)
    digest = content_hash(raw)
    programme = db.session.scalar(select(Programme).where(Programme.code == structure["id"]))
    existing = programme and db.session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.programme_id == programme.id,
        CurriculumVersion.version == structure["version"]))
    if existing:  # checked before writing anything: the caller's unit of work is left alone
        if existing.content_hash == digest:
            return existing, False
        raise VersionConflict(_(
            "Version %(version)s of %(programme)s is already published with different content "
            "(hash %(old)s, this folder %(new)s). Published versions never change: raise the "
            "version in manifest.yaml and publish again.", version=structure["version"],
            programme=structure["id"], old=existing.content_hash[:12], new=digest[:12]))
    if programme is None:
        programme = Programme(code=structure["id"], title=structure["title"])
        db.session.add(programme)
    version = CurriculumVersion(
        programme=programme, version=structure["version"], content_hash=digest,
        sources={path: data.decode("utf-8") for path, data in raw.items()},
        structure=structure, published_by_id=getattr(actor, "id", None))
    programme.title = structure["title"]
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "curriculum.publish", version,
                 after={"programme": programme.code, "version": version.version,
                        "hash": digest})
    db.session.commit()
    return version, True


def publish_all(root: str | Path, actor=None) -> list[tuple[CurriculumVersion, bool]]:
    """Publish every programme folder (one holding manifest.yaml) under `root`."""
    root = Path(root)
    return [publish_programme(p.parent, actor)
            for p in sorted(root.glob("*/manifest.yaml"))]


def list_programmes() -> list[Programme]:
    """All programmes with their versions, oldest version first."""
    return list(db.session.scalars(select(Programme).order_by(Programme.code)))


def latest_version(programme: Programme) -> CurriculumVersion | None:
    """The most recently published version of a programme."""
    return programme.versions[-1] if programme.versions else None


def get_version(version_id: int) -> CurriculumVersion | None:
    """A published version by its id."""
    return db.session.get(CurriculumVersion, version_id)


def quizzes_of(version: CurriculumVersion, lang: str) -> list[dict]:
    """The quizzes of a version (not practicals) in course order: key and title."""
    from lms.learning.services import assessment_for, ordered_items

    structure = version.structure
    return [{"key": item["key"], "title": assessment_for(structure, item["key"], lang)["title"]}
            for item in ordered_items(structure) if item["kind"] not in ("lesson", "practical")]


def diff_versions(old: CurriculumVersion, new: CurriculumVersion) -> list[dict]:
    """Per-file unified diffs between two versions: added, removed and changed files."""
    files = []
    for path in sorted(set(old.sources) | set(new.sources)):
        a, b = old.sources.get(path), new.sources.get(path)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        lines = list(difflib.unified_diff(
            (a or "").splitlines(), (b or "").splitlines(),
            f"{old.version}/{path}", f"{new.version}/{path}", lineterm=""))
        files.append({"path": path, "status": status, "lines": lines})
    return files
