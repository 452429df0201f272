"""A draft's files from the browser: add a new lesson or quiz, rename and delete, with the ZIP
upload's path rules and the save's protection against stale pages."""

from __future__ import annotations

import re
from html import unescape

import pytest
from markupsafe import escape
from sqlalchemy import select

from lms.audit import AuditRecord
from lms.authoring import services as svc
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from tests.conftest import login, make_user, publish

CODE = "police-de-proximite"
LESSON = "modules/principes/six-principes.fr.md"
QUIZ = "modules/principes/quiz-principes.fr.md"
BASE = f"/authoring/{CODE}/draft"


def _draft():
    db.session.expire_all()
    return svc.get_draft(CODE)


@pytest.fixture
def draft(app, client):
    publish()
    login(client, make_user(roles=("curriculum_editor",), locale="fr"))
    assert client.post(BASE).status_code == 302
    return _draft()


def _save(client, path: str, change) -> None:
    row = _draft().file(path)
    response = client.post(f"{BASE}/files/{path}",
                           data={"text": change(row.text), "revision": row.revision})
    assert response.status_code == 302


def test_a_new_lesson_in_both_languages_is_checked_compared_and_published(draft, client):
    new_fr, new_en = (f"modules/principes/ecoute-active.{lang}.md" for lang in ("fr", "en"))
    response = client.post(f"{BASE}/new-file", data={"path": new_fr, "start": "lesson"})
    assert response.status_code == 302 and response.headers["Location"].endswith(new_fr)
    text = _draft().file(new_fr).text
    assert text.startswith("---\ntitle: ecoute-active\n") and "Texte de la leçon." in text
    page = client.get(BASE)
    assert f"{CODE}/{new_fr}:1" in page.text and "fichier absent du manifeste" in page.text
    assert "modules/&lt;module&gt;/&lt;id&gt;.&lt;langue&gt;.md" in page.text  # the hint, shown
    # The English file starts as a copy of the French one, then is translated.
    assert client.post(f"{BASE}/new-file",
                       data={"path": new_en, "start": f"copy:{new_fr}"}).status_code == 302
    assert _draft().file(new_en).text == text
    _save(client, new_en, lambda t: t.replace("Texte de la leçon.", "Listen first."))
    _save(client, "manifest.yaml", lambda t: t.replace(
        "lessons: [six-principes, accueil-au-poste]",
        "lessons: [six-principes, accueil-au-poste, ecoute-active]", 1))
    structure, problems = svc.check_draft(_draft())
    assert not problems.errors and "principes/ecoute-active" in structure["lessons"]
    plan = client.get(f"{BASE}/publish")
    assert new_fr in plan.text and 'value="1.1.0"' in plan.text  # a lesson added: minor
    assert client.post(f"{BASE}/publish", data={"version": "1.1.0"}).status_code == 302
    version = db.session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.version == "1.1.0"))
    assert "Listen first." in version.sources[new_en]
    assert version.structure["lessons"]["principes/ecoute-active"]["en"]["title"] \
        == "ecoute-active"


def test_a_new_quiz_starts_from_a_skeleton_the_checker_accepts(draft, client):
    path = "modules/principes/quiz-ecoute.en.md"
    assert client.post(f"{BASE}/new-file",
                       data={"path": path, "start": "quiz"}).status_code == 302
    text = _draft().file(path).text
    assert "## Question quiz-ecoute-1" in text and "- [x] The right answer" in text
    _structure, problems = svc.check_draft(_draft())
    mine = [p for p in problems.items if p.path == f"{CODE}/{path}"]
    assert [p.severity for p in mine] == ["warning"]  # only "not listed in the manifest"
    assert client.get(f"{BASE}/preview/{path}").status_code == 200


@pytest.mark.parametrize("path, words", [
    ("", "Indiquez le chemin du fichier"),
    ("../autre/x.fr.md", "sort du dossier du programme"),
    ("/etc/x.fr.md", "sort du dossier du programme"),
    ("modules/principes/../../x.fr.md", "sort du dossier du programme"),
    ("modules\\..\\x.fr.md", "sort du dossier du programme"),
    ("modules/principes/notes.txt", "seuls les fichiers Markdown (.md) et YAML"),
    ("modules/principes/lecon.docx", "seuls les fichiers Markdown (.md) et YAML"),
    ("modules/principes/Nouvelle.fr.md", "ne correspond pas au dossier du programme"),
    ("lecons/nouvelle.fr.md", "ne correspond pas au dossier du programme"),
    ("modules/principes/nouvelle.de.md", "ne correspond pas au dossier du programme"),
    ("modules/principes/nouvelle.md", "ne correspond pas au dossier du programme"),
    ("autre.yaml", "ne correspond pas au dossier du programme"),
    ("manifest.yaml", "ne correspond pas au dossier du programme"),
    (QUIZ, "existe déjà dans ce brouillon"),
])
def test_a_new_file_breaking_the_path_rules_is_refused_with_a_sentence(draft, client, path,
                                                                       words):
    before = _draft().sources
    response = client.post(f"{BASE}/new-file", data={"path": path, "start": "lesson"})
    assert response.status_code == 400
    assert words in unescape(response.text), response.text
    assert f'value="{escape(path)}"' in response.text  # what was typed stays in the form
    assert _draft().sources == before
    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "authoring.file_added")) is None


def test_rename_is_seen_by_the_checker_and_refuses_taken_names_and_stale_pages(draft, client):
    revision = _draft().file(LESSON).revision
    new = "modules/principes/sept-principes.fr.md"
    page = client.get(f"{BASE}/rename/{LESSON}")
    assert page.status_code == 200 and f'name="revision" value="{revision}"' in page.text
    taken = client.post(f"{BASE}/rename/{LESSON}",
                        data={"new_path": QUIZ, "revision": revision})
    assert taken.status_code == 400 and "existe déjà dans ce brouillon" in taken.text
    assert f'value="{QUIZ}"' in taken.text  # the typed name stays in the form
    same = client.post(f"{BASE}/rename/{LESSON}", data={"new_path": LESSON, "revision": revision})
    assert same.status_code == 400 and "porte déjà ce nom" in unescape(same.text)
    outside = client.post(f"{BASE}/rename/{LESSON}",
                          data={"new_path": "../x.fr.md", "revision": revision})
    assert outside.status_code == 400 and "sort du dossier" in outside.text
    _save(client, LESSON, lambda t: t + "\nAjout d'un autre rédacteur.\n")
    stale = client.post(f"{BASE}/rename/{LESSON}", data={"new_path": new, "revision": revision})
    assert stale.status_code == 409 and "Quelqu'un d'autre a enregistré" in unescape(stale.text)
    assert _draft().file(new) is None

    current = _draft().file(LESSON).revision
    done = client.post(f"{BASE}/rename/{LESSON}",
                       data={"new_path": new, "revision": current})
    assert done.status_code == 302
    draft = _draft()
    assert draft.file(LESSON) is None and "Ajout d'un autre" in draft.file(new).text
    assert draft.file(new).revision == current + 1
    _structure, problems = svc.check_draft(draft)
    assert any(p.path == f"{CODE}/{LESSON}" for p in problems.warnings)  # fr missing now
    assert any(p.path == f"{CODE}/{new}" for p in problems.warnings)  # not in the manifest
    plan = client.get(f"{BASE}/publish")
    assert LESSON in plan.text and new in plan.text
    assert client.post(f"{BASE}/rename/manifest.yaml",
                       data={"new_path": "manifeste.yaml", "revision": 1}).status_code == 400
    record = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "authoring.file_renamed"))
    assert record.before == {"path": LESSON} and record.after["path"] == new


def test_delete_asks_first_refuses_a_stale_page_and_keeps_the_text_in_the_audit(draft, client):
    row = _draft().file(QUIZ)
    original, revision = row.text, row.revision
    page = client.get(f"{BASE}/delete/{QUIZ}")
    assert page.status_code == 200 and _draft().file(QUIZ) is not None  # asking deletes nothing
    form = re.search(r'<form method="post" action="([^"]+)">', page.text)
    assert form and form.group(1).endswith(f"/draft/delete/{QUIZ}")
    assert "Supprimer le fichier" in page.text and "Le garder" in page.text
    _save(client, QUIZ, lambda t: t + "\n")
    stale = client.post(f"{BASE}/delete/{QUIZ}", data={"revision": revision})
    assert stale.status_code == 409 and _draft().file(QUIZ) is not None
    current = _draft().file(QUIZ).revision
    assert client.post(f"{BASE}/delete/{QUIZ}",
                       data={"revision": current}).status_code == 302
    draft = _draft()
    assert draft.file(QUIZ) is None and len(draft.files) > 1
    _structure, problems = svc.check_draft(draft)
    assert any(p.path == f"{CODE}/{QUIZ}" and "quiz-principes" in str(p)
               for p in problems.warnings)  # the English file stands alone now
    record = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "authoring.file_deleted"))
    assert record.before["path"] == QUIZ and record.before["text"] == original + "\n"
    again = client.post(f"{BASE}/delete/{QUIZ}", data={"revision": current},
                        follow_redirects=True)
    assert "n'est plus dans ce brouillon" in unescape(again.text)
    assert client.post(f"{BASE}/delete/manifest.yaml",
                       data={"revision": 1}).status_code == 400
    assert _draft().file("manifest.yaml") is not None


def test_saving_a_file_someone_else_deleted_keeps_the_editors_text(draft, client, app):
    revision = _draft().file(LESSON).revision
    other = app.test_client()
    login(other, make_user(roles=("curriculum_editor",)))
    assert other.post(f"{BASE}/delete/{LESSON}", data={"revision": revision}).status_code == 302
    response = client.post(f"{BASE}/files/{LESSON}",
                           data={"text": "MES PROPRES MOTS", "revision": revision})
    assert response.status_code == 409 and "MES PROPRES MOTS" in response.text
    assert "n'est plus dans ce brouillon" in unescape(response.text)
    assert _draft().file(LESSON) is None


@pytest.mark.parametrize("roles", [("staff",), ("trainee",), ("trainer",)])
def test_only_editors_change_a_drafts_files(draft, app, roles):
    other = app.test_client()
    login(other, make_user(roles=roles))
    before = _draft().sources
    for url, data in ((f"{BASE}/new-file", {"path": "evaluations/x.fr.md", "start": "quiz"}),
                      (f"{BASE}/rename/{QUIZ}", {"new_path": "evaluations/x.fr.md",
                                                 "revision": 1}),
                      (f"{BASE}/delete/{QUIZ}", {"revision": 1})):
        assert other.post(url, data=data).status_code == 403
    assert _draft().sources == before


def test_file_changes_need_the_csrf_token(draft, client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    row = _draft().file(QUIZ)
    assert client.post(f"{BASE}/delete/{QUIZ}", data={"revision": row.revision}).status_code \
        == 400
    assert _draft().file(QUIZ) is not None


def test_a_name_taken_at_the_same_moment_is_refused_by_the_database(draft, monkeypatch):
    """Two editors add (or rename to) the same name at once: both passed the check, the
    database's unique path refuses the second with the same sentence, nothing half-written."""
    from lms.authoring import files
    from lms.authoring.models import Draft

    taken = "evaluations/examen.fr.md"
    files.add_file(draft, taken, "quiz")
    real_file = Draft.file
    monkeypatch.setattr(Draft, "file",  # the other editor's row is not seen by the check
                        lambda self, path: None if path == taken else real_file(self, path))
    with pytest.raises(svc.DraftError, match="existe déjà dans ce brouillon"):
        files.add_file(_draft(), taken, "lesson")
    revision = _draft().file(LESSON).revision
    with pytest.raises(svc.DraftError, match="existe déjà dans ce brouillon"):
        files.rename_file(_draft(), LESSON, taken, revision)
    monkeypatch.undo()
    draft = _draft()
    assert "kind: pre_test" in draft.file(taken).text and draft.file(LESSON) is not None
    assert db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.action.like("authoring.file_%"))).all() == ["authoring.file_added"]


def _form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(revision|draft)" value="([^"]*)"', html))


def test_a_page_of_a_discarded_draft_changes_nothing_in_the_new_one(draft, client):
    """Same files, same revisions, maybe the same id: only the draft's token tells them apart."""
    edit_form = _form_fields(client.get(f"{BASE}/files/{LESSON}").text)
    delete_form = _form_fields(client.get(f"{BASE}/delete/{LESSON}").text)
    assert edit_form["draft"] and edit_form["revision"] == "1"
    assert client.post(f"{BASE}/discard").status_code == 302
    assert client.post(BASE).status_code == 302  # a new draft, from the same published version
    new_text = _draft().file(LESSON).text

    response = client.post(f"{BASE}/files/{LESSON}", data={"text": "ANCIENNE PAGE", **edit_form})
    assert response.status_code == 409 and "ANCIENNE PAGE" in response.text
    assert "brouillon a été abandonné" in unescape(response.text)
    response = client.post(f"{BASE}/delete/{LESSON}", data=delete_form)
    assert response.status_code == 409
    row = _draft().file(LESSON)
    assert row is not None and row.text == new_text and row.revision == 1

    # The page shown again carries the new draft's token: saving now is deliberate, and works.
    again = _form_fields(response.text)
    assert again["draft"] != edit_form["draft"]
    assert client.post(f"{BASE}/files/{LESSON}",
                       data={"text": new_text + "\nSuite.\n", **again}).status_code == 302
