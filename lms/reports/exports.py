"""Report tables as CSV and XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import io

from lms.reports.tables import Table
from lms.training.exports import csv_bytes, safe_cell, sheet_title
from lms.training.exports import csv_download as download


def _lines(table: Table) -> list[list]:
    rows = [table.columns, *table.rows]
    if table.footer:
        rows.append(table.footer)
    return [[safe_cell(v) for v in row] for row in rows]


def to_csv(table: Table, french_excel: bool = False) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (see lms.training.exports.csv_bytes)."""
    return csv_bytes(_lines(table), french_excel)


def csv_download(table: Table, filename: str, french_excel: bool = False):
    """The table as a CSV download."""
    return download(_lines(table), filename, french_excel)


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
