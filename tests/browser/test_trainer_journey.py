"""A trainer in Chromium: takes and corrects a class register, prints the paper sheet, grades
essays with the keyboard, records a practical with the rubric and releases the grades."""

from __future__ import annotations

import re

import pytest

from lms.curricula.parser import load_programme
from tests.browser.conftest import choice_input, follow
from tests.browser.liveserver import ROOT

PROGRAMME = ROOT / "curricula" / "police-de-proximite"
QUIZ = "resolution-problemes/quiz-resolution-problemes"
PRACTICAL = "principes/accueil-plainte"
ESSAYS = {
    "PNC-1001": "Au marché de Bakwa Dianga, les vols de téléphones se répètent le soir. "
                "Je repère les plaintes, j'analyse victimes, auteurs et lieu, je propose un "
                "éclairage avec le CLSP et je compare les plaintes avant et après.",
    "PNC-1004": "Les bagarres devant les débits de boissons à Kampemba.",
}


@pytest.fixture(scope="module")
def quiz():
    """The French quiz as published, to know the right answers."""
    structure = load_programme(PROGRAMME)
    return {q["id"]: q for q in structure["assessments"][QUIZ]["fr"]["questions"]}


def text(page, selector: str = "main") -> str:
    """The visible text, with runs of white space made single spaces."""
    return re.sub(r"\s+", " ", page.inner_text(selector))


def first_number(page, selector: str) -> int:
    """The first whole number in an element's text (the same in French and English)."""
    return int(re.search(r"\d+", page.inner_text(selector)).group())


def submit_quiz_with_an_essay(page, quiz: dict, essay: str) -> None:
    """As a signed-in trainee: open the quiz from the programme, answer everything, submit."""
    page.goto("/")
    follow(page, ".card h2 a")
    follow(page, f"a[href$='/{QUIZ}']")
    follow(page, "form[action$='/start'] button")
    for _ in quiz:
        question = quiz[page.get_attribute("input[name=question]", "value")]
        kind = question["type"]
        if kind in ("single", "truefalse", "multiple"):
            for choice in question["choices"]:
                if choice["correct"]:
                    choice_input(page, choice).check()
        elif kind == "short":
            page.fill("#answer", question["accepted"][0])
        elif kind == "numeric":
            page.fill("#answer", f"{question['answer']:g}")
        else:
            page.fill("#answer", essay)
        follow(page, "button[name=go][value='next']")
    assert page.url.endswith("/review")
    follow(page, "form[action$='/submit'] button")
    assert page.url.endswith("/result")


@pytest.mark.browser
def test_trainer_takes_corrects_and_prints_a_register(page_as, axe_check, shot):
    page = page_as("FORM-001")
    shot(page, "dashboard")
    follow(page, "main ul.work a[href$='/cohorts']")  # the trainer's dashboard leads there
    assert page.title().startswith(page.inner_text("h1"))  # "Mes classes" / "My classes"
    shot(page, "my-classes")
    follow(page, "main table a")
    assert "Police de proximité — Mbuji-Mayi" in page.inner_text("h1")
    shot(page, "cohort")
    follow(page, "main a:text-is('Classe A')")
    meetings = page.locator("main table tbody tr")
    assert meetings.count() > 20  # three a week since the intake began, two weeks ahead
    shot(page, "class")

    # The last planned meeting of Class A: nobody has taken its register yet.
    last = meetings.last
    assert re.search(r"\d{1,2} [a-zéû]+\.? 20\d\d", last.inner_text())  # the date in French
    follow(page, "main table tbody tr >> nth=-1 >> a[href$='/register']")
    register = page.url
    names = page.locator("table.register tbody th").all_inner_texts()
    assert len(names) == 20
    last_names = [re.findall(r"\b[A-ZÉ][A-ZÉ'-]+\b", n)[0] for n in names]  # "Esther KALALA"
    assert last_names == sorted(last_names)  # by last name
    assert page.locator("table.register input[value=present]:checked").count() == 20
    axe_check(page, "register")
    shot(page, "register-new")

    def row(name: str):
        return page.locator("table.register tbody tr").filter(has_text=name)

    row("Esther KALALA").locator("input[value=absent]").check()
    row("Chantal NGALULA").locator("input[value=late]").check()
    shot(page, "register-marked")
    follow(page, "main form button.primary")
    assert page.locator(".flash.info").count() == 1
    assert not re.search(r"\d", page.inner_text(".flash.info"))  # no correction the first time
    shot(page, "class-after-register")

    # Open it again: what was saved is shown; correct Esther Kalala (her absence was excused).
    page.goto(register)
    assert row("Esther KALALA").locator("input[value=absent]").is_checked()
    assert row("Chantal NGALULA").locator("input[value=late]").is_checked()
    assert row("Patrick TSHIBANDA").locator("input[value=present]").is_checked()
    assert "Grâce ILUNGA" in text(page, "main .hint")
    row("Esther KALALA").locator("input[value=excused]").check()
    follow(page, "main form button.primary")  # a correction without a reason is refused
    assert page.locator(".flash.error").count() == 1
    assert row("Esther KALALA").locator("input[value=absent]").is_checked()
    row("Esther KALALA").locator("input[value=excused]").check()
    page.fill("#reason", "Certificat médical apporté le lendemain")
    follow(page, "main form button.primary")
    assert first_number(page, ".flash.info") == 1  # one correction recorded
    page.goto(register)
    history = page.locator("table.changes tbody tr")
    assert history.count() == 1
    correction = text(page, "table.changes tbody tr")
    assert "Grâce ILUNGA" in correction and "Esther KALALA" in correction
    before, after, why = page.locator("table.changes tbody tr td").all_inner_texts()[-3:]
    assert (before, after) in (("Absent", "Excusé"), ("Absent", "Excused")), correction
    assert why == "Certificat médical apporté le lendemain"
    axe_check(page, "register with a correction")
    shot(page, "register-corrected")
    page.set_viewport_size({"width": 360, "height": 740})  # taken on a phone in the classroom
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the register scrolls sideways on a phone: {width} px wide"
    shot(page, "register-360")
    page.set_viewport_size({"width": 1280, "height": 720})

    # The attendance page follows the rule: late counts as attended, excused is left out.
    page.goto(page.locator(".crumb a").get_attribute("href"))
    follow(page, "main table tbody tr >> nth=0 >> a[href$='/sheet']")
    sheet = page.locator("table.sheet tbody tr")
    assert sheet.count() == 20
    assert "Salle 1" in text(page) and "Esther KALALA" in text(page, "table.sheet")
    shot(page, "sign-in-sheet")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()  # the print stylesheet drops the menus
    shot(page, "sign-in-sheet-print")
    page.emulate_media(media="screen")


@pytest.mark.browser
def test_trainer_grades_essays_by_keyboard_records_a_practical_and_releases(
        page_as, quiz, axe_check, shot):
    for login, essay in ESSAYS.items():
        trainee = page_as(login)
        submit_quiz_with_an_essay(trainee, quiz, essay)
        assert first_number(trainee, ".flash.info") == 1  # one answer awaits grading
        if login == "PNC-1001":
            shot(trainee, "trainee-result-awaiting-grading")
        trainee.context.close()

    page = page_as("FORM-001")
    waiting = first_number(page, "#home-grading")  # the home page counts what waits
    follow(page, "header nav a[href$='/assessment/']")
    shot(page, "grading-index")
    follow(page, "main a.button.primary")
    assert first_number(page, ".left") == waiting
    shot(page, "queue")

    # The oldest answer first (the class's from earlier this week); the score box has the
    # focus, Enter saves and opens the next.
    follow(page, "main a.button.primary")
    while "Patrick TSHIBANDA" not in text(page):
        assert page.evaluate("() => document.activeElement.id") == "score"
        page.keyboard.type("4")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "score"
    assert first_number(page, ".left") == 2
    assert ESSAYS["PNC-1001"] in text(page, ".answer")
    # The marking guide and model answer of the quiz file, beside the answer.
    assert "quatre étapes dans l'ordre" in text(page, ".guide")
    assert "vols de téléphones" in text(page, ".model-answer")
    first_answer = page.url
    axe_check(page, "grading an essay")
    shot(page, "grade-first")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "comment"
    page.keyboard.type("Bonne analyse du triangle ; précisez les partenaires du CLSP.")
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Chantal NGALULA" in text(page)
    assert first_number(page, ".left") == 1
    assert page.evaluate("() => document.activeElement.id") == "score"
    shot(page, "grade-second")
    page.keyboard.type("2,5")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert first_number(page, ".left") == 0
    assert page.url.endswith("/assessment/queue")
    shot(page, "queue-empty")

    # Reading the answer again against the guide: the mark goes up, with a reason; the
    # history says who, when, from what to what and why.
    page.goto(first_answer)
    page.fill("#score", "6")
    page.fill("#reason", "Relu avec la grille : les quatre étapes y sont.")
    follow(page, "form.grade-form button.primary")
    page.goto(first_answer)
    history = text(page, ".grade-history")
    assert "première note : 5 / 6" in history and "de 5 à 6 / 6" in history
    assert "Relu avec la grille" in history and "Grâce ILUNGA" in history
    axe_check(page, "a mark's history")
    shot(page, "grade-history")

    # The gradebook on a 1024 px screen: total and result in sight without scrolling sideways.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/assessment/")
    follow(page, "main table a >> nth=0")
    follow(page, "main a[href$='/gradebook']")
    for heading in ("Total (/20)", "Résultat"):
        box = page.locator(f"table.gradebook th:text-is('{heading}')").bounding_box()
        assert box["x"] + box["width"] <= 1024, heading
    shot(page, "gradebook-1024")
    page.set_viewport_size({"width": 1280, "height": 720})

    # The statistics of the quiz, for the cohorts this trainer teaches.
    page.goto("/assessment/")
    follow(page, "main a[href$='/assessment/statistics']")
    follow(page, f"main a[href$='/statistics/police-de-proximite/{QUIZ}']")
    assert page.locator("main table tbody tr").count() >= 1
    assert "des seules promotions que vous formez" in text(page)
    axe_check(page, "quiz statistics for a trainer")
    shot(page, "trainer-statistics")

    # A practical: the rubric, one level per criterion, for Patrick Tshibanda.
    page.goto("/assessment/")
    follow(page, "main table a >> nth=0")
    follow(page, f"main a[href$='/practicals/{PRACTICAL}']")
    assessed, total = map(int, re.findall(r"\d+", text(page, ".left")))
    assert total == 40 and "—" in text(page, "main table tr:has(a:text('Patrick Tshibanda'))")
    follow(page, "main a:text('Patrick Tshibanda')")
    fieldsets = page.locator("form.rubric fieldset")
    assert fieldsets.count() == 4
    for index, level in enumerate(("2", "2", "1", "2")):
        fieldsets.nth(index).locator(f"input[value='{level}']").check()
    page.fill("#comment", "Accueil correct ; notez l'heure et le lieu dans le registre.")
    axe_check(page, "practical rubric")
    shot(page, "practical-rubric")
    follow(page, "form.rubric button.primary")
    assert "Patrick TSHIBANDA" in page.locator(".flash.info").inner_text()
    page.goto(page.locator(".crumb a").first.get_attribute("href"))
    assert re.findall(r"\d+", text(page, ".left")) == [str(assessed + 1), "40"]
    assert "7 / 8" in text(page, "main table tr:has(a:text('Patrick Tshibanda'))")
    shot(page, "practical-list")

    # Release both assessments to the trainees.
    follow(page, ".crumb a")
    rows = page.locator("main table tbody tr")
    for key in (QUIZ, PRACTICAL):
        release = page.locator(f"form[action$='/release/{key}'] button")
        assert release.count() == 1, key
        follow(page, f"form[action$='/release/{key}'] button")
        assert page.locator(".flash.info").count() == 1
    assert page.locator("form[action*='/release/'] button").count() == 0
    assert rows.count() > 0
    shot(page, "released")

    # The trainee now sees the grade and the comment.
    trainee = page_as("PNC-1001")
    follow(trainee, ".card h2 a")
    follow(trainee, f"a[href$='/{QUIZ}']")
    follow(trainee, "main table a")
    result = text(trainee)
    assert "précisez les partenaires du CLSP" in result
    assert "6 / 6" in result
    shot(trainee, "trainee-sees-essay-grade")
    trainee.go_back()
    trainee.go_back()
    follow(trainee, f"a[href$='/{PRACTICAL}']")
    assert "7 / 8" in text(trainee, ".score")
    assert "notez l'heure et le lieu" in text(trainee, ".comment")
    shot(trainee, "trainee-sees-practical-grade")

    # "Mes notes": every mark out of 20, the comments, and what remains for the certificate.
    follow(trainee, "header nav a[href$='/marks']")
    marks = text(trainee)
    assert "Mes notes" in trainee.inner_text("h1")
    assert "17,5" in marks  # the practical: 7 / 8 points
    assert "notez l'heure et le lieu" in marks and "précisez les partenaires du CLSP" in marks
    assert "pas encore passé" in marks and "Pour le certificat" in marks
    assert "reste à faire" in marks
    axe_check(trainee, "my marks")
    shot(trainee, "trainee-my-marks")
