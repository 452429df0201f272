"""From the home pages in Chromium: the trainer takes today's register and finds the grading
queue, staff reach the certificates ready to issue, and the README's pictures are made.

The README's screenshots (docs/screenshots/) are rewritten only with LMS_UPDATE_SCREENSHOTS=1, so
a test run never dirties the checkout; otherwise they go to a temporary folder and are checked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import follow
from tests.browser.liveserver import ROOT

README_SHOTS = ROOT / "docs" / "screenshots"
PICTURE = {"width": 900, "height": 620}


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    """Where the README's pictures go: the repository only when asked to update them."""
    if os.environ.get("LMS_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        return README_SHOTS
    return tmp_path_factory.mktemp("readme-screenshots")


def picture(page, folder: Path, name: str) -> Path:
    """A small PNG of what fits in the window (the top of the page), for the README."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000, path  # a real picture, not an empty page
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def text(page, selector: str = "main") -> str:
    return re.sub(r"\s+", " ", page.inner_text(selector))


@pytest.mark.browser
def test_trainer_starts_the_day_from_the_home_page(page_as, axe_check, shot, pictures):
    page = page_as("FORM-001", viewport=PICTURE)
    assert page.inner_text("h1") == "Accueil"
    meetings = text(page, "#home-meetings")
    assert re.search(r"\d+ séances? de classe aujourd'hui", meetings), meetings
    assert "2 de vos stagiaires sont en danger" in text(page, "#home-risk")
    axe_check(page, "trainer home")
    shot(page, "trainer-home")
    picture(page, pictures, "trainer-home")

    # Today's register, straight from the home page: everyone present by default.
    follow(page, "#home-meetings a:text('Faire l\\'appel')")
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 20
    assert page.locator("table.register input[value=present]:checked").count() == 20
    rows.filter(has_text="Esther KALALA").locator("input[value=absent]").check()
    follow(page, "main form button.primary")
    page.goto("/")
    assert "Appel fait (le corriger)" in text(page, "#home-meetings")

    # The answers waiting for grading: the count on the home page is the queue's.
    waiting = int(re.search(r"\d+", page.inner_text("#home-grading")).group())
    follow(page, "#home-grading a")
    assert page.url.endswith("/assessment/queue")
    assert int(re.search(r"\d+", page.inner_text(".left")).group()) == waiting

    # A trainee at risk, and why: the link opens their page.
    page.goto("/")
    follow(page, "#home-risk li a >> nth=0")
    assert "/trainees/" in page.url
    shot(page, "trainee-at-risk")


@pytest.mark.browser
def test_staff_and_admin_homes_lead_to_the_work(page_as, new_page, axe_check, shot, pictures):
    page = page_as("STAFF-001")
    assert "cohortes en cours" in text(page, "#home-running")
    assert "Lab Mbuji-Mayi" in text(page, "#home-labs")
    axe_check(page, "staff home")
    shot(page, "staff-home")
    follow(page, "#home-certificates a >> nth=0")
    assert page.locator("table.eligibility .badge.ok").count() >= 1  # someone to certify
    # A certificate as anyone checking it sees it (the README's picture).
    serial = page.locator("table.eligibility a[href*='/certificates/']:not([href$='.pdf'])")
    follow(page, f"main a:text-is('{serial.first.inner_text()}')")
    follow(page, "main a[href*='/v/']")
    assert page.locator(".verdict").count() == 1
    public = new_page(viewport=PICTURE)  # as anyone checking it sees it, signed out
    public.goto(page.url)
    assert public.locator(".verdict.ok").count() == 1
    picture(public, pictures, "certificate")

    admin = page_as("ADMIN-001")
    assert "Certificat révoqué" in text(admin, "#home-audit")
    assert 'id="home-staff"' in admin.content()
    axe_check(admin, "admin home")
    shot(admin, "admin-home")


@pytest.mark.browser
def test_the_trainee_question_page_picture(page_as, pictures):
    page = page_as("PNC-1003", viewport=PICTURE)
    follow(page, ".card h2 a")
    follow(page, "a[href$='/principes/quiz-principes']")
    follow(page, "form[action$='/start'] button")
    assert page.locator("input[name=question]").count() == 1
    picture(page, pictures, "trainee-question")
