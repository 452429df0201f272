"""Streamed report downloads: the download starts before anything is counted, and the file is
whole and faithful when it ends."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from lms.extensions import db
from lms.reports import catalogue
from lms.reports.exports import csv_stream, xlsx_chunks
from lms.reports.tables import Table
from tests.conftest import login, make_user


def awkward_table(title: str = "Pass rates: <all> & more") -> Table:
    return Table("t", title, ["Cohort", "Start", "Sat", "Rate"],
                 [["Frontières <Kasapa> & \"Co\"\x07", date(2026, 3, 1), 12, 66.7],
                  ["=cmd|' /C calc'!A0", None, 0, None]],
                 note="A note", footer=["Total", "", 12, 66.7])


def test_the_workbook_starts_before_its_tables_are_built_and_reads_back_whole():
    built = []

    def build():
        built.append(True)
        return [awkward_table(), awkward_table()]  # two sheets of one name

    chunks = xlsx_chunks(build)
    first = next(chunks)
    assert first.startswith(b"PK") and built == []  # already sent: nothing counted yet
    data = first + b"".join(chunks)
    assert built == [True]
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 2 and len(set(book.sheetnames)) == 2
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Pass rates: <all> & more" and rows[1][0] == "A note"
    assert rows[3] == ("Cohort", "Start", "Sat", "Rate")
    # Text kept (a control character dropped), dates as dates, numbers as numbers.
    assert rows[4][0] == "Frontières <Kasapa> & \"Co\""
    assert rows[4][1].date() == date(2026, 3, 1) and rows[4][2] == 12 and rows[4][3] == 66.7
    assert rows[5][0] == "'=cmd|' /C calc'!A0"  # never run as a formula
    assert rows[6] == ("Total", None, 12, 66.7)


def test_a_csv_download_sends_its_headers_and_first_bytes_before_counting(app):
    built = []

    def build():
        built.append(True)
        return awkward_table()

    with app.test_request_context():
        response = csv_stream(build, "report-t.csv", french_excel=True)
        assert response.is_streamed
        assert response.headers["Content-Disposition"] == \
            'attachment; filename="report-t-excel-fr.csv"'
        body = iter(response.response)
        assert next(body) == "\ufeff".encode() and built == []
        text = b"".join(body).decode()
    assert built == [True]
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ["Cohort", "Start", "Sat", "Rate"]
    assert lines[1][3] == "66,7" and lines[2][0] == "'=cmd|' /C calc'!A0"


def test_every_table_downloads_through_the_streamed_workbook(app, client, known):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    response = client.get(f"/reports/export/all.xlsx?programme={known.border_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="report-all-')
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == len(catalogue.TABLE_KEYS)
    # The enrolment sheet holds the same figures as the page's table.
    sheet = book.worksheets[catalogue.TABLE_KEYS.index("enrolment")]
    cohorts = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Frontières Kasapa 2026" in cohorts
    assert client.get("/reports/export/nothing.xlsx").status_code == 404
    assert client.get("/reports/export/all.pdf").status_code == 404
