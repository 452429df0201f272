"""Spreadsheet exports that never run a cell as a formula."""

from __future__ import annotations

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# "+243 81 234 5678": digit groups apart, which no spreadsheet reads as a formula or a number,
# so it stays as written (an apostrophe in front would show in Excel).
SPACED_PHONE = re.compile(r"\+\d+(?:[ \u00a0]\d+)+")


def safe_cell(value):
    """A cell a spreadsheet will not run as a formula: text starting = + - @ tab or CR gets a
    leading apostrophe, except a phone number written with spaces ("+243 81 234 5678");
    numbers and dates stay what they are (-0.25 is a number, not a formula); None becomes
    empty."""
    if value is None:
        return ""
    if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not SPACED_PHONE.fullmatch(value)):
        return "'" + value
    return value


def sheet_title(title: str, fallback: str) -> str:
    """A worksheet name Excel accepts: none of []:*?/\\ or ', at most 31 characters."""
    cleaned = " ".join("".join(c for c in title if c not in "[]:*?/\\'").split())
    if len(cleaned) > 31:  # cut between words, never in the middle of one
        cut = cleaned[:32].rsplit(" ", 1)[0] if " " in cleaned[:32] else cleaned[:31]
        cleaned = cut.rstrip(" ,;—–-")
    return cleaned or fallback


def to_csv(header: list[str], rows: list[list]) -> str:
    """CSV text (separator ';' as French spreadsheets expect), with a BOM so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()
