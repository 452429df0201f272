"""A draft's files: add a new lesson or quiz file, rename or delete one, with the ZIP upload's
path rules and the save's protection against stale pages."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.authoring.models import Draft, DraftFile
from lms.authoring.services import DraftError, StaleSave, item_of
from lms.authoring.zipfiles import SOURCE_SUFFIXES
from lms.base import utcnow
from lms.curricula.parser import SUPPORTED_LANGUAGES
from lms.extensions import db

MANIFEST = "manifest.yaml"
MAX_PATH = 300  # the column's width
_NAME = r"[a-z0-9][a-z0-9_-]*"
_LAYOUT = re.compile(rf"^(?:modules/{_NAME}|evaluations)/{_NAME}\.(?:"
                     + "|".join(SUPPORTED_LANGUAGES) + r")\.md$")
STARTS = ("lesson", "quiz")  # or "copy:<path of a file of the draft>"


def clean_path(draft: Draft, path: str) -> str:
    """`path` as a new file of the draft may be named; raise DraftError with the rule broken."""
    path = (path or "").strip().replace("\\", "/")
    if not path:
        raise DraftError(_("Give the path of the file, for example "
                           "modules/principes/nouvelle-lecon.fr.md."))
    parts = PurePosixPath(path).parts
    if path.startswith("/") or any(p in ("..", ".") or ":" in p for p in parts) \
            or "//" in path:
        raise DraftError(_("The path %(path)s leaves the programme folder: give a path inside "
                           "it, such as modules/principes/nouvelle-lecon.fr.md.", path=path))
    if PurePosixPath(path).suffix not in SOURCE_SUFFIXES:
        raise DraftError(_("%(path)s is not a programme file: only Markdown (.md) and YAML "
                           "(.yaml, .yml) files are part of a programme.", path=path))
    if path == MANIFEST or len(path) > MAX_PATH or not _LAYOUT.match(path):
        raise DraftError(_("%(path)s does not fit the programme folder: a lesson or quiz is "
                           "modules/<module>/<id>.<language>.md, a pre-test or post-test "
                           "evaluations/<id>.<language>.md; ids in lowercase letters, digits, "
                           "- and _; language %(languages)s.", path=path,
                           languages=" | ".join(SUPPORTED_LANGUAGES)))
    if draft.file(path) is not None:
        raise DraftError(_("%(path)s already exists in this draft: choose another name, or open "
                           "that file to change it.", path=path))
    return path


def starting_text(draft: Draft, path: str, start: str) -> str:
    """The first text of a new file: a lesson or quiz skeleton in its language, or a copy."""
    if start.startswith("copy:"):
        source = draft.file(start[5:])
        if source is None:
            raise DraftError(_("There is no file %(path)s to copy in this draft.",
                               path=start[5:]))
        return source.text
    if start not in STARTS:
        raise DraftError(_("Choose what the new file starts from."))
    key, lang = item_of(path)
    item = key.rsplit("/", 1)[1]
    with force_locale(lang):
        if start == "lesson":
            return (f"---\ntitle: {item}\nduration: 45\n---\n\n# {item}\n\n"
                    + _("Text of the lesson.") + "\n")
        kind = "quiz"
        if key.startswith("evaluations/"):  # the pre-test and post-test live there
            kind = "post_test" if "post" in item else "pre_test"
        return (f"---\ntitle: {item}\nkind: {kind}\npass_mark: 50\n---\n\n"
                f"## Question {item}-1\ntype: single\npoints: 1\n\n"
                + _("Text of the question?") + "\n\n- [x] " + _("The right answer")
                + "\n- [ ] " + _("A wrong answer") + "\n")


def add_file(draft: Draft, path: str, start: str, actor=None) -> DraftFile:
    """Add a new file to the draft (refused if the name is taken or breaks the layout)."""
    path = clean_path(draft, path)
    row = DraftFile(draft=draft, path=path, text=starting_text(draft, path, start),
                    updated_by_id=getattr(actor, "id", None))
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # another editor added the same name at the same moment
        db.session.rollback()
        raise DraftError(_("%(path)s already exists in this draft: choose another name, or "
                           "open that file to change it.", path=path)) from None
    audit.record(actor, "authoring.file_added", draft, after={"path": path, "from": start})
    db.session.commit()
    return row


def _current(draft: Draft, path: str, revision: int) -> DraftFile:
    row = draft.file(path)
    if row is None:
        raise StaleSave(_("%(path)s is no longer in this draft: someone else renamed or deleted "
                          "it.", path=path))
    if row.revision != revision:
        raise StaleSave(_("Someone else saved %(path)s since you opened this page (now revision "
                          "%(now)d, yours %(yours)d): look at the file again first.",
                          path=path, now=row.revision, yours=revision))
    if path == MANIFEST:
        raise DraftError(_("manifest.yaml describes the programme: it cannot be renamed or "
                           "deleted, only edited."))
    return row


def rename_file(draft: Draft, path: str, new_path: str, revision: int, actor=None) -> DraftFile:
    """Rename one file of the draft; refused when it changed since `revision` or the new name
    is taken or breaks the layout."""
    row = _current(draft, path, revision)
    if new_path.strip() == path:
        raise DraftError(_("%(path)s already has this name: type the new one.", path=path))
    new_path = clean_path(draft, new_path)
    try:
        # Compare-and-set, as a save: a concurrent save or rename changes no row.
        done = db.session.execute(
            update(DraftFile).where(DraftFile.id == row.id, DraftFile.revision == revision)
            .values(path=new_path, revision=revision + 1, updated_at=utcnow(),
                    updated_by_id=getattr(actor, "id", None)),
            execution_options={"synchronize_session": False})
    except IntegrityError:
        db.session.rollback()
        raise DraftError(_("%(path)s already exists in this draft: choose another name, or "
                           "open that file to change it.", path=new_path)) from None
    if done.rowcount != 1:
        db.session.rollback()
        raise StaleSave(_("Someone else changed %(path)s at the same moment: look at the file "
                          "again first.", path=path))
    audit.record(actor, "authoring.file_renamed", draft, before={"path": path},
                 after={"path": new_path, "revision": revision + 1})
    db.session.commit()
    db.session.refresh(row)
    return row


def delete_file(draft: Draft, path: str, revision: int, actor=None) -> None:
    """Delete one file of the draft; refused when it changed since `revision`. Its text stays
    in the audit record, so a mistaken delete can be undone by hand."""
    row = _current(draft, path, revision)
    text = row.text
    done = db.session.execute(
        delete(DraftFile).where(DraftFile.id == row.id, DraftFile.revision == revision),
        execution_options={"synchronize_session": False})
    if done.rowcount != 1:
        db.session.rollback()
        raise StaleSave(_("Someone else changed %(path)s at the same moment: look at the file "
                          "again first.", path=path))
    audit.record(actor, "authoring.file_deleted", draft,
                 before={"path": path, "revision": revision, "text": text})
    db.session.commit()
    db.session.expire(draft, ["files"])
