"""A trainee does a module end to end in Chromium: French lesson, keyboard-only quiz, score."""

from __future__ import annotations

import html
import re

import pytest

from lms.curricula.parser import load_programme
from tests.browser.conftest import follow, sign_in
from tests.browser.liveserver import ROOT

PROGRAMME = ROOT / "curricula" / "police-de-proximite"
QUIZ = "principes/quiz-principes"
LESSON = "principes/six-principes"


@pytest.fixture(scope="module")
def quiz():
    """The French quiz as published, to know the right answers."""
    structure = load_programme(PROGRAMME)
    return {q["id"]: q for q in structure["assessments"][QUIZ]["fr"]["questions"]}


def tab_to(page, selector: str, limit: int = 60):
    """Press Tab until the focused element matches `selector` (the keyboard user's way)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def focused_value(page) -> str:
    return page.evaluate("() => document.activeElement.value")


def _plain(html_text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", html_text)).split())


def right_values(page, question: dict) -> set[str]:
    """The form values of the right choices, found by their text: the values are opaque."""
    texts = {_plain(c["html"]) for c in question["choices"] if c["correct"]}
    pairs = page.eval_on_selector_all(
        "label.choice", "els => els.map(e => [e.querySelector('input').value, e.innerText])")
    return {value for value, text in pairs if " ".join(text.split()) in texts}


def answer_by_keyboard(page, question: dict) -> None:
    """Give the right answer to the shown question with Tab, Space, arrows and typing only."""
    kind = question["type"]
    if kind in ("single", "truefalse"):
        (right,) = right_values(page, question)
        tab_to(page, "fieldset input[type=radio]")
        page.keyboard.press("Space")
        for _ in range(len(question["choices"])):
            if focused_value(page) == right:
                break
            page.keyboard.press("ArrowDown")
        assert page.is_checked(f"input[type=radio][value='{right}']")
    elif kind == "multiple":
        right = right_values(page, question)
        for _ in question["choices"]:
            tab_to(page, "fieldset input[type=checkbox]")
            checked = page.evaluate("() => document.activeElement.checked")
            if checked != (focused_value(page) in right):
                page.keyboard.press("Space")
        ticked = page.eval_on_selector_all("input[type=checkbox]:checked",
                                           "els => els.map(e => e.value)")
        assert set(ticked) == right
    else:
        text = question["accepted"][0] if kind == "short" else f"{question['answer']:g}"
        tab_to(page, "#answer")
        page.keyboard.type(text)


def save_and_next(page, go: str = "next") -> None:
    """Tab to a Save button and press Enter; wait for the next page."""
    with page.expect_navigation():
        tab_to(page, f"button[name=go][value='{go}']")
        page.keyboard.press("Enter")


def shown_question(page) -> str:
    return page.get_attribute("input[name=question]", "value")


def answered_count(page) -> int:
    return page.locator(".qnav button.answered").count()


@pytest.mark.browser
def test_trainee_does_a_module_by_keyboard_with_a_reload_and_a_closed_browser(
        new_page, quiz, shot):
    page = new_page()
    page.goto("/login")
    assert page.get_attribute("html", "lang") == "fr"  # French by default, whatever the browser
    shot(page, "login")
    sign_in(page, "PNC-1001")
    shot(page, "dashboard")

    follow(page, ".card h2 a")
    assert page.inner_text("h1") == "Police de proximité"
    shot(page, "programme")

    follow(page, f"a[href$='/{LESSON}']")
    lesson = page.locator("article.lesson")
    assert lesson.get_attribute("lang") == "fr"
    assert "proximité" in lesson.inner_text()
    shot(page, "lesson")

    page.go_back()
    follow(page, f"a[href$='/{QUIZ}']")
    shot(page, "quiz-start")
    with page.expect_navigation():
        tab_to(page, "form[action$='/start'] button")
        page.keyboard.press("Enter")
    attempt_url = re.search(r"/attempt/(\d+)/", page.url)
    assert attempt_url, page.url
    total = len(quiz)
    half = (total + 1) // 2

    # First half, keyboard only; a reload in the middle keeps what was answered (JavaScript
    # saves a choice as soon as it is made, the Save button saves it without JavaScript).
    given: dict[str, list[str]] = {}
    for number in range(1, half + 1):
        question = quiz[shown_question(page)]
        answer_by_keyboard(page, question)
        given[question["id"]] = page.eval_on_selector_all(
            "fieldset input:checked, #answer", "els => els.map(e => e.value)")
        if number == 2:
            if question["type"] in ("single", "truefalse", "multiple"):
                page.wait_for_function(
                    "() => document.getElementById('save-status').textContent.trim() !== '' "
                    "&& !/…/.test(document.getElementById('save-status').textContent)")
            else:
                save_and_next(page, str(number))  # save and stay on this question
            shot(page, "before-reload")
            page.reload()
            assert shown_question(page) == question["id"]
            kept = page.eval_on_selector_all("fieldset input:checked, #answer",
                                             "els => els.map(e => e.value)")
            assert kept == given[question["id"]]
            assert answered_count(page) == 2
            shot(page, "after-reload")
        save_and_next(page)
    assert answered_count(page) == half
    shot(page, "half-answered")
    page.context.close()  # the browser is closed (power cut, the trainee walks away)

    # A new browser: sign in again and resume the same attempt where it stopped.
    page = new_page()
    sign_in(page, "PNC-1001")
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    with page.expect_navigation():
        tab_to(page, "form[action$='/start'] button")
        page.keyboard.press("Enter")
    assert f"/attempt/{attempt_url.group(1)}/1" in page.url
    assert answered_count(page) == half
    first = shown_question(page)
    assert page.eval_on_selector_all("fieldset input:checked, #answer",
                                     "els => els.map(e => e.value)") == given[first]
    shot(page, "resumed")

    with page.expect_navigation():
        tab_to(page, f".qnav button[value='{half + 1}']")
        page.keyboard.press("Enter")
    for _number in range(half + 1, total + 1):
        answer_by_keyboard(page, quiz[shown_question(page)])
        save_and_next(page)
    assert page.url.endswith("/review")
    assert f"{total} " in page.inner_text("main")
    assert page.locator("ol.review strong").count() == 0  # nothing left unanswered
    shot(page, "review")

    with page.expect_navigation():
        tab_to(page, "form[action$='/submit'] button")
        page.keyboard.press("Enter")
    assert page.url.endswith("/result")
    points = sum(q["points"] for q in quiz.values())
    assert f"{points:g} / {points:g}" in page.inner_text(".score")
    assert page.locator(".score .badge.ok").count() == 1
    shot(page, "result")


@pytest.mark.browser
def test_quiz_works_with_javascript_off(new_page, quiz, shot):
    page = new_page(java_script_enabled=False)
    sign_in(page, "PNC-1002")
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    follow(page, "form[action$='/start'] button")
    question = quiz[shown_question(page)]
    assert answered_count(page) == 0
    if question["type"] in ("single", "truefalse", "multiple"):
        page.check("fieldset input >> nth=0")
    else:
        page.fill("#answer", "2011")
    given = page.eval_on_selector_all("fieldset input:checked, #answer",
                                      "els => els.map(e => e.value)")
    shot(page, "answered-without-javascript")
    follow(page, "button[name=go][value='next']")
    assert page.url.endswith("/2")
    assert answered_count(page) == 1
    follow(page, ".qnav button[value='1']")
    assert page.eval_on_selector_all("fieldset input:checked, #answer",
                                     "els => els.map(e => e.value)") == given
    assert page.locator("#countdown").is_hidden()
    shot(page, "saved-without-javascript")


@pytest.mark.browser
def test_save_button_waits_for_the_autosave_in_flight(page_as):
    """A late autosave of an older answer must never overwrite what the Save button sent."""
    page = page_as("PNC-1005")
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    follow(page, "form[action$='/start'] button")
    while not page.locator("fieldset input[type=checkbox]").count():
        follow(page, "button[name=go][value='next']")
    number = re.search(r"/(\d+)$", page.url).group(1)
    events: list[tuple[str, str]] = []
    page.on("request", lambda r: events.append(("sent", r.url)) if r.method == "POST" else None)
    page.on("response",  # the server answers an autosave once the answer is stored
            lambda r: events.append(("done", r.url)) if r.request.method == "POST" else None)
    with page.expect_navigation():
        # In one go, as a quick hand would: two ticks (two autosaves), then save and stay.
        page.evaluate("""number => {
            const boxes = document.querySelectorAll('fieldset input[type=checkbox]');
            boxes[0].click(); boxes[1].click();
            document.querySelector(`.qnav button[value='${number}']`).click();
        }""", number)
    sent = [i for i, (kind, url) in enumerate(events) if kind == "sent" and "autosave" in url]
    done = [i for i, (kind, url) in enumerate(events) if kind == "done" and "autosave" in url]
    posted = next(i for i, (kind, url) in enumerate(events)
                  if kind == "sent" and "autosave" not in url)
    # Every autosave was answered before the form was sent (none cut off by the navigation).
    assert sent and len(done) == len(sent) and all(i < posted for i in done), events
    page.reload()
    assert page.url.endswith(f"/{number}")
    assert page.locator("fieldset input[type=checkbox]:checked").count() == 2


@pytest.mark.browser
def test_on_a_phone_the_time_shows_a_typed_answer_saves_on_leaving_and_nothing_leaks(
        page_as, quiz, shot):
    page = page_as("PNC-1006", viewport={"width": 360, "height": 740})
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    follow(page, "form[action$='/start'] button")
    # The time left is in sight, above the question and its buttons.
    timer = page.locator("#countdown").bounding_box()
    assert page.locator("#countdown").is_visible() and timer["y"] + timer["height"] <= 740
    assert timer["y"] < page.locator("fieldset").bounding_box()["y"]
    assert timer["y"] < page.locator(".qnav").bounding_box()["y"]
    shot(page, "question-360")

    # The page source gives no hint of the answer: choice values are opaque, never positions.
    for _number in range(1, len(quiz) + 1):
        values = page.eval_on_selector_all("fieldset input[type=radio], fieldset "
                                           "input[type=checkbox]", "els => els.map(e => e.value)")
        assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in values), values
        if page.locator("#answer").count():
            break
        follow(page, "button[name=go][value='next']")
    # A typed answer: "Saving…" from the first key until the server has it, sent on leaving.
    page.click("#answer")
    page.keyboard.type("18")
    assert page.inner_text("#save-status") == "Enregistrement…"
    page.keyboard.press("Tab")  # leaves the field: saved now, without waiting
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent === 'Réponse enregistrée.'")
    page.reload()
    assert page.input_value("#answer") == "18"
    shot(page, "typed-answer-saved-360")
