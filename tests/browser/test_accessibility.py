"""WCAG 2.1 AA with axe-core on the key pages, and small screens without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.browser.conftest import follow, sign_in

QUIZ = "principes/quiz-principes"


@pytest.mark.browser
def test_key_pages_have_no_serious_accessibility_violations(new_page, axe_check, shot):
    page = new_page()
    page.goto("/login")
    axe_check(page, "login")
    page.fill("#login", "PNC-1003")
    page.fill("#password", "wrong-password")
    follow(page, "form.card [type=submit]")
    assert page.locator(".flash.error").count() == 1
    axe_check(page, "login with an error")
    shot(page, "login-error")

    sign_in(page, "PNC-1003")
    checked = {}
    checked["dashboard"] = axe_check(page, "dashboard")
    follow(page, ".card h2 a")
    checked["programme"] = axe_check(page, "programme")
    shot(page, "programme")
    follow(page, "a[href$='/principes/six-principes']")
    checked["lesson"] = axe_check(page, "lesson")
    page.go_back()
    follow(page, f"a[href$='/{QUIZ}']")
    checked["quiz start"] = axe_check(page, "quiz start")
    follow(page, "form[action$='/start'] button")
    # Every question type has its own controls: check each page of the attempt.
    total = page.locator(".qnav button").count()
    for number in range(1, total + 1):
        kind = page.get_attribute("input[name=question]", "value")
        checked[f"question {number}"] = axe_check(page, f"question {number} ({kind})")
        if page.locator("fieldset input[type=radio], fieldset input[type=checkbox]").count():
            page.check("fieldset input >> nth=0")
        else:
            page.fill("#answer", "2011")
        follow(page, "button[name=go][value='next']")
    checked["review"] = axe_check(page, "review")
    shot(page, "review")
    follow(page, "form[action$='/submit'] button")
    checked["result"] = axe_check(page, "result")
    shot(page, "result")
    page.goto("/learn/999999")
    checked["not found"] = axe_check(page, "not found")
    shot(page, "not-found")
    follow(page, "form[action$='/language'] button")
    page.goto("/")
    assert page.get_attribute("html", "lang") == "en"
    checked["dashboard in English"] = axe_check(page, "dashboard in English")
    assert len(checked) >= 12


@pytest.mark.browser
def test_lessons_and_quiz_fit_a_360_pixel_phone_screen(page_as, shot):
    page = page_as("PNC-1002", viewport={"width": 360, "height": 740})
    follow(page, ".card h2 a")
    programme = page.url
    lessons = [a.get_attribute("href") for a in page.locator(".items li a").all()
               if "lesson" in a.locator("xpath=..").inner_text().lower()
               or "leçon" in a.locator("xpath=..").inner_text().lower()]
    assert len(lessons) >= 6
    pages = ["/", programme, *lessons]
    for url in pages:
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{url} scrolls sideways on a phone: {width} px wide"
    shot(page, "lesson-360")
    page.goto(programme)
    follow(page, "a[href$='/partenariat/quiz-partenariat']")
    follow(page, "form[action$='/start'] button")
    for _ in range(page.locator(".qnav button").count()):
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{page.url} scrolls sideways on a phone: {width} px wide"
        follow(page, "button[name=go][value='next']")
    assert page.url.endswith("/review")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(page, "review-360")


@pytest.mark.browser
def test_axe_check_fails_on_a_page_with_serious_violations(new_page, axe_check):
    page = new_page()
    page.goto("/login")
    # Break the page the way a careless template would: an unlabelled field, grey on white.
    page.evaluate("""() => {
        document.querySelector('label[for=login]').remove();
        document.querySelector('h1').style.color = '#ccc';
    }""")
    with pytest.raises(AssertionError) as failure:
        axe_check(page, "broken login")
    assert "label" in str(failure.value) and "color-contrast" in str(failure.value)
