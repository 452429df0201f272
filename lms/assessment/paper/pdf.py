"""The printed exam: per trainee, the questions in their own order and an answer sheet with boxes,
corner marks and a QR code (A4, French or English, made on the server without any network)."""

from __future__ import annotations

import html
import io
import re

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms import resources
from lms.assessment.paper import sheet as geometry
from lms.assessment.paper.models import PaperSheet
from lms.assessment.paper.services import TEXT_TYPES, paper_questions, show_code
from lms.learning import services as learning

GREY = (90, 90, 90)


def plain(fragment: str) -> str:
    """Text of an HTML fragment, for print."""
    text = re.sub(r"\s+", " ", fragment or "")
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r" *\n *", "\n", html.unescape(text)).strip()


def papers_pdf(sheets: list[PaperSheet], lang: str, cohort_name: str) -> bytes:
    """One PDF with every trainee's paper: their questions, then their answer sheet."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creator("Police academy LMS")
    fonts = resources.fonts_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    with force_locale(lang):
        for sheet in sheets:
            _booklet(pdf, sheet, cohort_name)
            _answer_sheet(pdf, sheet)
    return bytes(pdf.output())


def _who(sheet: PaperSheet) -> str:
    user = sheet.attempt.enrolment.user
    return f"{user.display_name} · {user.login_id}"


def _booklet(pdf: FPDF, sheet: PaperSheet, cohort_name: str) -> None:
    attempt = sheet.attempt
    quiz = learning.quiz_of(attempt)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    _para(pdf, quiz["title"], 7)
    pdf.set_font("DejaVu", "", 10)
    _para(pdf, f"{cohort_name} · {_who(sheet)} · "
                   + _("Code %(code)s", code=show_code(sheet.code)), 5)
    pdf.set_text_color(*GREY)
    _para(pdf, _("Answer on the answer sheet at the end of this paper: tick one box "
                           "per line (several for questions that say so). To cancel a tick, "
                           "fill its box completely. Write text answers in their space."), 5)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    for question in paper_questions(attempt):
        q = question.question
        pdf.set_font("DejaVu", "B", 11)
        points = _("%(n)s pt", n=format(q["points"], "g"))
        _para(pdf, f"{question.number}. ({points}) {plain(q['stem_html'])}", 6)
        pdf.set_font("DejaVu", "", 10)
        layout = attempt.choice_order.get(q["id"])
        if q["type"] == "matching":
            for at, item in enumerate(question.items, start=1):
                _para(pdf, f"   {question.number}.{at}  {plain(q['pairs'][item]['html'])}", 5)
            for letter, index in zip(question.letters, layout["answers"], strict=False):
                _para(pdf, f"      {letter}. {plain(q['answers'][index])}", 5)
        elif q["type"] in TEXT_TYPES:
            pdf.set_text_color(*GREY)
            _para(pdf, "   " + _("Write your answer in its space on the answer sheet."), 5)
            pdf.set_text_color(0, 0, 0)
        else:
            if q["type"] == "multiple":
                _para(pdf, "   " + _("Several answers may be right."), 5)
            for letter, index in zip(question.letters, layout, strict=False):
                _para(pdf, f"   {letter}. {plain(q['choices'][index]['html'])}", 5)
        pdf.ln(2)


def _para(pdf: FPDF, text: str, height: float = 5) -> None:
    pdf.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _qr(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return buffer


def _answer_sheet(pdf: FPDF, sheet: PaperSheet) -> None:
    pdf.set_auto_page_break(False)
    rows = geometry.sheet_rows(paper_questions(sheet.attempt))
    pages = (rows[-1].page + 1) if rows else 1
    quiz = learning.quiz_of(sheet.attempt)
    for page in range(pages):
        pdf.add_page()
        pdf.set_fill_color(0, 0, 0)
        for x, y in geometry.MARKS:
            pdf.rect(x, y, geometry.MARK, geometry.MARK, style="F")
        pdf.image(_qr(geometry.qr_payload(sheet.code, page)), x=geometry.QR_X, y=geometry.QR_Y,
                  w=geometry.QR_SIZE, h=geometry.QR_SIZE)
        pdf.set_xy(22, 22)
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(130, 7, _("Answer sheet") + f" ({page + 1}/{pages})",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(22)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(130, 5, f"{quiz['title']}\n{_who(sheet)}", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_x(22)
        pdf.set_font("DejaVu", "B", 16)
        pdf.cell(130, 9, show_code(sheet.code), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_line_width(0.35)
        for row in (r for r in rows if r.page == page):
            _row(pdf, row)


def _row(pdf: FPDF, row: geometry.SheetRow) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_xy(18, row.y + 1.5)
    pdf.cell(18, 5, row.label)
    if not row.ticks:
        pdf.rect(geometry.BOX_X0 - 4, row.y + 0.8, geometry.TEXT_X1 - geometry.BOX_X0 + 4,
                 row.height - 1.6)
        return
    pdf.set_font("DejaVu", "", 9)
    for index, letter in enumerate(row.question.letters):
        x, y, w, h = row.box(index)
        pdf.set_xy(x - 4.2, y + 0.3)
        pdf.cell(4, 5, letter)
        pdf.rect(x, y, w, h)
