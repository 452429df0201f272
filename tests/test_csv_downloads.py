"""Every CSV download: one charset in its type, and a variant that opens right in French Excel
(';' between cells, decimal commas, UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from lms.assessment import gradebook as book
from tests.assessment.helpers import make_attempt, make_trainer
from tests.conftest import login, make_cohort, make_enrolment, make_user

QUIZ = "principes/quiz-principes"


def _rows(response, delimiter):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))


def _links(html: str, path: str) -> list[str]:
    pattern = r'href="([^"]*' + re.escape(path) + r'[^"]*)"'
    return [unescape(h) for h in re.findall(pattern, html)]


def test_every_csv_download_has_a_french_excel_variant_next_to_it(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    trainee = make_enrolment(make_user(last_name="Banza"), cohort)
    quiz = trainee.curriculum_version.structure["assessments"][QUIZ]["fr"]
    make_attempt(trainee, QUIZ, {quiz["questions"][0]["id"]: quiz["questions"][0]["points"]})
    _assessments, [row] = book.build_gradebook(cohort, "fr")
    on_20 = row.cells[QUIZ].on_20
    assert on_20 != int(on_20)

    login(client, trainer)
    page = client.get(f"/assessment/cohorts/{cohort.id}/gradebook").text
    plain, french = sorted(_links(page, "/gradebook.csv"), key=len)
    assert "excel=fr" in french and "excel=fr" not in plain
    standard = _rows(client.get(plain), ",")
    assert f"{on_20:g}" in standard[1]
    excel = _rows(client.get(french), ";")
    assert f"{on_20:g}".replace(".", ",") in excel[1] and f"{on_20:g}" not in excel[1]
    assert excel[0] == standard[0]

    staff = make_user(roles=("staff",))
    client = app.test_client()
    login(client, staff)
    page = client.get(f"/training/cohorts/{cohort.id}").text
    plain, french = sorted(_links(page, "/participants.csv"), key=len)
    assert "excel=fr" in french
    assert _rows(client.get(plain), ",")[1][2] == "Banza"
    assert _rows(client.get(french), ";")[1][2] == "Banza"

    page = client.get("/reports/").text
    links = _links(page, "/export/")
    csv_links = [link for link in links if ".csv" in link]
    assert csv_links and len([x for x in csv_links if "excel=fr" in x]) * 2 == len(csv_links)
    for link in csv_links:
        _rows(client.get(link), ";" if "excel=fr" in link else ",")
