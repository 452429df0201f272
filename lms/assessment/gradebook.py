"""The cohort gradebook: trainees x assessments, totals out of 20, pass/fail, exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.assessment.models import Grade
from lms.assessment.services import cohort_assessments
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.learning.services import counted_attempt
from lms.training.exports import sheet_title
from lms.training.models import Cohort, Enrolment

PASS_ON_20 = 10.0
STATUSES = ("passed", "failed", "incomplete")


@dataclass
class Cell:
    """One trainee's result on one assessment."""

    score: float | None = None
    max_score: float = 0
    passed: bool | None = None
    pending: bool = False  # a written answer awaits a trainer: the score is provisional
    released: bool = True  # False: a trainer's grade the trainee cannot see yet

    @property
    def on_20(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return round(20 * self.score / self.max_score, 2)


@dataclass
class Row:
    """One trainee's line of the gradebook."""

    enrolment: Enrolment
    cells: dict[str, Cell] = field(default_factory=dict)
    total: float | None = None  # out of 20
    status: str = "incomplete"

    @property
    def provisional(self) -> bool:
        """Whether the total leaves out answers awaiting grading or holds unreleased grades."""
        return any(c.pending or not c.released for c in self.cells.values())


def required_keys(structure: dict, assessments: list[dict]) -> set[str]:
    """Assessments a trainee must pass, from the programme's certificate rules."""
    rules = structure.get("certificate") or {}
    modules = rules.get("modules_passed", "all")
    wanted = ({m["id"] for m in structure["modules"]} if modules == "all"
              else set(modules if isinstance(modules, list) else [modules]))
    keys = {a["key"] for a in assessments if a["kind"] == "quiz" and a["module"] in wanted}
    if rules.get("post_test_passed") or not rules:
        keys |= {a["key"] for a in assessments if a["kind"] == "post_test"}
    if rules.get("practicals_passed", True):
        keys |= {a["key"] for a in assessments if a["kind"] == "practical"}
    return keys


def build_gradebook(cohort: Cohort, lang: str, text: str = "", sex: str = "",
                    status: str = "") -> tuple[list[dict], list[Row]]:
    """The cohort's assessments (columns) and one row per trainee, filtered."""
    assessments = cohort_assessments(cohort, lang)
    required = required_keys(cohort.curriculum_version.structure, assessments)
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id)
        .options(joinedload(Enrolment.user))))
    attempts: dict[tuple[int, str], list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).join(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Attempt.status == "submitted")):
        attempts.setdefault((attempt.enrolment_id, attempt.item_key), []).append(attempt)
    grades = {(g.enrolment_id, g.item_key): g for g in db.session.scalars(
        select(Grade).join(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                            Grade.kind == "practical"))}
    withheld = set(db.session.scalars(
        select(Response.attempt_id).join(Grade, Grade.response_id == Response.id)
        .join(Enrolment, Grade.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id, Grade.released.is_(False))))
    rows = []
    for enrolment in enrolments:
        row = Row(enrolment)
        for a in assessments:
            row.cells[a["key"]] = _cell(a, attempts.get((enrolment.id, a["key"]), []),
                                        grades.get((enrolment.id, a["key"])), withheld)
        _total(row, assessments, required)
        rows.append(row)
    rows.sort(key=lambda r: (r.enrolment.user.last_name.casefold(),
                             r.enrolment.user.first_name.casefold()))
    return assessments, [r for r in rows if _matches(r, text, sex, status)]


def _cell(assessment: dict, attempts: list[Attempt], grade: Grade | None,
          withheld: set[int]) -> Cell:
    mark = assessment["settings"]["pass_mark"]
    if assessment["kind"] == "practical":
        if grade is None:
            return Cell(max_score=assessment["max_points"])
        passed = not grade.max_score or 100 * grade.score / grade.max_score >= mark - 1e-9
        return Cell(grade.score, grade.max_score, passed, released=grade.released)
    if not attempts:
        return Cell(max_score=assessment["max_points"])
    counted = counted_attempt(attempts, assessment["settings"]["grading"])
    if counted.pending_grading:
        return Cell(counted.score, counted.max_score, None, pending=True)
    passed = not counted.max_score or 100 * (counted.score or 0) / counted.max_score >= mark - 1e-9
    return Cell(counted.score or 0, counted.max_score, passed,
                released=counted.id not in withheld)


def _total(row: Row, assessments: list[dict], required: set[str]) -> None:
    """Total out of 20 over graded assessments (the pre-test does not count); status."""
    earned = possible = 0.0
    for a in assessments:
        cell = row.cells[a["key"]]
        if a["kind"] != "pre_test" and cell.score is not None and not cell.pending:
            earned += cell.score
            possible += cell.max_score
    row.total = round(20 * earned / possible, 2) if possible else None
    cells = [row.cells[k] for k in required]
    if any(c.passed is False for c in cells) or (
            row.total is not None and row.total < PASS_ON_20 - 1e-9
            and all(c.passed is not None for c in cells)):
        row.status = "failed"
    elif any(c.passed is None for c in cells) or row.total is None:
        row.status = "incomplete"
    else:
        row.status = "passed"


def _matches(row: Row, text: str, sex: str, status: str) -> bool:
    user = row.enrolment.user
    haystack = " ".join([user.first_name, user.last_name, user.login_id,
                         user.unit or ""]).casefold()
    return ((not text or text.casefold().strip() in haystack)
            and (not sex or user.sex == sex)
            and (not status or row.status == status))


# Exports -----------------------------------------------------------------------------------------

def neutralise(value):
    """Make a text cell inert in spreadsheets: prefix = + - @ tab CR with a quote."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def table(assessments: list[dict], rows: list[Row], status_labels: dict[str, str],
          headings: list[str], marks: dict[str, str], number=str) -> list[list]:
    """The gradebook as lines, ready for CSV or XLSX.

    `headings`: last name, first name, number, sex, unit, total, status (translated).
    `marks` (translated, with %(score)s): "pending" for an answer awaiting a trainer,
    "unreleased" for a grade the trainee cannot see yet, "provisional" for such a total;
    final results stay plain numbers; `number` writes a number inside such a text.
    """
    lines = [list(headings[:5]) + [f"{a['title']} (/20)" for a in assessments]
             + list(headings[5:])]
    for row in rows:
        user = row.enrolment.user
        line = [user.last_name, user.first_name, user.login_id, user.sex,
                user.unit or ""]
        line += [_exported(row.cells[a["key"]], marks, number) for a in assessments]
        total = row.total
        if row.provisional:
            total = marks["provisional"] % {"score": "—" if total is None else number(total)}
        line += [total, status_labels[row.status]]
        lines.append([neutralise(v) for v in line])
    return lines


def _exported(cell: Cell, marks: dict[str, str], number):
    """A cell's exported value: the mark out of 20, or a text saying why it is not final."""
    if cell.pending:
        return marks["pending"]
    if cell.on_20 is not None and not cell.released:
        return marks["unreleased"] % {"score": number(cell.on_20)}
    return cell.on_20


def to_csv(lines: list[list]) -> str:
    """CSV text (UTF-8 with BOM so spreadsheet programs read accents right)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue()


def to_xlsx(lines: list[list], title: str) -> bytes:
    """An XLSX workbook with one sheet holding the lines."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(title, "Gradebook"))
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
