"""Exam day in Chromium without JavaScript: an early trainee waits on a page that moves on by
itself when the quiz opens; the trainer follows who has started."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import follow

QUIZ = "droits-humains/quiz-droits-humains"


@pytest.mark.browser
def test_an_early_trainee_is_let_in_by_the_waiting_page_itself(live_server, page_as, shot,
                                                               axe_check):
    page = page_as("PNC-1004", java_script_enabled=False)
    page.goto("/")
    live_server.seed("open-soon", "PNC-1004", QUIZ, "8")
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    assert page.url.endswith(f"/{QUIZ}/wait")
    assert "ouvre pour vous" in page.inner_text("main")
    shot(page, "waiting")
    # No click: the page's <meta http-equiv="refresh"> brings the quiz page once it is open.
    page.wait_for_url(re.compile(f"/{QUIZ}$"), timeout=30_000)
    follow(page, "form[action$='/start'] button")
    assert re.search(r"/attempt/\d+/1$", page.url)
    trainer = page_as("FORM-001")
    trainer.goto("/assessment/")
    follow(trainer, "main a[href*='/assessment/cohorts/']")
    follow(trainer, f"a[href$='/exam/{QUIZ}']")
    follow(trainer, f"a[href$='/exam/{QUIZ}/follow']")
    row = re.sub(r"\s+", " ", trainer.inner_text("tr:has-text('NGALULA')"))
    assert "commencé à" in row
    shot(trainer, "follow")
    follow(trainer, f".crumb a[href$='/exam/{QUIZ}']")
    axe_check(trainer, "exam day")  # (the two pages that refresh themselves are left out)
