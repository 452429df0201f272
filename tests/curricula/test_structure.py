"""The published structure: its format number, read-only for readers, rebuilt from its sources."""

import pytest
from sqlalchemy import select

from lms.audit import AuditRecord
from lms.curricula.models import CurriculumVersion
from lms.curricula.structure import FORMAT, format_of, ordered_items
from lms.extensions import db
from tests.conftest import publish


def test_every_published_structure_carries_the_format_number(ctx):
    version = publish()
    assert format_of(version.structure) == FORMAT
    assert version.structure["format"] == FORMAT


def test_readers_cannot_change_a_shared_structure(ctx):
    version = publish()
    structure = version.structure
    with pytest.raises(TypeError):
        structure["modules"].append({"id": "x"})
    with pytest.raises(TypeError):
        structure["lessons"]["x"] = {}
    # Copies are the reader's own: a navigation list can be changed.
    items = ordered_items(structure)
    items.append({"key": "x"})
    assert {**structure}["id"] == structure["id"]


def test_rebuild_parses_published_versions_again_keeping_their_hash(ctx, runner):
    version = publish()
    version_id, digest = version.id, version.content_hash
    fresh = dict(version.structure_json)
    lesson_key = next(iter(fresh["lessons"]))
    stale = {key: value for key, value in fresh.items() if key != "format"}  # as stored before
    stale["lessons"] = {**fresh["lessons"], lesson_key: {
        lang: {**variant, "html": "<p>&lt;b&gt;old rendering&lt;/b&gt;</p>"}
        for lang, variant in fresh["lessons"][lesson_key].items()}}
    version.structure = stale
    db.session.commit()
    db.session.expire_all()
    assert format_of(db.session.get(CurriculumVersion, version_id).structure) == 0

    result = runner.invoke(args=["lms", "curricula", "rebuild"])

    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    db.session.expire_all()
    rebuilt = db.session.get(CurriculumVersion, version_id)
    assert rebuilt.content_hash == digest
    assert format_of(rebuilt.structure) == FORMAT
    assert rebuilt.structure["lessons"][lesson_key] == fresh["lessons"][lesson_key]
    record = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "curriculum.rebuild"))
    assert record.before == {"format": 0}
    assert record.after == {"format": FORMAT, "hash": digest}


def test_rebuild_leaves_a_version_whose_sources_were_altered(ctx, runner):
    version = publish()
    before = dict(version.structure_json)
    path = next(p for p in version.sources if p.endswith(".md"))
    version.sources = {**version.sources, path: version.sources[path] + "\nchanged\n"}
    db.session.commit()

    result = runner.invoke(args=["lms", "curricula", "rebuild"])

    assert result.exit_code == 0
    assert "left as it was" in result.output and "rebuilt" not in result.output
    db.session.expire_all()
    assert db.session.get(CurriculumVersion, version.id).structure_json == before
