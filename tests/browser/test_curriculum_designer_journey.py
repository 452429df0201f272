"""A curriculum designer with only a browser corrects a quiz answer, adds, renames and deletes a
file, previews the quiz in French and English, publishes the suggested version, moves the next
intake to it and downloads the folder."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import follow

DESIGNER = "EDIT-001"
INTAKE = "Prochaine promotion de Mbuji-Mayi (2027)"
QUIZ = "modules/principes/quiz-principes.{lang}.md"


def correct_answer(page, lang: str, right: str, wrong: str) -> None:
    """Open the quiz file, move the right answer of pr1 from `right` to `wrong`, save."""
    follow(page, f"main a[href$='/draft/files/{QUIZ.format(lang=lang)}']")
    text = page.input_value("#text")
    assert f"- [x] {right}" in text
    page.fill("#text", text.replace(f"- [x] {right}", f"- [ ] {right}", 1)
              .replace(f"- [ ] {wrong}", f"- [x] {wrong}", 1))
    follow(page, "main form button")
    assert page.locator(".flash.success").count() == 1
    follow(page, "main .crumb a")


def add_rename_and_delete_a_file(page, axe_check) -> None:
    """On the draft page: add a lesson file, rename it, then delete it after the question."""
    page.fill("#new-path", "modules/principes/essai.fr.md")
    page.select_option("#new-start", "lesson")
    follow(page, "main form[action$='/draft/new-file'] button")
    assert page.locator(".flash.success").count() == 1
    assert "title: essai" in page.input_value("#text")
    follow(page, "main .crumb a")
    follow(page, "main a[href$='/draft/rename/modules/principes/essai.fr.md']")
    page.fill("#new_path", "modules/principes/essai-2.fr.md")
    follow(page, "main form button")
    assert page.locator(".flash.success").count() == 1
    follow(page, "main a[href$='/draft/delete/modules/principes/essai-2.fr.md']")
    axe_check(page, "delete a draft file")
    follow(page, "main form button")
    assert page.locator(".flash.success").count() == 1
    assert page.locator("main a[href*='essai']").count() == 0


@pytest.mark.browser
def test_designer_corrects_previews_publishes_moves_an_intake_and_downloads(
        live_server, page_as, axe_check, shot):
    live_server.seed("make-designer", DESIGNER, INTAKE)
    page = page_as(DESIGNER)
    follow(page, "header nav a[href$='/authoring/']")
    shot(page, "authoring")
    follow(page, "main form[action$='/police-de-proximite/draft'] button")
    shot(page, "draft")
    correct_answer(page, "fr", "Une manière", "Une unité spéciale")
    correct_answer(page, "en", "A way of", "A special unit")
    assert page.locator("main .problems .error").count() == 0
    problems = page.locator("main .problems li").all_inner_texts()
    add_rename_and_delete_a_file(page, axe_check)
    assert page.locator("main .problems li").all_inner_texts() == problems  # as before

    follow(page, f"main a[href$='/draft/preview/{QUIZ.format(lang='fr')}']")
    for lang, words in (("fr", "Une unité spéciale"), ("en", "A special unit")):
        right = page.locator(f"#preview-{lang} li.correct").first.inner_text()
        assert words in right, (lang, right)
    shot(page, "preview")
    axe_check(page, "quiz preview")

    page.goto("/authoring/police-de-proximite/draft/publish")
    assert page.input_value("#version") == "1.0.1"  # a corrected answer: a patch
    shot(page, "publish")
    follow(page, "main form button")
    assert page.locator(".flash.success").count() == 1

    follow(page, "header nav a[href$='/authoring/']")
    row = page.locator("main ul.cohorts li", has_text=INTAKE)
    with page.expect_navigation():
        row.locator("a").click()
    page.select_option("#version", label=page.locator("#version option",
                                                      has_text="1.0.1").inner_text())
    follow(page, "main form[method=get] button")
    assert page.locator("main ul.changes code", has_text="pr1").count() == 2  # fr and en
    shot(page, "move-intake")
    follow(page, "main form[method=post] button")
    assert "1.0.1" in page.inner_text(".flash.success")

    follow(page, "header nav a[href$='/authoring/']")
    assert "1.0.1" in page.locator("main ul.cohorts li", has_text=INTAKE).inner_text()
    with page.expect_download() as info:
        page.locator("main li", has_text="1.0.1").locator("a[href$='.zip']").first.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    manifest = archive.read("police-de-proximite/manifest.yaml").decode()
    assert 'version: "1.0.1"' in manifest
    quiz = archive.read("police-de-proximite/" + QUIZ.format(lang="fr")).decode()
    assert "- [x] Une unité spéciale" in quiz
