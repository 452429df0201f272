"""Spreadsheet exports that never run a cell as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

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


def french_excel_wanted(args: Mapping) -> bool:
    """True when a download link asks for the CSV that opens right in a French Excel."""
    return args.get("excel") == "fr"


def _french_number(value):
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return format(value, "g" if isinstance(value, float) else "f").replace(".", ",")
    return value


def csv_bytes(lines: Iterable[Iterable], french_excel: bool = False) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read accents right).

    Standard: ',' between cells and decimal points, for scripts and most spreadsheets. French
    Excel: ';' between cells and decimal commas, as a French Windows expects.
    """
    return b"".join(csv_chunks(lines, french_excel))


def csv_chunks(lines: Iterable[Iterable], french_excel: bool = False,
               size: int = 64 * 1024) -> Iterator[bytes]:
    """The CSV of csv_bytes in pieces of about `size` bytes, the byte-order mark first (for a
    streamed download: `lines` may be produced while it is sent)."""
    yield "\ufeff".encode()  # at once: a streamed download starts before any line is made
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french_excel else ",", lineterminator="\r\n")
    for line in lines:
        cells = ["" if v is None else v for v in line]
        writer.writerow([_french_number(v) for v in cells] if french_excel else cells)
        if out.tell() >= size:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_download(lines: Iterable[Iterable], filename: str, french_excel: bool = False):
    """A CSV download response: one `charset=utf-8` in its type, "-excel-fr" in the variant's
    name."""
    from flask import Response

    if french_excel:
        filename = filename.removesuffix(".csv") + "-excel-fr.csv"
    return Response(csv_bytes(lines, french_excel), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def to_csv(header: list[str], rows: list[list], french_excel: bool = False) -> bytes:
    """A table as CSV (see csv_bytes), every text cell safe to open in a spreadsheet."""
    return csv_bytes([[safe_cell(h) for h in header], *([safe_cell(v) for v in row]
                                                         for row in rows)], french_excel)
