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


PHONE = {"width": 360, "height": 740}


def _href(page, selector: str) -> str:
    """The path a link on the current page points to (the first one matching)."""
    return page.get_attribute(selector, "href")


def _assert_fits(page, url: str) -> None:
    page.goto(url)
    assert page.locator("main h1").count() == 1, f"{url} did not open a page"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{url} scrolls sideways on a phone: {width} px wide"


@pytest.mark.browser
def test_key_pages_fit_a_360px_screen(page_as, axe_check, shot):
    # Staff pages, JavaScript off: reach each page through the links people follow.
    page = page_as("STAFF-001", viewport=PHONE, java_script_enabled=False)
    pages = ["/training/cohorts", "/training/programmes", "/training/sites",
             "/training/qualifications", "/training/cascade", "/assessment/",
             "/assessment/queue", "/assessment/statistics", "/curricula/", "/certificates",
             "/people/", "/reports/", "/reports/quarterly", "/reports/attendance", "/sync/",
             "/my/certificates"]
    for url in pages:
        _assert_fits(page, url)
    page.goto("/training/cohorts")
    cohort = _href(page, "main table a:has-text('Mbuji-Mayi')")  # Grâce Ilunga's class too
    page.goto(cohort)
    class_page, attendance = _href(page, "main a[href*='/classes/']"), _href(
        page, "main a[href$='/attendance']")
    trainee = _href(page, "main a[href*='/trainees/']")
    page.goto(class_page)
    register = _href(page, "main a[href$='/register']")
    sheet = _href(page, "main a[href$='/sheet']")
    page.goto("/assessment/")
    grading = _href(page, "main table a:has-text('Mbuji-Mayi')")
    page.goto(grading)
    gradebook, practicals = _href(page, "main a[href$='/gradebook']"), _href(
        page, "main a[href*='/practicals/']")
    page.goto("/assessment/statistics")
    statistics = _href(page, "main a[href*='/statistics/']")
    page.goto("/curricula/")
    version = _href(page, "main a[href*='/versions/']")
    page.goto("/certificates")
    certificates = _href(page, "main table a")
    page.goto("/people/")
    person = _href(page, "main table a")
    for url in (cohort, class_page, attendance, trainee, register, sheet, grading, gradebook,
                practicals, statistics, version, certificates, person):
        _assert_fits(page, url)
    page.goto(cohort)
    shot(page, "cohort-360")

    # The menu: one "Menu" button on a phone, opening every link without JavaScript.
    assert page.locator(".menu-wide").is_hidden()
    menu = page.locator(".menu-narrow nav")
    assert menu.is_hidden()
    page.click(".menu-narrow summary")
    assert menu.locator("a").count() >= 9 and menu.locator("a").last.is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(page, "menu-360")
    follow(page, ".menu-narrow nav a[href$='/people/']")
    assert "Personnes" in page.inner_text("main h1")

    # The same pages for the trainer and the admin's audit log; axe-core with the menu open.
    trainer = page_as("FORM-001", viewport=PHONE)
    for url in ("/", "/training/cohorts", cohort, class_page, attendance, register, grading,
                practicals):
        _assert_fits(trainer, url)
    trainer.goto(class_page)
    trainer.click(".menu-narrow summary")
    axe_check(trainer, "class page on a phone, menu open")
    admin = page_as("ADMIN-001", viewport=PHONE)
    _assert_fits(admin, "/people/audit")
    axe_check(admin, "audit log on a phone")
    shot(admin, "audit-360")
