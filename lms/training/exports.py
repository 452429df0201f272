"""Spreadsheet exports that never run a cell as a formula."""

from __future__ import annotations

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Cell text; one starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_title(title: str, fallback: str) -> str:
    """A worksheet name Excel accepts: none of []:*?/\\ or ', at most 31 characters."""
    cleaned = "".join(c for c in title if c not in "[]:*?/\\'")
    return cleaned[:31] or fallback


def to_csv(header: list[str], rows: list[list]) -> str:
    """CSV text (separator ';' as French spreadsheets expect), with a BOM so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()
