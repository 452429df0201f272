"""Real-browser fixtures: Debian's Chromium via Playwright against the app under gunicorn.

Use `live_server` (the running app, demo data loaded), `page_as(login)` (a fresh browser context
signed in as a demo user), `new_page()` (signed out), `shot(page, "step")` (a screenshot in
test-artifacts/screenshots/<test>/) and `axe_check(page)` (axe-core; fails on serious or critical
violations). Journeys for trainers and staff add a test file here and reuse them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.browser.liveserver import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer

DEMO_PASSWORD = "demo-pass-2026"
SCREENSHOTS = Path(os.environ.get("LMS_SCREENSHOTS_DIR", ROOT / "test-artifacts" / "screenshots"))
AXE_CORE = Path(os.environ.get("AXE_CORE_PATH",
                               ROOT / "tests" / "browser" / "node_modules" / "axe-core" /
                               "axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_taken: list[Path] = []


def _unavailable(reason: str):
    """Skip on a developer machine; under CI a missing browser or tool is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched once per test session."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing: pip install '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(browser, tmp_path_factory):
    """The real app (gunicorn, 2 workers) on a fresh SQLite file seeded by `flask lms demo`."""
    with LiveServer(tmp_path_factory.mktemp("live")) as server:
        yield server
        errors = [line for line in server.log().splitlines() if "Traceback" in line]
        assert not errors, "the server logged errors:\n" + server.log()


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (a fresh profile each: no cookies, empty cache); closed after."""
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context):
    """A signed-out page in its own context (`new_page(java_script_enabled=False)` and so on)."""
    def make(**options):
        return new_context(**options).new_page()

    return make


def sign_in(page, login: str, password: str = DEMO_PASSWORD) -> None:
    """Fill and send the sign-in form; wait until the user is signed in."""
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    follow(page, "form.card [type=submit]")
    page.wait_for_selector("form[action$='/logout']")


def follow(page, selector: str) -> None:
    """Click a link or button that loads a new page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def page_as(new_page):
    """`page_as("PNC-1001")`: a new browser context signed in as that demo user."""
    def make(login: str, password: str = DEMO_PASSWORD, **options):
        page = new_page(**options)
        sign_in(page, login, password)
        return page

    return make


@pytest.fixture
def shot(request):
    """`shot(page, "name")` saves a full-page screenshot of the step, numbered in order."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    count = 0

    def take(page, name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        _taken.append(path)
        return path

    return take


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry (see .ci/run)."""
    if not AXE_CORE.exists():
        _unavailable(f"axe-core is missing at {AXE_CORE}: "
                     "npm install --prefix tests/browser axe-core@4 (or set AXE_CORE_PATH)")
    return AXE_CORE.read_text(encoding="utf-8")


@pytest.fixture
def axe_check(axe_source):
    """Run axe-core (WCAG 2.1 A/AA and best practices) on the page; fail on serious/critical."""
    def check(page, name: str) -> list[dict]:
        # page.evaluate runs outside the page's Content-Security-Policy.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        violations = result["violations"]
        blocking = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not blocking, f"axe-core on {name} ({page.url}):\n" + json.dumps(
            [{"id": v["id"], "impact": v["impact"], "help": v["help"],
              "nodes": [n["target"] for n in v["nodes"]][:5],
              "summary": v["nodes"][0].get("failureSummary")} for v in blocking], indent=1,
            ensure_ascii=False)
        return violations

    return check


def pytest_terminal_summary(terminalreporter):
    """Say where the screenshots are, so a person looks at them."""
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_taken)} screenshots in {SCREENSHOTS}")


def choice_input(page, choice: dict):
    """The radio or checkbox of a choice, found by its text: choice values are opaque."""
    import html

    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", choice["html"])).split())
    label = page.locator("label.choice").filter(
        has_text=re.compile(rf"^\s*{re.escape(plain)}\s*$"))
    return label.locator("input")
