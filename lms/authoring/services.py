"""Drafts of a programme's next version: start, edit with revisions, check, preview, publish."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.authoring.models import Draft, DraftFile
from lms.base import LMSError, utcnow
from lms.curricula.models import CurriculumVersion, Programme
from lms.curricula.parser import content_hash, parse_sources
from lms.curricula.problems import Problems
from lms.curricula.services import latest_version, publish_programme
from lms.curricula.structure import assessment_for, lesson_for
from lms.extensions import db

_ITEM_FILE = re.compile(r"^(?:modules/(?P<module>[^/]+)|(?P<evaluations>evaluations))/"
                        r"(?P<item>[^/.]+)\.(?P<lang>[a-z]{2})\.md$")
_VERSION_LINE = re.compile(r"^version:.*$", re.MULTILINE)


class DraftError(LMSError):
    """A draft cannot be started, saved or published as asked."""


class StaleSave(DraftError):
    """The file was saved by someone else since this editor opened it."""


def get_draft(code: str) -> Draft | None:
    """The draft of a programme, if one is open."""
    return db.session.scalar(select(Draft).where(Draft.programme_code == code))


def get_programme(code: str) -> Programme | None:
    """A programme by its code."""
    return db.session.scalar(select(Programme).where(Programme.code == code))


def list_drafts() -> list[Draft]:
    """Every open draft, by programme."""
    return list(db.session.scalars(select(Draft).order_by(Draft.programme_code)))


def start_draft(programme: Programme, actor=None) -> Draft:
    """Open the draft of a programme's next version from its latest published version."""
    draft = get_draft(programme.code)
    if draft is not None:
        return draft
    base = latest_version(programme)
    if base is None:
        raise DraftError(_("This programme has no published version to start from."))
    return store_draft(programme.code, base.sources, actor, base)


def store_draft(code: str, sources: dict[str, str], actor=None,
                base: CurriculumVersion | None = None) -> Draft:
    """Store files as the draft of programme `code` (refused if a draft is already open)."""
    if get_draft(code) is not None:
        raise DraftError(_("A draft of %(programme)s is already open: publish or discard it "
                           "first.", programme=code))
    if base is None:
        programme = get_programme(code)
        base = programme and latest_version(programme)
    draft = Draft(programme_code=code, base_version_id=base.id if base else None,
                  created_by_id=getattr(actor, "id", None))
    draft.files = [DraftFile(path=path, text=text, updated_by_id=getattr(actor, "id", None))
                   for path, text in sorted(sources.items())]
    db.session.add(draft)
    db.session.flush()
    audit.record(actor, "authoring.draft_started", draft,
                 after={"programme": code, "from": base.version if base else None})
    db.session.commit()
    return draft


def save_file(draft: Draft, path: str, text: str, revision: int, actor=None) -> DraftFile:
    """Save one file's text; refused when it was saved by someone else since `revision`."""
    text = text.replace("\r\n", "\n")
    row = draft.file(path)
    if row is None:
        raise StaleSave(_("%(path)s is no longer in this draft: someone else renamed or "
                          "deleted it. Your text is kept below: copy it, then add it as a new "
                          "file or paste it into the file's new name.", path=path))
    if row.revision != revision:
        raise StaleSave(_("Someone else saved %(path)s since you opened it (now revision "
                          "%(now)d, yours %(yours)d). Your text is kept below: copy your "
                          "changes, reload the file and apply them again.",
                          path=path, now=row.revision, yours=revision))
    if row.text != text:
        # Compare-and-set: a concurrent save between our read and this write changes no row.
        done = db.session.execute(
            DraftFile.__table__.update()
            .where(DraftFile.id == row.id, DraftFile.revision == revision)
            .values(text=text, revision=revision + 1, updated_at=utcnow(),
                    updated_by_id=getattr(actor, "id", None)))
        if done.rowcount != 1:
            db.session.rollback()
            raise StaleSave(_("Someone else saved %(path)s at the same moment. Your text is "
                              "kept below: reload the file and apply your changes again.",
                              path=path))
        audit.record(actor, "authoring.file_saved", draft,
                     after={"path": path, "revision": revision + 1})
        db.session.commit()
        db.session.refresh(row)
    return row


def raw_sources(sources: dict[str, str]) -> dict[str, bytes]:
    """Draft or version texts as the bytes a programme folder holds."""
    return {path: text.encode("utf-8") for path, text in sources.items()}


def check_draft(draft: Draft) -> tuple[dict | None, Problems]:
    """The draft's structure and every problem, from the same checker as the command line."""
    return parse_sources(draft.programme_code, raw_sources(draft.sources))


def draft_token(draft: Draft) -> str:
    """Names this draft among all drafts the programme ever had (its id can be reused once a
    discarded draft is deleted), for the forms of its pages."""
    return f"{draft.id}.{draft.created_at:%Y%m%d%H%M%S%f}"


def check_same_draft(draft: Draft, token: str | None) -> None:
    """Refuse a form made for a draft that was discarded since (a new one may have the same
    files and revisions)."""
    if token is not None and token != draft_token(draft):
        raise StaleSave(_("This draft was discarded and a new one started since you opened "
                          "this page: nothing was changed. Your text is kept below."))


def draft_hash(draft: Draft) -> str:
    """The content hash the draft would be published with."""
    return content_hash(raw_sources(draft.sources))


def item_of(path: str) -> tuple[str, str] | None:
    """The item key and language a lesson or quiz file holds, e.g. ("principes/quiz", "fr")."""
    match = _ITEM_FILE.match(path)
    if match is None:
        return None
    module = "evaluations" if match["evaluations"] else match["module"]
    return f"{module}/{match['item']}", match["lang"]


def preview(structure: dict, path: str) -> list[dict]:
    """A file's item in every language of the programme, as a trainee sees it."""
    found = item_of(path)
    if found is None or structure is None:
        return []
    key, _lang = found
    shown = []
    for lang in structure["languages"]:
        if key in structure["lessons"]:
            shown.append({"kind": "lesson", "lang": lang, **lesson_for(structure, key, lang)})
        elif key in structure["assessments"]:
            shown.append({"kind": "assessment", "lang": lang,
                          **assessment_for(structure, key, lang)})
    return shown


def set_version(draft: Draft, version: str, actor=None) -> None:
    """Write `version` into the draft's manifest.yaml (its `version:` line)."""
    manifest = draft.file("manifest.yaml")
    if manifest is None:
        raise DraftError(_("This draft has no manifest.yaml."))
    new_text = _VERSION_LINE.sub(f'version: "{version}"', manifest.text, count=1)
    if new_text != manifest.text:
        save_file(draft, "manifest.yaml", new_text, manifest.revision, actor)


def publish_draft(draft: Draft, actor=None) -> CurriculumVersion:
    """Publish the draft through the same service as `flask lms curricula publish`; close it."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / draft.programme_code
        for path, data in raw_sources(draft.sources).items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        version, created = publish_programme(folder, actor)
    if not created:
        raise DraftError(_("Version %(version)s is already published with this content: "
                           "nothing changed.", version=version.version))
    audit.record(actor, "authoring.draft_published", version,
                 after={"programme": draft.programme_code, "version": version.version})
    db.session.delete(draft)
    db.session.commit()
    return version


def discard_draft(draft: Draft, actor=None) -> None:
    """Delete a draft and its files."""
    audit.record(actor, "authoring.draft_discarded", draft,
                 after={"programme": draft.programme_code})
    db.session.delete(draft)
    db.session.commit()
