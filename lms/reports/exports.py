"""Report tables as CSV and XLSX, safe to open in a spreadsheet, streamed as they are written.

A download sends its headers at once (the browser shows the download), then the tables are
counted and written: nobody waits on a page that seems to hang, and no whole file is held in
memory. The XLSX is a minimal Office Open XML workbook written straight into a streamed ZIP
(openpyxl, even in write-only mode, only hands the file over at the end).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from html import escape

from lms.reports.tables import Table
from lms.training.exports import csv_bytes, csv_chunks, safe_cell, sheet_title
from lms.training.exports import csv_download as download

CHUNK = 64 * 1024


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


def csv_stream(build: Callable[[], Table], filename: str, french_excel: bool = False):
    """A CSV download of the table `build()` makes, streamed: the headers leave at once, the
    table is counted and written while the browser shows the download."""
    from flask import Response, stream_with_context

    def lines():
        table = build()
        yield from _lines(table)

    if french_excel:
        filename = filename.removesuffix(".csv") + "-excel-fr.csv"
    return Response(stream_with_context(csv_chunks(lines(), french_excel)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_stream(build: Callable[[], list[Table]], filename: str):
    """An XLSX download of the tables `build()` makes, streamed like csv_stream."""
    from flask import Response, stream_with_context

    return Response(stream_with_context(xlsx_chunks(build)), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def to_xlsx(tables: list[Table]) -> bytes:
    """The tables as an XLSX workbook, one sheet each, with the title and note on top."""
    return b"".join(xlsx_chunks(lambda: tables))


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands over what was written (zipfile streams into
    it, with sizes after each member's data)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data, self.parts, self.size = b"".join(self.parts), [], 0
        return data


def xlsx_chunks(build: Callable[[], Iterable[Table]]) -> Iterator[bytes]:
    """The workbook of the tables `build()` makes, in pieces as it is written: one sheet per
    table (its title, note, a blank row, then the table), text neutralised by safe_cell."""
    sink = _Sink()
    names: list[str] = []
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("_rels/.rels", PACKAGE_RELS)
        yield sink.take()  # the download has started before anything is counted
        for table in build():
            name = sheet_title(table.title, "Report")
            while name in names:  # Excel refuses two sheets of one name
                name = name[:28] + f" {len(names) + 1}"
            names.append(name)
            with book.open(f"xl/worksheets/sheet{len(names)}.xml", "w") as sheet:
                sheet.write(SHEET_START)
                top = [[table.title], [table.note] if table.note else None, []]
                for n, row in enumerate([r for r in top if r is not None] + _lines(table), 1):
                    sheet.write(_row_xml(n, row))
                    if sink.size >= CHUNK:
                        yield sink.take()
                sheet.write(b"</sheetData></worksheet>")
            yield sink.take()
        _write_parts(book, names)
    yield sink.take()


SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
               b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = datetime(1899, 12, 30)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_xml(ref: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):  # style 2: date and time
        days = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{days}</v></c>'
    if isinstance(value, date):  # style 1: a date
        return f'<c r="{ref}" s="1"><v>{(value - EPOCH.date()).days}</v></c>'
    text = escape(ILLEGAL_XML.sub("", str(value)), quote=False)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row_xml(number: int, values: list) -> bytes:
    cells = "".join(_cell_xml(f"{_column(i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'.encode()


def _write_parts(book: zipfile.ZipFile, names: list[str]) -> None:
    """The parts around the sheets: content types, relationships, workbook and styles."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                        f'ContentType="{sheet_type}"/>' for n in range(1, len(names) + 1))
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    book.writestr("[Content_Types].xml", (
        f'{head}<Types xmlns="{package}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f'{overrides}</Types>'))
    sheets = "".join(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                     for n, name in enumerate(names, 1))
    book.writestr("xl/workbook.xml", (
        f'{head}<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{sheets}</sheets></workbook>'))
    links = "".join(f'<Relationship Id="rId{n}" Type="{rel}/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(names) + 1))
    styles_id = len(names) + 1
    book.writestr("xl/_rels/workbook.xml.rels", (
        f'{head}<Relationships xmlns="{package}/relationships">{links}'
        f'<Relationship Id="rId{styles_id}" Type="{rel}/styles" Target="styles.xml"/>'
        '</Relationships>'))
    # Styles: 0 general, 1 a date (built-in format 14), 2 a date and time (format 22).
    book.writestr("xl/styles.xml", (
        f'{head}<styleSheet xmlns="{main}"><fonts count="1"><font><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" '
        'fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" '
        'borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="22" fontId="0" '
        'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
        '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'))
