"""Publishing curriculum versions, reading them back, and comparing two versions."""

from __future__ import annotations

import difflib
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.base import LMSError
from lms.curricula.models import CurriculumVersion, Programme, forget_structure
from lms.curricula.parser import content_hash, load_programme, parse_sources, read_sources
from lms.curricula.structure import FORMAT, assessment_for, format_of, ordered_items
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


def rebuild_structure(version: CurriculumVersion, actor=None) -> str | None:
    """Parse a published version again from its stored sources and store the new structure.

    The sources and so the content hash do not change: only what the parser and the sanitiser
    make of them (`lms.curricula.structure.FORMAT`). Returns why it was left alone, or None.
    Added to the caller's unit of work, with an audit record; the caller commits.
    """
    raw = {path: text.encode("utf-8") for path, text in version.sources.items()}
    if content_hash(raw) != version.content_hash:
        return _("its stored sources do not match its content hash")
    structure, problems = parse_sources(version.programme.code, raw)
    if structure is None or problems.errors:
        return _("its sources no longer pass the checker: %(problems)s",
                 problems="; ".join(str(p) for p in problems.errors))
    if structure["id"] != version.programme.code or structure["version"] != version.version:
        return _("its sources name another programme or version")
    before = format_of(version.structure)
    forget_structure(version.id, version.content_hash)
    version.structure = structure
    audit.record(actor, "curriculum.rebuild", version,
                 before={"format": before},
                 after={"format": FORMAT, "hash": version.content_hash})
    return None


def rebuild_structures(programme_code: str | None = None, actor=None
                       ) -> list[tuple[CurriculumVersion, str | None]]:
    """Rebuild the structure of every published version (of one programme if given), in one
    unit of work; (version, why it was left alone or None) for each."""
    query = select(CurriculumVersion).join(Programme).order_by(Programme.code,
                                                               CurriculumVersion.published_at)
    if programme_code:
        query = query.where(Programme.code == programme_code)
    results = [(v, rebuild_structure(v, actor)) for v in db.session.scalars(query).all()]
    db.session.commit()
    for version, _skipped in results:
        forget_structure(version.id, version.content_hash)
    return results


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
