"""Drafts from the browser: edit with revisions, check, preview, publish with the CLI's hash."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.audit import AuditRecord
from lms.authoring import services as svc
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from tests.conftest import login, make_programme_folder, make_user, publish

CODE = "police-de-proximite"
QUIZ = "modules/principes/quiz-principes.fr.md"
QUIZ_EN = "modules/principes/quiz-principes.en.md"


def swap_first_answer(client, draft, path: str, right: str, wrong: str) -> str:
    """Save `path` with the right answer of pr1 moved from `right` to `wrong`; the new text."""
    row = draft.file(path)
    text = row.text.replace(f"- [x] {right}", f"- [ ] {right}", 1).replace(
        f"- [ ] {wrong}", f"- [x] {wrong}", 1)
    assert text != row.text
    response = client.post(f"/authoring/{CODE}/draft/files/{path}",
                           data={"text": text, "revision": row.revision})
    assert response.status_code == 302
    return text


def _editor(client):
    editor = make_user(roles=("curriculum_editor",), locale="en")
    login(client, editor)
    return editor


def _open_draft(client):
    response = client.post(f"/authoring/{CODE}/draft")
    assert response.status_code == 302
    return svc.get_draft(CODE)


def test_only_editors_and_admins_reach_authoring(app, client):
    publish()
    for roles, status in ((("staff",), 403), (("trainee",), 403),
                          (("curriculum_editor",), 200), (("admin",), 200)):
        user = make_user(roles=roles)
        other = app.test_client()
        login(other, user)
        assert other.get("/authoring/").status_code == status, roles


def test_edit_check_and_preview_a_quiz_in_both_languages(app, client):
    publish()
    _editor(client)
    draft = _open_draft(client)
    row = draft.file(QUIZ)
    revision = row.revision
    page = client.get(f"/authoring/{CODE}/draft/files/{QUIZ}")
    assert page.status_code == 200 and "Lequel de ces énoncés" in page.text
    broken = row.text.replace("type: single", "type: nonsense", 1)
    response = client.post(f"/authoring/{CODE}/draft/files/{QUIZ}",
                           data={"text": broken, "revision": revision},
                           follow_redirects=True)
    assert f"{CODE}/{QUIZ}:" in response.text  # the checker's problem, with file and line
    fixed = broken.replace("type: nonsense", "type: single").replace(
        "Lequel de ces énoncés", "Laquelle de ces phrases")
    client.post(f"/authoring/{CODE}/draft/files/{QUIZ}",
                data={"text": fixed.replace("\n", "\r\n"), "revision": revision + 1})
    preview = client.get(f"/authoring/{CODE}/draft/preview/{QUIZ}")
    assert preview.status_code == 200
    assert "Laquelle de ces phrases" in preview.text  # French, as edited
    assert 'id="preview-en"' in preview.text and 'id="preview-fr"' in preview.text
    assert "Which statement best describes" in preview.text  # and English
    assert 'class="correct"' in preview.text  # answers shown to the editor
    assert "\r" not in svc.get_draft(CODE).file(QUIZ).text


def test_a_stale_save_is_refused_and_keeps_the_editors_text(app, client):
    publish()
    _editor(client)
    draft = _open_draft(client)
    row = draft.file(QUIZ)
    text, revision = row.text, row.revision
    first = client.post(f"/authoring/{CODE}/draft/files/{QUIZ}",
                        data={"text": text + "\nA\n", "revision": revision})
    assert first.status_code == 302
    second = client.post(f"/authoring/{CODE}/draft/files/{QUIZ}",
                         data={"text": text + "\nMY OWN WORDS\n", "revision": revision})
    assert second.status_code == 409
    assert "MY OWN WORDS" in second.text and "Someone else saved" in second.text
    db.session.expire_all()
    assert svc.get_draft(CODE).file(QUIZ).text.endswith("\nA\n")


def test_drafts_are_never_shown_to_trainees(app, client):
    from tests.conftest import make_cohort, make_enrolment

    version = publish()
    enrolment = make_enrolment(cohort=make_cohort(version))
    _editor(client)
    draft = _open_draft(client)
    row = draft.file(QUIZ)
    client.post(f"/authoring/{CODE}/draft/files/{QUIZ}",
                data={"text": row.text.replace("Lequel de ces énoncés", "DRAFT WORDING"),
                      "revision": row.revision})
    trainee = app.test_client()
    login(trainee, enrolment.user)
    page = trainee.get(f"/learn/{enrolment.id}/principes/quiz-principes")
    assert page.status_code == 200 and "DRAFT WORDING" not in page.text
    assert trainee.get(f"/authoring/{CODE}/draft").status_code == 403


def test_publish_suggests_a_patch_and_gives_the_cli_hash(app, client, runner, tmp_path):
    base = publish()
    _editor(client)
    draft = _open_draft(client)
    # Correct an answer in both languages: the right choice moves from the first to the second.
    text = swap_first_answer(client, draft, QUIZ, "Une manière", "Une unité spéciale")
    swap_first_answer(client, draft, QUIZ_EN, "A way of", "A special unit")
    plan = client.get(f"/authoring/{CODE}/draft/publish")
    assert 'value="1.0.1"' in plan.text and "answer key changed" in plan.text
    response = client.post(f"/authoring/{CODE}/draft/publish", data={"version": "1.0.1"})
    assert response.status_code == 302
    web = db.session.scalar(select(CurriculumVersion).where(CurriculumVersion.version == "1.0.1"))
    assert web is not None and svc.get_draft(CODE) is None
    assert web.sources[QUIZ] == text and 'version: "1.0.1"' in web.sources["manifest.yaml"]
    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "curriculum.publish", AuditRecord.actor_id.is_not(None)))
    # The same folder through the command line gives the same hash.
    folder = make_programme_folder(tmp_path)
    for path, source in web.sources.items():
        (folder / path).write_text(source, encoding="utf-8")
    from lms.curricula.parser import content_hash, read_sources

    assert content_hash(read_sources(folder)) == web.content_hash != base.content_hash
    result = runner.invoke(args=["lms", "curricula", "publish", str(folder)])
    assert result.exit_code == 0 and web.content_hash[:12] in result.output, result.output
    assert len(db.session.scalars(select(CurriculumVersion)).all()) == 2  # nothing new


def test_adding_a_question_suggests_a_minor_version(app, client):
    publish()
    _editor(client)
    draft = _open_draft(client)
    for path, words in ((QUIZ, "La police écoute.\n\n- [x] Vrai\n- [ ] Faux"),
                        (QUIZ_EN, "The police listen.\n\n- [x] True\n- [ ] False")):
        row = draft.file(path)
        extra = f"\n## Question pr99\ntype: truefalse\npoints: 1\n\n{words}\n"
        client.post(f"/authoring/{CODE}/draft/files/{path}",
                    data={"text": row.text + extra, "revision": row.revision})
    plan = client.get(f"/authoring/{CODE}/draft/publish")
    assert 'value="1.1.0"' in plan.text and "question added" in plan.text


def test_publishing_a_draft_with_errors_is_refused(app, client):
    publish()
    _editor(client)
    draft = _open_draft(client)
    row = draft.file("manifest.yaml")
    client.post(f"/authoring/{CODE}/draft/files/manifest.yaml",
                data={"text": row.text + "\nmodules: [: broken\n", "revision": row.revision})
    response = client.post(f"/authoring/{CODE}/draft/publish", data={"version": "1.0.1"})
    assert response.status_code == 200
    assert db.session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.version == "1.0.1")) is None
    assert svc.get_draft(CODE) is not None


def test_the_preview_shows_matching_pairs_as_a_two_column_list(app, client):
    from tests.conftest import CURRICULA

    publish(CURRICULA / "police-des-frontieres")
    _editor(client)
    code = "police-des-frontieres"
    client.post(f"/authoring/{code}/draft")
    path = "modules/droits-humains-frontiere/quiz-droits-humains.fr.md"
    page = client.get(f"/authoring/{code}/draft/preview/{path}")
    assert page.status_code == 200
    assert '"answer"' not in page.text and "&#34;answer&#34;" not in page.text  # no raw JSON
    row = re.search(r"<tr><td>Une voyageuse doit être fouillée au corps</td>"
                    r"<td>(.*?)</td></tr>", page.text)
    assert row and "Faire faire la fouille par une femme" in row.group(1)
    assert "<th scope=\"col\">Item</th><th scope=\"col\">Right answer</th>" in page.text
    # The wrong answer offered with no item is listed apart, in English for this editor.
    extra = page.text.split("Also offered, matching no item:", 1)[1].split("</ul>", 1)[0]
    assert "Le reconduire aussitôt" in extra and "Faire faire la fouille" not in extra
    english = page.text.split('id="preview-en"', 1)[1]
    assert "Have a woman officer search her" in english and "Send them straight back" in english
