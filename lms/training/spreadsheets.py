"""Spreadsheet files as the field sends them (CSV in any common encoding, XLSX, old Excel .xls,
OpenDocument .ods), read as rows of text, safely: zips are measured before they are read
(lms/safezip.py) and reading stops at the row and column limits."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, time

from flask_babel import gettext as _

from lms.base import LMSError

MAX_ROWS = 5000
MAX_COLUMNS = 200


class RosterError(LMSError):
    """The file cannot be read as a roster, or the import cannot be committed."""


def decode_text(data: bytes) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A cut file (odd length) still reads: the broken end shows as "\ufffd" in its row.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined
        return data.decode("latin-1")


def detect_separator(text: str) -> str:
    """The separator of the header line: ';', ',' or tab, whichever appears most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The cells of the first sheet (XLSX, XLS, ODS) or of a CSV file, as text."""
    if not data:
        raise RosterError(_("The file is empty. Export the roster again and send it."))
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") and _is_ods(data) or name.endswith(".ods"):
        return _read_ods(data)
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        return _read_xls(data)
    if b"\x00" in data[:2048] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterError(_("This file is not a spreadsheet export. Send a CSV or XLSX file."))
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(text))
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise RosterError(_("The CSV file could not be read (%(error)s). Export it again "
                            "from the spreadsheet.", error=str(error))) from error


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        _measured(data).close()  # before loading openpyxl: a refused file costs nothing
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
        raise _xlsx_unreadable() from error
    import defusedxml  # noqa: F401  (openpyxl parses untrusted XML safely only with it)

    try:
        workbook = _open_first_sheet(data)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise _xlsx_unreadable() from error
    try:
        if not workbook.worksheets:
            raise _xlsx_unreadable()
        sheet = workbook.worksheets[0]
        rows = []
        # Streamed: rows are parsed as they are taken, so reading stops at the limit (the sheet's
        # size is never asked: no max_row, no dimensions; a wrong <dimension> hides no rows).
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            cells = [_cell_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()  # the archive and the parser's buffers go back at once


def _open_first_sheet(data: bytes):
    """The workbook, read-only, with its first worksheet opened without a pass over its rows.

    openpyxl's read-only sheet looks for the <dimension> element when it is created, and when the
    sheet has none it parses all of <sheetData> to find out (and every other sheet too): here
    only the first worksheet is opened, unsized, and its rows are read as they are iterated.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            """No dimensions: the rows are read until the caller stops."""

    class FirstSheetReader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    self.wb._sheets.append(UnsizedSheet(self.wb, sheet.name, rel.target,
                                                        self.shared_strings))
                    return

    reader = FirstSheetReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        raise
    return reader.wb


def _xlsx_unreadable() -> RosterError:
    return RosterError(_("The XLSX file could not be opened. Open it in the spreadsheet, save it "
                         "again as .xlsx (or CSV) and send it."))


def _measured(data: bytes) -> zipfile.ZipFile:
    """The roster's zip, once its inflated size is known to be that of a roster."""
    from lms.safezip import ROSTER_LIMITS, ArchiveRefused, open_archive

    try:
        return open_archive(data, ROSTER_LIMITS)
    except ArchiveRefused as error:
        raise RosterError(str(error)) from error


def _read_xls(data: bytes) -> list[list[str]]:
    """The first sheet of an old Excel (97-2003) workbook."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
        rows = []
        for index in range(min(sheet.nrows, MAX_ROWS + 2)):
            rows.append([_xls_cell(cell, book.datemode) for cell in sheet.row(index)])
        book.release_resources()
        return rows
    except Exception as error:  # noqa: BLE001  (xlrd raises many kinds for a damaged file)
        raise RosterError(_("The Excel file could not be opened. Open it in the spreadsheet, "
                            "save it again as .xlsx (or CSV) and send it.")) from error


def _xls_cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell_text(cell.value)


_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _is_ods(data: bytes) -> bool:
    """An OpenDocument file stores its type first, uncompressed, in the member 'mimetype'."""
    return data[30:38] == b"mimetype" and _ODS_MIME in data[38:120]


def _read_ods(data: bytes) -> list[list[str]]:
    """The first sheet of an OpenDocument spreadsheet (LibreOffice, OnlyOffice, WPS)."""
    from defusedxml import ElementTree

    try:
        with _measured(data) as archive, archive.open("content.xml") as xml:
            rows: list[list[str]] = []
            for _event, element in ElementTree.iterparse(xml, events=("end",)):
                if element.tag == f"{_TABLE}table-row":
                    repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    cells = _ods_cells(element)
                    # A spreadsheet ends with one empty row repeated a million times.
                    rows += [cells] * min(repeat, MAX_ROWS + 2 - len(rows))
                    element.clear()
                    if len(rows) > MAX_ROWS + 1:
                        break
                elif element.tag == f"{_TABLE}table":
                    break  # the first sheet only
            return rows
    except RosterError:
        raise
    except Exception as error:  # noqa: BLE001  (a broken zip, a malformed or hostile XML)
        raise RosterError(_("The OpenDocument file could not be opened. Open it in the "
                            "spreadsheet, save it again as .ods, .xlsx or CSV and send it.")
                          ) from error


def _ods_cells(row) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            continue
        repeat = min(int(cell.get(f"{_TABLE}number-columns-repeated", "1")), MAX_COLUMNS)
        if cell.get(f"{_OFFICE}value-type") == "float":
            text = _cell_text(float(cell.get(f"{_OFFICE}value", "0")))
        else:
            text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{_TEXT}p")).strip()
        cells += [text] * repeat
        if len(cells) >= MAX_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and matricules typed as numbers
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value).strip()
