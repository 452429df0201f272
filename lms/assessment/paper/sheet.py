"""Where everything sits on a printed answer sheet (mm on A4): shared by the PDF and the reader."""

from __future__ import annotations

from dataclasses import dataclass

from lms.assessment.paper.services import TEXT_TYPES, PaperQuestion

PAGE_W, PAGE_H = 210.0, 297.0
MARK = 8.0  # the black squares in the corners, for straightening a photo
MARKS = ((10.0, 10.0), (192.0, 10.0), (10.0, 279.0), (192.0, 279.0))  # top-left corners
MARK_CENTRES = tuple((x + MARK / 2, y + MARK / 2) for x, y in MARKS)
QR_X, QR_Y, QR_SIZE = 160.0, 22.0, 30.0
ROWS_TOP, ROWS_BOTTOM, ROW_H = 62.0, 272.0, 8.5
BOX, BOX_X0, BOX_STEP = 5.5, 42.0, 11.0
TEXT_X1 = 195.0


@dataclass
class SheetRow:
    """One line of an answer sheet: boxes to tick for a question (or a matching item), or a
    space to write in."""

    page: int
    y: float
    height: float
    label: str
    question: PaperQuestion
    item: int | None = None  # matching: the item this row answers

    @property
    def ticks(self) -> bool:
        return self.question.question["type"] not in TEXT_TYPES

    def box(self, letter_index: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the box of one letter."""
        return (BOX_X0 + letter_index * BOX_STEP, self.y + (ROW_H - BOX) / 2, BOX, BOX)


def sheet_rows(questions: list[PaperQuestion]) -> list[SheetRow]:
    """The answer sheet's lines, page by page, in the attempt's question order."""
    rows: list[SheetRow] = []
    page, y = 0, ROWS_TOP

    def place(height: float, label: str, question: PaperQuestion, item=None):
        nonlocal page, y
        if y + height > ROWS_BOTTOM:
            page, y = page + 1, ROWS_TOP
        rows.append(SheetRow(page, y, height, label, question, item))
        y += height

    for question in questions:
        qtype = question.question["type"]
        if qtype == "matching":
            for at, item in enumerate(question.items, start=1):
                place(ROW_H, f"{question.number}.{at}", question, item)
        elif qtype == "essay":
            place(ROW_H * 4, str(question.number), question)
        else:
            place(ROW_H, str(question.number), question)
    return rows


def qr_payload(code: str, page: int) -> str:
    """What the QR code of one answer sheet page says: the paper's code and the page."""
    return f"LMSP1:{code}:{page + 1}"
