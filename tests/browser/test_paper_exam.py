"""The lab goes dark: the trainer prints the papers in Chromium, a trainee's answer sheet is
filled in and photographed askew in poor light (by the test, from the downloaded PDF), and the
photo read through the browser brings the paper into the gradebook."""

from __future__ import annotations

import re

import numpy as np
import pypdfium2
import pytest
from sqlalchemy import select

from lms import create_app
from lms.assessment.paper import services as paper
from lms.assessment.paper import sheet as geometry
from lms.assessment.paper.models import PaperSheet
from lms.extensions import db
from tests.assessment.exam.test_paper import right_letters
from tests.assessment.exam.test_scan import DPI, photograph, tick
from tests.assessment.helpers import right_values
from tests.browser.conftest import follow

QUIZ = "droits-humains/quiz-droits-humains"


def _layout(live_server):
    """What the printed sheets hold, read from the server's database: the last sheet printed,
    the code it carries, its rows and what a trainee who knows the answers writes."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": live_server.env["LMS_DATABASE_URL"],
                      "SECRET_KEY": "test", "LMS_CURRICULA_DIR": live_server.env[
                          "LMS_CURRICULA_DIR"]})
    with app.app_context():
        sheet = db.session.scalars(select(PaperSheet).order_by(PaperSheet.id.desc())).first()
        questions = paper.paper_questions(sheet.attempt)
        rows = geometry.sheet_rows(questions)
        ticks = [(row, row.question.letters.index(letter)) for row in rows if row.ticks
                 for letter in right_letters(sheet.attempt, row.question)]
        letters = {row.question.number: right_letters(sheet.attempt, row.question)
                   for row in rows if row.ticks}
        written = {q.number: right_values(q.question)[0] for q in questions
                   if q.question["type"] in paper.TEXT_TYPES}
        user = sheet.attempt.enrolment.user
        name = f"{user.first_name} {user.last_name.upper()}"
        return paper.show_code(sheet.code), (name, user.service_number), ticks, letters, written


@pytest.mark.browser
def test_a_photo_of_a_printed_paper_reaches_the_gradebook(live_server, page_as, shot,
                                                          axe_check, tmp_path):
    trainer = page_as("FORM-001")
    trainer.goto("/assessment/")
    follow(trainer, "main a[href*='/assessment/cohorts/']")
    follow(trainer, f"a[href$='/exam/{QUIZ}']")
    with trainer.expect_download() as download:
        trainer.click("form[action$='/papers.pdf'] button")
    printed = tmp_path / "papers.pdf"
    download.value.save_as(printed)
    document = pypdfium2.PdfDocument(printed)
    code, (name, service_number), ticks, letters, written = _layout(live_server)

    # That trainee's answer sheet: the last page that carries their code.
    pages = [i for i in range(len(document))
             if code in document[i].get_textpage().get_text_range()]
    assert pages, f"no page of the PDF carries {code}"
    rendered = document[pages[-1]].render(scale=DPI / 72).to_pil().convert("L")
    image = np.array(rendered)
    for row, index in ticks:
        tick(image, row, index)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photograph(image, angle=6, darken=0.6))

    follow(trainer, f"a[href$='/exam/{QUIZ}/paper']")
    trainer.set_input_files("input#photos", str(photo))
    follow(trainer, "form[action$='/scan'] button")
    # The ticks are read; the written answers wait for a person, beside the straightened image.
    assert re.search(r"/paper/\w+$", trainer.url), trainer.url
    assert trainer.locator("img.scan").count() >= 1
    assert {n: trainer.input_value(f"#q{n}") for n in letters} == letters  # read box by box
    assert all(trainer.input_value(f"#q{n}") == "" for n in written)
    shot(trainer, "photo-read")
    for number, text in written.items():
        trainer.fill(f"#q{number}", text)
    follow(trainer, "form.paper-answers button")
    entered = trainer.inner_text(".flash")
    assert code in entered and name in entered and "10 sur 10" in entered, entered
    shot(trainer, "paper-entered")

    cohort = re.search(r"/cohorts/(\d+)/", trainer.url)[1]
    trainer.goto(f"/assessment/cohorts/{cohort}/gradebook")
    row = re.sub(r"\s+", " ", trainer.locator("tbody tr", has_text=service_number).inner_text())
    assert "sur papier" in row, row
    shot(trainer, "gradebook")
    axe_check(trainer, "gradebook after a paper exam")
