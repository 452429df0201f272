"""Photos of filled answer sheets: printed by the app, filled, photographed askew and dark, read."""

import io

import cv2
import numpy as np
import pypdfium2
import pytest
from sqlalchemy import select

from lms.assessment.paper import pdf, scan, scanning
from lms.assessment.paper import services as paper
from lms.assessment.paper import sheet as geometry
from lms.extensions import db
from lms.learning.models import Attempt
from tests.assessment.exam.test_paper import right_letters
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer
from tests.conftest import login, make_cohort, make_enrolment, make_user

QUIZ = "principes/quiz-principes"  # single, multiple, true/false, numeric, short...
DPI = 110
PX = DPI / 25.4  # pixels per mm of the rendered page


def render_sheet(sheet) -> np.ndarray:
    """The trainee's answer sheet, printed to an image (the page after their questions)."""
    document = pypdfium2.PdfDocument(pdf.papers_pdf([sheet], "fr", "Cohorte"))
    page = document[len(document) - 1].render(scale=DPI / 72).to_pil().convert("L")
    return np.array(page)


def tick(image, row, letter_index, fill=False):
    """A pen mark in one box: a cross, or the box blacked out to cancel it."""
    x, y, w, h = (v * PX for v in row.box(letter_index))
    if fill:
        cv2.rectangle(image, (int(x), int(y)), (int(x + w), int(y + h)), 20, -1)
    else:
        cv2.line(image, (int(x + 1), int(y + 1)), (int(x + w - 1), int(y + h - 1)), 30, 2)
        cv2.line(image, (int(x + w - 1), int(y + 1)), (int(x + 1), int(y + h - 1)), 30, 2)


def photograph(image, angle=8.0, darken=0.55, turn=False) -> bytes:
    """A phone photo of the sheet: on a table, turned, in perspective, in poor light."""
    h, w = image.shape
    canvas = np.full((h + 300, w + 300), 120, np.uint8)  # the table around the sheet
    canvas[150:150 + h, 150:150 + w] = image
    rotation = cv2.getRotationMatrix2D((canvas.shape[1] / 2, canvas.shape[0] / 2), angle, 1.0)
    canvas = cv2.warpAffine(canvas, rotation, canvas.shape[::-1], borderValue=120)
    ch, cw = canvas.shape
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    dst = np.float32([[40, 20], [cw - 10, 60], [cw - 50, ch - 10], [0, ch - 40]])
    canvas = cv2.warpPerspective(canvas, cv2.getPerspectiveTransform(src, dst), (cw, ch),
                                 borderValue=110)
    gradient = np.linspace(1.0, darken, cw)[None, :]  # light from one side only
    canvas = (canvas * gradient).astype(np.uint8)
    if turn:
        canvas = cv2.rotate(canvas, cv2.ROTATE_180)
    ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return jpeg.tobytes()


@pytest.fixture
def printed(app):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    make_enrolment(make_user(last_name="Ilunga"), cohort)
    sheet = paper.prepare_papers(trainer, cohort, QUIZ, "fr")[0]
    return cohort, trainer, sheet


def _rows(sheet):
    return geometry.sheet_rows(paper.paper_questions(sheet.attempt))


def test_a_skewed_dark_photo_of_a_filled_sheet_is_read_box_by_box(printed, ctx, tmp_path):
    _cohort, _trainer, sheet = printed
    image = render_sheet(sheet)
    rows = [r for r in _rows(sheet) if r.ticks]
    expected = {}
    for row in rows:
        letters = right_letters(sheet.attempt, row.question)
        for letter in letters:
            tick(image, row, row.question.letters.index(letter))
        expected[row.label] = letters
    # A correction: one box ticked and then blacked out, beside the tick that counts.
    first = rows[0]
    cancelled = next(i for i, c in enumerate(first.question.letters)
                     if c not in expected[first.label])
    tick(image, first, cancelled, fill=True)
    photo = photograph(image, turn=True)
    (tmp_path / "photo.jpg").write_bytes(photo)
    flat = scan.straighten(photo)
    assert (flat.code, flat.page) == (sheet.code, 0)
    readings = scan.read_rows(flat, _rows(sheet))
    assert {r.label: r.letters for r in readings} == expected
    assert not any(r.unclear for r in readings)


def test_unclear_marks_are_left_for_a_person(printed, ctx):
    _cohort, _trainer, sheet = printed
    image = render_sheet(sheet)
    rows = [r for r in _rows(sheet) if r.ticks]
    single = next(r for r in rows if r.question.question["type"] == "single")
    tick(image, single, 0)
    tick(image, single, 1)  # two ticks on a one-answer question
    readings = {r.label: r for r in scan.read_rows(scan.straighten(photograph(image)),
                                                   _rows(sheet))}
    assert readings[single.label].unclear == "plus d'une case cochée"
    empty = next(r for r in rows if r is not single)
    assert readings[empty.label].unclear == "aucune case cochée"


def test_a_photo_without_its_qr_code_or_marks_is_refused_with_the_reason(printed, ctx):
    _cohort, _trainer, sheet = printed
    image = render_sheet(sheet)
    hidden = image.copy()
    x, y, s = (int(v * PX) for v in (geometry.QR_X, geometry.QR_Y, geometry.QR_SIZE))
    hidden[y:y + s, x:x + s] = 255
    with pytest.raises(paper.PaperRefused, match="code QR"):
        scan.straighten(photograph(hidden))
    cut = image[: image.shape[0] // 2]  # the bottom marks are out of the photo
    with pytest.raises(paper.PaperRefused, match="coins"):
        scan.straighten(photograph(cut, angle=0))


def test_a_clear_photo_enters_the_paper_and_an_essay_goes_to_the_correction_page(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    make_enrolment(make_user(last_name="Tshala"), cohort)
    sheet = paper.prepare_papers(trainer, cohort, QUIZ, "fr")[0]
    essay_sheet = paper.prepare_papers(trainer, cohort, ESSAY_QUIZ, "fr")[0]
    for target in (sheet, essay_sheet):
        image = render_sheet(target)
        for row in (r for r in _rows(target) if r.ticks):
            for letter in right_letters(target.attempt, row.question):
                tick(image, row, row.question.letters.index(letter))
        target.photo = photograph(image, angle=-5)
    # Short and numeric answers are written: the quiz needs a person even when ticks are clear.
    login(client, trainer)
    sent = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/scan",
                       data={"photos": [(io.BytesIO(sheet.photo), "p1.jpg")]},
                       content_type="multipart/form-data")
    assert sent.status_code == 302 and sent.location.endswith(f"/paper/{sheet.code}")
    page = client.get(sent.location)
    assert "data:image/png;base64," in page.text
    db.session.rollback()
    attempt = db.session.get(Attempt, sheet.attempt_id)
    assert attempt.is_open  # not entered until a person has typed the written answers
    typed = scanning.typed_from_scans(db.session.get(type(sheet), sheet.id))
    for q in paper.paper_questions(attempt):
        if q.question["type"] not in paper.TEXT_TYPES:
            assert typed[q.number] == right_letters(attempt, q)
    ticked = next(q for q in paper.paper_questions(attempt)
                  if q.question["type"] not in paper.TEXT_TYPES)
    assert f'name="q{ticked.number}" autocomplete="off" spellcheck="false" ' \
           f'value="{typed[ticked.number]}"' in page.text
    # The same sheet scanned again once entered is refused with the reason.
    form = {f"q{n}": v for n, v in typed.items()}
    for q in paper.paper_questions(attempt):
        if q.question["type"] in paper.TEXT_TYPES:
            form[f"q{q.number}"] = right_letters(attempt, q)
    client.post(sent.location, data=form)
    db.session.rollback()
    assert db.session.get(Attempt, sheet.attempt_id).score == attempt.max_score
    again = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/scan",
                        data={"photos": [(io.BytesIO(sheet.photo), "p1.jpg")]},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "déjà été saisie" in again.text.replace("&#39;", "'")
    assert db.session.scalar(select(Attempt.mode).where(Attempt.id == sheet.attempt_id)) == "paper"
