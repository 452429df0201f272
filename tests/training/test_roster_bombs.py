"""Zip files sent by anyone (XLSX and ODS rosters) are measured before they are read: a file
small on disk and huge once inflated is refused at once, with a message, without the memory."""

import io
import time
import tracemalloc
import zipfile

import pytest

from lms.training import roster, roster_file, spreadsheets
from lms.training.roster import RosterError

XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org'
        '/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
        'sheet1.xml"/></Relationships>'),
}
ROW = (b'<row><c t="inlineStr"><is><t>Kalala</t></is></c><c t="inlineStr"><is><t>Esther</t>'
       b'</is></c><c t="inlineStr"><is><t>F</t></is></c></row>')


def _xlsx(rows: int, header: bool = True) -> bytes:
    """A workbook without a dimension element whose sheet holds `rows` inline-string rows."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            if header:
                sheet.write(ROW.replace(b"Kalala", b"Nom").replace(b"Esther", b"Pr\xc3\xa9nom")
                            .replace(b">F<", b">Sexe<"))
            block = ROW * 1000
            for _ in range(rows // 1000):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _ods_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), spreadsheets._ODS_MIME)
        with archive.open("content.xml", "w", force_zip64=True) as content:
            content.write(b'<office:document-content xmlns:office="urn:oasis:names:tc:'
                          b'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
                          b'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:'
                          b'opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
                          b'<table:table><table:table-row><table:table-cell><text:p>')
            block = b"A" * 1_000_000
            for _ in range(120):
                content.write(block)
            content.write(b"</text:p></table:table-cell></table:table-row></table:table>"
                          b"</office:spreadsheet></office:body></office:document-content>")
    return out.getvalue()


@pytest.mark.parametrize("filename, make", [("liste.xlsx", lambda: _xlsx(1_200_000)),
                                            ("liste.ods", _ods_bomb)])
def test_a_file_small_on_disk_and_huge_inflated_is_refused_at_once(filename, make):
    data = make()
    assert len(data) < 2 * 1024 * 1024  # well under the upload limit
    import defusedxml.ElementTree  # noqa: F401  (imported before timing: the refusal is timed)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(RosterError, match="too large once unpacked|trop grand une fois"):
            spreadsheets.read_table(filename, data)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 20 * 1024 * 1024


def test_a_long_sheet_is_read_only_up_to_the_row_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 50)
    monkeypatch.setattr(roster_file, "MAX_ROWS", 50)
    rows = spreadsheets.read_table("liste.xlsx", _xlsx(6_000))
    assert len(rows) == 52  # the column titles, the limit, one more to know it was passed
    with pytest.raises(RosterError, match="more than 50 rows|plus de 50 lignes"):
        roster.parse_roster("liste.xlsx", _xlsx(6_000))


def test_a_member_packed_beyond_any_spreadsheet_is_refused():
    with pytest.raises(RosterError, match="packed far more tightly|grossit plus de 100 fois"):
        spreadsheets.read_table("liste.xlsx", _xlsx(12_000))


def _varied_xlsx(rows: int) -> bytes:
    """Like _xlsx, with a different name on each row (packed like a real roster)."""
    import secrets

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        lines = [ROW.replace(b"Kalala", b"Nom").replace(b"Esther", b"Pr\xc3\xa9nom")
                 .replace(b">F<", b">Sexe<")]
        lines += [ROW.replace(b"Kalala", secrets.token_hex(6).encode()) for _ in range(rows)]
        archive.writestr("xl/worksheets/sheet1.xml",
                         b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas'
                         b'.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                         + b"".join(lines) + b"</sheetData></worksheet>")
    return out.getvalue()


def test_a_sheet_without_dimensions_is_streamed_and_reading_stops_at_the_roster_limit(monkeypatch):
    from openpyxl.worksheet import _reader

    parsed = []  # every <row> the sheet parser finished, opening included
    iterparse = _reader.iterparse

    def counting(source, *args, **kwargs):
        for event, element in iterparse(source, *args, **kwargs):
            if element.tag.endswith("}row"):
                parsed.append(1)
            yield event, element

    monkeypatch.setattr(_reader, "iterparse", counting)
    data = _varied_xlsx(50_000)  # ten times the limit, under the size and ratio bounds
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    started = time.perf_counter()
    with pytest.raises(RosterError, match="more than 5000 rows|plus de 5000 lignes"):
        roster.parse_roster("liste.xlsx", data)
    assert time.perf_counter() - started < 5.0
    # The column titles, the limit and one row more to know it was passed; nothing after.
    assert len(parsed) <= spreadsheets.MAX_ROWS + 2
