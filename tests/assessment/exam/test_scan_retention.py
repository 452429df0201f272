"""Photos of answer sheets are kept while a person needs them, then for the retention period
after the results are final, then removed by `flask lms paper purge-scans`."""

import io
from datetime import timedelta

from sqlalchemy import select

from lms.assessment import services as grading
from lms.assessment.paper import retention, scanning
from lms.assessment.paper import services as paper
from lms.assessment.paper.models import PaperSheet
from lms.base import utcnow
from lms.extensions import db
from lms.learning.models import Attempt, Response
from tests.assessment.exam.test_paper import right_letters
from tests.assessment.exam.test_scan import QUIZ, _rows, photograph, render_sheet, tick
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer
from tests.conftest import login, make_cohort, make_enrolment, make_user


def scans_of(sheet) -> list[str]:
    return sorted(p.name for p in scanning.scans_dir().glob(f"{sheet.code}-*.png"))


def purge(runner, *args):
    result = runner.invoke(args=["lms", "paper", "purge-scans", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_scan_stays_until_its_paper_is_entered_then_for_the_retention_period(app, client,
                                                                            runner):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    make_enrolment(make_user(last_name="Tshala"), cohort)
    sheet = paper.prepare_papers(trainer, cohort, QUIZ, "fr")[0]
    image = render_sheet(sheet)
    for row in (r for r in _rows(sheet) if r.ticks):
        for letter in right_letters(sheet.attempt, row.question):
            tick(image, row, row.question.letters.index(letter))
    login(client, trainer)
    sent = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/scan",
                       data={"photos": [(io.BytesIO(photograph(image)), "p1.jpg")]},
                       content_type="multipart/form-data")
    assert sent.location.endswith(f"/paper/{sheet.code}")  # written answers: a person looks
    assert scans_of(sheet) == [f"{sheet.code}-1.png"]
    # Not entered yet: even a retention of 0 days keeps it, beside the correction page.
    out = purge(runner, "--days", "0")
    assert "0 copie" in out and "1 copie(s) encore à saisir" in out
    assert scans_of(sheet) and "data:image/png" in client.get(sent.location).text

    db.session.rollback()
    attempt = db.session.get(Attempt, sheet.attempt_id)
    form = {f"q{n}": v for n, v in scanning.typed_from_scans(sheet).items()}
    for q in paper.paper_questions(attempt):
        if q.question["type"] in paper.TEXT_TYPES:
            form[f"q{q.number}"] = right_letters(attempt, q)
    assert client.post(sent.location, data=form).status_code == 302
    db.session.rollback()
    entered = db.session.get(PaperSheet, sheet.id)
    assert entered.entered_at is not None
    # Entered: kept for the retention period (180 days by default), counted from the entry.
    assert app.config["LMS_PAPER_SCAN_RETENTION_DAYS"] == 180
    assert "1 copie(s) dans la durée de conservation" in purge(runner)
    assert scans_of(sheet)
    later = retention.sweep_scans(now=retention.final_at(entered) + timedelta(days=179))
    assert (later.removed, later.kept) == ([], 1)
    preview = purge(runner, "--days", "0", "--dry-run")
    assert f"supprimerait {sheet.code}-1.png" in preview and scans_of(sheet)
    done = purge(runner, "--days", "0")
    assert f"supprimé {sheet.code}-1.png" in done and "1 copie dont les images" in done
    assert scans_of(sheet) == []
    # The results themselves stay: only the image went.
    assert db.session.get(Attempt, sheet.attempt_id).score == attempt.max_score


def _scan_file(sheet, page=1):
    """A stored sheet image, as the scan page leaves it (its content does not matter here)."""
    (scanning.scans_dir() / f"{sheet.code}-{page}.png").write_bytes(b"\x89PNG scan")


def test_an_essay_scan_stays_until_it_is_graded_and_released(app, ctx):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    make_enrolment(cohort=cohort)
    sheet = paper.prepare_papers(trainer, cohort, ESSAY_QUIZ, "fr")[0]
    _scan_file(sheet)
    attempt = sheet.attempt
    typed = {q.number: right_letters(attempt, q) for q in paper.paper_questions(attempt)}
    entered_on = utcnow() - timedelta(days=400)
    paper.enter_paper(trainer, sheet, paper.read_paper(attempt, typed), now=entered_on)
    long_after = utcnow() + timedelta(days=1000)
    # The essay awaits its grader: the scan is kept whatever the time.
    assert retention.sweep_scans(now=long_after, days=0).needed == 1 and scans_of(sheet)
    essay = db.session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                     Response.score.is_(None)))
    graded_on = utcnow() - timedelta(days=100)
    grade = grading.grade_response(trainer, essay, 3, "Bien.", 0, now=graded_on)
    # Graded, not released (anonymous marking, a second look): still needed.
    assert retention.sweep_scans(now=long_after, days=0).needed == 1 and scans_of(sheet)
    released_on = utcnow() - timedelta(days=10)
    grading.release_grades(make_trainer(cohort), [grade], now=released_on)
    final = retention.final_at(db.session.get(PaperSheet, sheet.id))
    assert abs(final - released_on) < timedelta(seconds=1)  # the latest step, not the entry
    assert retention.sweep_scans(days=30).kept == 1 and scans_of(sheet)
    swept = retention.sweep_scans(days=5)
    assert (swept.expired, [p.name for p in swept.removed]) == (1, [f"{sheet.code}-1.png"])
    assert scans_of(sheet) == []


def test_the_scans_of_a_deleted_attempt_are_removed_and_other_files_are_left(app, runner):
    with app.app_context():
        cohort = make_cohort()
        trainer = make_trainer(cohort)
        for name in ("Ilunga", "Kabila"):
            make_enrolment(make_user(last_name=name), cohort)
        gone, kept = paper.prepare_papers(trainer, cohort, QUIZ, "fr")
        for sheet in (gone, kept):
            _scan_file(sheet, 1)
        _scan_file(gone, 2)
        gone_id, gone_code, kept_code = gone.id, gone.code, kept.code
        (scanning.scans_dir() / "notes.txt").write_text("not a scan")
        db.session.delete(db.session.get(Attempt, gone.attempt_id))  # voided by staff
        db.session.commit()
        assert db.session.get(PaperSheet, gone_id) is None
    out = purge(runner)
    assert "2 fichier(s)" in out and "1 copie(s) dont la tentative a été supprimée" in out
    with app.app_context():
        folder = scanning.scans_dir()
        assert not list(folder.glob(f"{gone_code}-*"))
        assert [p.name for p in folder.glob(f"{kept_code}-*")] == [f"{kept_code}-1.png"]
        assert (scanning.scans_dir() / "notes.txt").exists()
