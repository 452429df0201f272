"""Programme folders as ZIP files (upload, download, refusals) and moving a cohort's version."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from sqlalchemy import select

from lms.authoring import services as svc
from lms.authoring import zipfiles
from lms.curricula.models import CurriculumVersion
from lms.curricula.parser import content_hash, read_sources
from lms.extensions import db
from lms.learning import services as learning
from tests.conftest import (
    CURRICULA,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)

CODE = "police-de-proximite"


def _zip(entries: dict[str, bytes], top: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries.items():
            archive.writestr(top + path, data)
    return buffer.getvalue()


def _folder_zip(top: str = f"{CODE}/", **changes: bytes) -> bytes:
    entries = read_sources(CURRICULA / CODE)
    entries.update(changes)
    return _zip(entries, top)


def _upload(client, data: bytes, name: str = "programme.zip"):
    return client.post("/authoring/upload", data={"archive": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def editor(client):
    user = make_user(roles=("curriculum_editor",), locale="en")
    login(client, user)
    return user


def test_download_then_upload_gives_the_same_hash(app, client, editor):
    version = publish()
    response = client.get(f"/authoring/versions/{version.id}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert f"{CODE}/manifest.yaml" in names
    assert client.get(f"/authoring/versions/{version.id}.zip").data == response.data
    svc.discard_draft(svc.start_draft(version.programme))  # a draft would refuse the upload
    uploaded = _upload(client, response.data)
    assert uploaded.status_code == 302
    draft = svc.get_draft(CODE)
    assert svc.draft_hash(draft) == version.content_hash
    assert client.get(f"/authoring/{CODE}/draft.zip").data == response.data


def test_an_upload_of_a_new_programme_is_a_draft_not_published(app, client, editor):
    response = _upload(client, _folder_zip(top="Mon dossier/"))  # one top folder, any name
    assert response.status_code == 302
    assert svc.get_draft(CODE) is not None
    assert db.session.scalar(select(CurriculumVersion)) is None
    assert client.post(f"/authoring/{CODE}/draft/publish",
                       data={"version": "1.0.0"}).status_code == 302
    published = db.session.scalar(select(CurriculumVersion))
    assert published.content_hash == content_hash(read_sources(CURRICULA / CODE))


def test_an_upload_with_checker_errors_lists_them_and_stores_nothing(app, client, editor):
    quiz = "modules/principes/quiz-principes.fr.md"
    broken = (CURRICULA / CODE / quiz).read_bytes().replace(b"type: single", b"type: bad", 1)
    response = _upload(client, _folder_zip(**{quiz: broken}))
    assert response.status_code == 400
    assert f"{CODE}/{quiz}:" in response.text
    assert svc.get_draft(CODE) is None


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.yaml", "id: x\n")
        info = zipfile.ZipInfo("modules/link.md")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize("data, words", [
    (b"not a zip at all", "not a ZIP"),
    (_zip({f"m/{i}.md": b"x" for i in range(zipfiles.MAX_FILES + 1)}), "too many files"),
    (_zip({"manifest.yaml": b"id: x\n", "../escape.md": b"x"}), "leaves the folder"),
    (_symlink_zip(), "symbolic link"),
    (_zip({"manifest.yaml": b"id: x\n", "modules/a.fr.md": b"ok\n\xff\xfe"}), "not UTF-8"),
    (_zip({"manifest.yaml": b"id: x\n", "modules/bomb.md": b"a" * 30_000_000}), "too much"),
    (_zip({"readme.txt": b"hello"}), "no manifest.yaml"),
])
def test_bad_uploads_are_refused_with_a_sentence(app, client, editor, data, words):
    response = _upload(client, data)
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert words in response.text
    assert svc.list_drafts() == []


def test_a_zip_bomb_and_a_too_big_file_are_refused_before_reading(app, ctx):
    data = _zip({"manifest.yaml": b"id: x\n", "modules/bomb.md": b"a" * 30_000_000})
    assert len(data) < 100_000
    with pytest.raises(zipfiles.UploadRefused, match=str(zipfiles.MAX_TOTAL_BYTES)):
        zipfiles.read_zip(data)
    # (Through the test client a 5 MB body leaves Werkzeug's temporary file open.)
    with pytest.raises(zipfiles.UploadRefused, match=str(zipfiles.MAX_UPLOAD_BYTES)):
        zipfiles.read_zip(b"PK" + b"\0" * (zipfiles.MAX_UPLOAD_BYTES + 10))


def test_staff_see_the_changes_then_move_a_cohort(app, client, tmp_path):
    old = publish()
    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.0.0"', 'version: "1.0.1"'))
    for name, right, wrong in (("fr", "Une manière", "Une unité spéciale"),
                               ("en", "A way of", "A special unit")):
        quiz = folder / f"modules/principes/quiz-principes.{name}.md"
        quiz.write_text(quiz.read_text().replace(f"- [x] {right}", f"- [ ] {right}", 1)
                        .replace(f"- [ ] {wrong}", f"- [x] {wrong}", 1))
    new = publish(folder)
    cohort = make_cohort(old)
    enrolment = make_enrolment(cohort=cohort)
    attempt = learning.start_attempt(enrolment, "principes/quiz-principes", "fr")
    staff = make_user(roles=("staff",), locale="en")
    login(client, staff)
    page = client.get(f"/authoring/cohorts/{cohort.id}/version?version={new.id}")
    assert page.status_code == 200
    assert "answer key changed" in page.text and "regrade" in page.text
    assert cohort.curriculum_version_id == old.id  # seeing changes nothing
    response = client.post(f"/authoring/cohorts/{cohort.id}/version", data={"version": new.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert cohort.curriculum_version_id == new.id
    assert enrolment.curriculum_version_id == new.id
    assert attempt.curriculum_version_id == old.id  # attempts taken keep their version
    trainee = app.test_client()
    login(trainee, enrolment.user)
    assert trainee.get(f"/authoring/cohorts/{cohort.id}/version").status_code == 403


def test_an_upload_over_the_request_limit_gets_a_sentence_with_the_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 104858  # 0.1 MB: the body stays in memory (no temp file)
    login(client, make_user(roles=("curriculum_editor",), locale="fr"))
    response = _upload(client, b"x" * 104858)
    try:
        assert response.status_code == 413
        assert "trop grand" in response.text and "0,1 Mo" in response.text
        assert "Rien n&#39;a été enregistré" in response.text
    finally:
        response.close()
