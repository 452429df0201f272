"""An exam held on paper at a lab (typed by code, and read from a photo) reaches the academy's
central server as taken on paper: the gradebook, item analysis and reports there say so, as at
the lab."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assessment.paper import scanning
from lms.assessment.paper import services as paper
from lms.assessment.paper.models import PaperSheet
from lms.auth.models import User
from lms.extensions import db
from lms.learning.models import Attempt
from lms.training.models import Cohort, Enrolment
from tests.assessment.exam.test_paper import right_letters
from tests.assessment.exam.test_scan import _rows, photograph, render_sheet, tick
from tests.conftest import PASSWORD
from tests.sync.world import QUIZ, build_world, enrol_intake, on

COHORT = "PdP Mbuji-Mayi"
PROGRAMME = "police-de-proximite"


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    monkeypatch.setattr("lms.sync.export.MARGIN", timedelta(0))
    return build_world(app, tmp_path)


def _signed_in(app, login):
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
    return client


def _sheet_of(login) -> PaperSheet:
    return db.session.scalar(select(PaperSheet).join(Attempt).join(Enrolment).join(User).where(
        User.service_number == login))


def _what_the_pages_say(app, cohort_id) -> dict:
    """What a trainer and a staff member read about paper attempts on one server."""
    trainer, staff = _signed_in(app, "OFF-KA"), _signed_in(app, "STAFF-MB")
    book = trainer.get(f"/assessment/cohorts/{cohort_id}/gradebook")
    export = trainer.get(f"/assessment/cohorts/{cohort_id}/gradebook.csv")
    stats = trainer.get(f"/assessment/statistics/{PROGRAMME}/{QUIZ}")
    report = staff.get("/reports/assessments")
    assert {r.status_code for r in (book, export, stats, report)} == {200}
    text = export.get_data(as_text=True).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text), csv.Sniffer().sniff(text.splitlines()[0])))
    return {
        "badges": book.text.count("sur papier</span>"),
        "export_header": lines[0][-1],
        "export": {line[2]: line[-1] for line in lines[1:]},  # number: quizzes taken on paper
        "stats": re.findall(r"\d+ passées? sur papier", stats.text),
        "report": re.findall(r"\d+ des tentatives comptées ici (?:a|ont) été passées? sur papier",
                             report.text),
    }


def test_a_paper_exam_at_a_lab_arrives_at_the_centre_as_taken_on_paper(world):
    world.down("mbuji-mayi")
    lab = world.labs["mbuji-mayi"]
    enrol_intake(lab, "mbuji-mayi", COHORT, ["MM-1", "MM-2"])
    with on(lab):
        cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.name == COHORT))
    trainer = _signed_in(lab, "OFF-KA")
    base = f"/assessment/cohorts/{cohort_id}/exam/{QUIZ}"
    printed = trainer.post(f"{base}/papers.pdf", data={"lang": "fr"})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"

    # MM-1's paper is typed in by code, letters and written answers.
    with on(lab):
        sheet = _sheet_of("MM-1")
        questions = paper.paper_questions(sheet.attempt)
        typed = {f"q{q.number}": right_letters(sheet.attempt, q) for q in questions}
        code = sheet.code
    assert trainer.post(f"{base}/paper", data={"code": paper.show_code(code)}).status_code == 302
    assert trainer.post(f"{base}/paper/{code}", data=typed).status_code == 302

    # MM-2's sheet is photographed; the written answers are typed beside the image.
    with on(lab):
        sheet = _sheet_of("MM-2")
        image = render_sheet(sheet)
        for row in (r for r in _rows(sheet) if r.ticks):
            for letter in right_letters(sheet.attempt, row.question):
                tick(image, row, row.question.letters.index(letter))
        code, attempt = sheet.code, sheet.attempt
        written = {f"q{q.number}": right_letters(attempt, q)
                   for q in paper.paper_questions(attempt)
                   if q.question["type"] in paper.TEXT_TYPES}
    sent = trainer.post(f"{base}/scan", data={"photos": [(io.BytesIO(photograph(image)),
                                                          "mm2.jpg")]},
                        content_type="multipart/form-data")
    assert sent.location.endswith(f"/paper/{code}")
    with on(lab):
        read = {f"q{n}": v for n, v in scanning.typed_from_scans(_sheet_of("MM-2")).items()}
    assert trainer.post(sent.location, data={**read, **written}).status_code == 302

    with on(lab):
        at_lab = {a.uuid: (a.mode, a.status, a.score, a.max_score)
                  for a in db.session.scalars(select(Attempt))}
        ways = {s.attempt.uuid: s.entered_by_way for s in db.session.scalars(select(PaperSheet))}
    assert sorted(ways.values()) == ["keyboard", "scan"]  # the scan checked by a person
    assert {v[:2] for v in at_lab.values()} == {("paper", "submitted")}
    assert all(v[2] == v[3] for v in at_lab.values())
    lab_pages = _what_the_pages_say(lab, cohort_id)
    assert lab_pages["badges"] == 2 and lab_pages["export_header"] == "Passé sur papier"
    assert set(lab_pages["export"].values()) == {lab_pages["export"]["MM-1"]} != {""}
    assert lab_pages["stats"] == ["2 passées sur papier"]
    assert lab_pages["report"] == ["2 des tentatives comptées ici ont été passées sur papier"]

    world.up("mbuji-mayi")
    with on(world.central):
        at_centre = {a.uuid: (a.mode, a.status, a.score, a.max_score)
                     for a in db.session.scalars(select(Attempt))}
        central_cohort = db.session.scalar(select(Cohort.id).where(Cohort.name == COHORT))
    assert at_centre == at_lab
    assert _what_the_pages_say(world.central, central_cohort) == lab_pages
