"""Publishing immutable curriculum versions, pinning enrolments, and the staff version pages."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.audit import AuditRecord
from lms.curricula.models import CurriculumVersion, Programme
from lms.curricula.parser import content_hash, read_sources
from lms.curricula.services import VersionConflict, publish_programme
from lms.extensions import db
from lms.learning.models import Attempt
from lms.training.services import create_cohort
from tests.conftest import login, make_cohort, make_enrolment, make_programme_folder, make_user

LESSON = "modules/principes/six-principes.fr.md"
OLD_SENTENCE = "La police de proximité n'est pas une unité spéciale"
NEW_SENTENCE = "Texte révisé pour la version 1.1 : la proximité se vit chaque jour."


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def new_version(folder: Path, version: str = "1.1.0") -> None:
    """Edit a lesson and raise the version in the manifest."""
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'version: "1.0.0"', f'version: "{version}"'), encoding="utf-8")
    lesson = folder / LESSON
    lesson.write_text(lesson.read_text(encoding="utf-8").replace(OLD_SENTENCE, NEW_SENTENCE),
                      encoding="utf-8")


@pytest.fixture
def folder(tmp_path):
    return make_programme_folder(tmp_path)


def test_publishing_identical_content_again_changes_nothing(app, folder):
    first, created = publish_programme(folder)
    assert created
    before = (count(CurriculumVersion), count(Programme), count(AuditRecord))
    again, created_again = publish_programme(folder)
    assert not created_again
    assert again.id == first.id
    assert (count(CurriculumVersion), count(Programme), count(AuditRecord)) == before


def test_changed_content_under_a_published_version_is_refused(app, folder):
    first, _ = publish_programme(folder)
    stored_hash, stored_sources = first.content_hash, dict(first.sources)
    before = (count(CurriculumVersion), count(AuditRecord))
    lesson = folder / LESSON
    lesson.write_text(lesson.read_text(encoding="utf-8").replace(OLD_SENTENCE, NEW_SENTENCE),
                      encoding="utf-8")
    with pytest.raises(VersionConflict) as refused:
        publish_programme(folder)
    message = str(refused.value)
    assert "1.0.0" in message and "already published" in message
    assert "raise the version" in message
    db.session.expire_all()
    assert (count(CurriculumVersion), count(AuditRecord)) == before
    kept = db.session.get(CurriculumVersion, first.id)
    assert kept.content_hash == stored_hash and kept.sources == stored_sources


def test_cli_refuses_changed_content_with_a_clear_message(app, folder, runner):
    assert runner.invoke(args=["lms", "curricula", "publish", str(folder)]).exit_code == 0
    (folder / LESSON).write_text((folder / LESSON).read_text(encoding="utf-8") + "\nAjout.\n",
                                 encoding="utf-8")
    result = runner.invoke(args=["lms", "curricula", "publish", str(folder)])
    assert result.exit_code == 1
    assert "already published with different content" in result.output
    db.session.rollback()
    assert count(CurriculumVersion) == 1


def test_a_new_version_is_stored_and_the_old_stays_readable(app, folder):
    old, _ = publish_programme(folder)
    old_id, old_hash = old.id, old.content_hash
    new_version(folder)
    new, created = publish_programme(folder)
    assert created and new.version == "1.1.0" and new.content_hash != old_hash
    db.session.expire_all()
    programme = db.session.scalar(select(Programme).where(Programme.code == "police-de-proximite"))
    assert [v.version for v in programme.versions] == ["1.0.0", "1.1.0"]
    old = db.session.get(CurriculumVersion, old_id)
    assert OLD_SENTENCE in old.sources[LESSON]
    assert OLD_SENTENCE in old.structure["lessons"]["principes/six-principes"]["fr"]["html"]
    assert NEW_SENTENCE in new.sources[LESSON]


def test_an_enrolment_keeps_its_version_after_a_new_one_is_published(app, client, folder):
    db.session.rollback()
    old, _ = publish_programme(folder)
    enrolment = make_enrolment(cohort=make_cohort(old))
    eid, old_id, old_hash = enrolment.id, old.id, old.content_hash
    new_version(folder)
    new, _ = publish_programme(folder)
    new_id = new.id
    login(client, enrolment.user)
    page = client.get(f"/learn/{eid}/principes/six-principes")
    assert page.status_code == 200
    assert OLD_SENTENCE in page.text and NEW_SENTENCE not in page.text
    start = client.post(f"/learn/{eid}/principes/quiz-principes/start")
    attempt_id = int(start.headers["Location"].split("/")[2])
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.curriculum_version_id == old_id != new_id
    assert attempt.content_hash == old_hash
    # A cohort opened now gets the new version.
    later = create_cohort(name="Cohort B", programme=new.programme, site=enrolment.cohort.site,
                          start=date(2026, 9, 1), end=date(2027, 2, 26))
    assert later.curriculum_version_id == new_id


def test_french_accents_round_trip_exactly(app, folder):
    raw = read_sources(folder)
    assert "é".encode() in raw[LESSON] and "à".encode() in raw[LESSON]
    version, _ = publish_programme(folder)
    version_id = version.id
    db.session.expire_all()
    db.session.remove()
    stored = db.session.get(CurriculumVersion, version_id)
    assert set(stored.sources) == set(raw)
    for path, data in raw.items():
        assert stored.sources[path].encode("utf-8") == data, path
    assert content_hash({p: t.encode("utf-8") for p, t in stored.sources.items()}) \
        == stored.content_hash == content_hash(raw)
    assert "proximité" in stored.structure["title"]["fr"]


def test_staff_see_versions_and_the_diff(app, client, folder):
    db.session.rollback()
    old, _ = publish_programme(folder)
    new_version(folder)
    new, _ = publish_programme(folder)
    old_id, new_id = old.id, new.id
    staff = make_user(roles=("staff",))
    login(client, staff)
    index = client.get("/curricula/")
    assert index.status_code == 200
    assert "1.0.0" in index.text and "1.1.0" in index.text
    assert f"/curricula/police-de-proximite/diff?old={old_id}&amp;new={new_id}" in index.text
    assert client.get(f"/curricula/versions/{old_id}").status_code == 200
    diff = client.get(f"/curricula/police-de-proximite/diff?old={old_id}&new={new_id}")
    assert diff.status_code == 200
    assert LESSON in diff.text and "manifest.yaml" in diff.text
    assert f"-{OLD_SENTENCE}" in diff.text.replace("&#39;", "'")
    assert f"+{NEW_SENTENCE}" in diff.text
    assert client.get(f"/curricula/autre/diff?old={old_id}&new={new_id}").status_code == 404
    assert client.get("/curricula/police-de-proximite/diff?old=999&new=1").status_code == 404


def test_a_trainee_cannot_open_the_curriculum_pages(app, client, folder):
    db.session.rollback()
    old, _ = publish_programme(folder)
    new_version(folder)
    new, _ = publish_programme(folder)
    old_id, new_id = old.id, new.id
    login(client, make_user())
    assert client.get("/curricula/").status_code == 403
    assert client.get(f"/curricula/versions/{old_id}").status_code == 403
    diff = client.get(f"/curricula/police-de-proximite/diff?old={old_id}&new={new_id}")
    assert diff.status_code == 403
    assert OLD_SENTENCE not in diff.text
