"""Report tables as CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from lms.reports.tables import Table
from lms.training.exports import safe_cell, sheet_title


def _lines(table: Table) -> list[list]:
    rows = [table.columns, *table.rows]
    if table.footer:
        rows.append(table.footer)
    return [[safe_cell(v) for v in row] for row in rows]


def to_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so spreadsheet programs read accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_lines(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: list[Table]) -> bytes:
    """The tables as an XLSX workbook, one sheet each, with the filter note on top."""
    from openpyxl import Workbook  # 9 MB, imported by the first download only

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=sheet_title(table.title, "Report"))
        sheet.append([safe_cell(table.title)])
        if table.note:
            sheet.append([safe_cell(table.note)])
        sheet.append([])
        for row in _lines(table):
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
