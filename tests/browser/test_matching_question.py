"""A trainee answers a matching question in Chromium by keyboard: each drop-down list is
labelled by its item, a choice is saved as soon as it is made, and the pairs score per pair."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser.conftest import follow, sign_in
from tests.browser.liveserver import ROOT, LiveServer
from tests.learning.test_matching import MATCHING, QUIZ

PAIRS = {"Scanning": "Repérer le problème", "Analysis": "Comprendre ses causes",
         "Response": "Punir les responsables"}  # the last one wrong on purpose


@pytest.fixture(scope="module")
def server(browser, tmp_path_factory):
    """The app under gunicorn on the demo data, with a matching question in the first quiz."""
    work = tmp_path_factory.mktemp("live-matching")
    curricula = work / "curricula"
    shutil.copytree(ROOT / "curricula", curricula)
    for lang, text in MATCHING.items():
        path = curricula / "police-de-proximite" / QUIZ.format(lang)
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    live = LiveServer(work / "server")
    live.env["LMS_CURRICULA_DIR"] = str(curricula)
    with live:
        yield live
        assert "Traceback" not in live.log(), live.log()


@pytest.mark.browser
def test_trainee_pairs_items_by_keyboard_and_the_choice_survives_a_reload(browser, server,
                                                                           shot, axe_check):
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "PNC-1001")
    follow(page, ".card h2 a")
    follow(page, "a[href$='/principes/quiz-principes']")
    follow(page, "form[action$='/start'] button")
    while page.get_attribute("input[name=question]", "value") != "sara":
        follow(page, "button[name=go][value='next']")
    number = re.search(r"/(\d+)$", page.url).group(1)
    for item, answer in PAIRS.items():
        select = page.get_by_label(item, exact=True)  # the item text labels its list
        assert select.evaluate("e => e.tagName") == "SELECT"
        select.focus()
        page.keyboard.type(answer[:6])  # type-ahead, as a keyboard user picks an option
        assert select.evaluate("e => e.selectedOptions[0].textContent") == answer
    page.wait_for_function("() => document.getElementById('save-status').textContent"
                           " === 'Réponse enregistrée.'")
    shot(page, "matching-answered")
    axe_check(page, "matching question")
    page.reload()  # saved by JavaScript as each choice was made, without pressing Save
    for item, answer in PAIRS.items():
        chosen = page.get_by_label(item, exact=True).evaluate(
            "e => e.selectedOptions[0].textContent")
        assert chosen == answer
    assert page.locator(f".qnav button[value='{number}'].answered").count() == 1

    follow(page, "button[name=go][value='review']")
    follow(page, "form[action$='/submit'] button")
    assert page.url.endswith("/result")
    row = page.locator("table.pairs-review tr", has_text="Response")
    assert "faux" in row.inner_text() and "Agir avec les partenaires" in row.inner_text()
    assert page.locator("table.pairs-review .badge.ok").count() == 2
    shot(page, "matching-result")
    context.close()
