"""The paper fallback: printed papers in each trainee's own order, answers typed back by code."""

import html
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.assessment.paper import services as paper
from lms.assessment.paper.models import PaperSheet
from lms.audit import AuditRecord
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.learning.scoring import QUESTION_TYPES
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer, right_values
from tests.conftest import login, make_cohort, make_enrolment, make_user

QUIZ = "principes/quiz-principes"  # shuffled questions and choices


def right_letters(attempt, question: paper.PaperQuestion) -> str:
    """What a trainee who knows the answers writes on their paper for one question."""
    q = question.question
    if q["type"] in paper.TEXT_TYPES:
        return right_values(q)[0]
    layout = attempt.choice_order[q["id"]]
    return "".join(paper.LETTERS[at] for at, index in enumerate(layout)
                   if q["choices"][index]["correct"])


@pytest.fixture
def exam(app):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    online = make_enrolment(make_user(last_name="Ilunga"), cohort)
    fresh = make_enrolment(make_user(last_name="Tshala"), cohort)
    started = learning.start_attempt(online, QUIZ, "fr")
    return cohort, trainer, online, fresh, started


def test_each_trainee_gets_a_paper_in_the_order_they_have_online(exam, ctx):
    cohort, trainer, online, fresh, started = exam
    sheets = paper.prepare_papers(trainer, cohort, QUIZ, "fr")
    by_enrolment = {s.attempt.enrolment_id: s for s in sheets}
    assert by_enrolment[online.id].attempt_id == started.id  # the open attempt, same order
    new = by_enrolment[fresh.id].attempt
    seeded = learning.new_attempt(fresh, QUIZ, learning.assessment_for(
        fresh.curriculum_version.structure, QUIZ, "fr"), 1, new.started_at)
    assert (new.question_order, new.choice_order) == (seeded.question_order,
                                                      seeded.choice_order)
    assert {s.attempt.mode for s in sheets} == {"paper"}
    assert all(len(s.code) == 8 for s in sheets) and len({s.code for s in sheets}) == 2
    # Printing again reprints the same papers: same attempts, same codes.
    again = paper.prepare_papers(trainer, cohort, QUIZ, "en")
    assert {(s.attempt_id, s.code) for s in again} == {(s.attempt_id, s.code) for s in sheets}
    # A paper attempt is not closed by the time limit: its answers come in afterwards; and the
    # trainee cannot go on with it online.
    assert not learning.is_overdue(new, new.started_at.replace(year=2099))
    with pytest.raises(learning.QuizNotOpen, match="sur papier"):
        learning.start_attempt(fresh, QUIZ, "fr")


def test_the_papers_print_as_one_pdf(exam, client):
    cohort, trainer, *_rest = exam
    login(client, trainer)
    printed = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/papers.pdf",
                          data={"lang": "en"})
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")
    assert printed.mimetype == "application/pdf"
    # Two trainees: for each, a question booklet and an answer sheet with their code.
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(printed.data)).pages]
    codes = [paper.show_code(s.code) for s in db.session.scalars(select(PaperSheet))]
    assert len(pages) == 4 and "Answer sheet (1/1)" in pages[1]
    assert codes[0] in pages[0] and codes[0] in pages[1] and codes[1] in pages[3]


def test_typed_answers_are_scored_as_online_and_a_code_is_taken_once(exam, client):
    cohort, trainer, online, _fresh, _started = exam
    sheets = paper.prepare_papers(trainer, cohort, QUIZ, "fr")
    sheet = next(s for s in sheets if s.attempt.enrolment_id == online.id)
    attempt = sheet.attempt
    questions = paper.paper_questions(attempt)
    wrong = next(q for q in questions if q.question["type"] == "single")
    typed = {}
    for q in questions:
        typed[f"q{q.number}"] = right_letters(attempt, q)
    layout = attempt.choice_order[wrong.question["id"]]
    typed[f"q{wrong.number}"] = next(paper.LETTERS[at] for at, i in enumerate(layout)
                                     if not wrong.question["choices"][i]["correct"])
    login(client, trainer)
    code = f"{sheet.code[:4].lower()}-{sheet.code[4:].lower()}"  # typed as it comes
    opened = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper",
                         data={"code": code})
    assert opened.location.endswith(f"/paper/{sheet.code}")
    page = client.get(opened.location)
    assert "ILUNGA" in page.text and 'id="q1"' in page.text
    saved = client.post(opened.location, data=typed, follow_redirects=True)
    assert "entrée" in saved.text
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.status == "submitted" and attempt.mode == "paper"
    assert attempt.score == pytest.approx(attempt.max_score - wrong.question["points"])
    # The same answers given online would be stored the same way.
    for response in db.session.scalars(select(Response).where(Response.attempt_id == attempt.id)):
        question = learning.question_of(attempt, response.question_id)
        if question["id"] != wrong.question["id"]:
            assert response.answer == QUESTION_TYPES[question["type"]].read(
                question, right_values(question), attempt.choice_order.get(question["id"]))
    # The same code again is refused, and says why.
    twice = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper",
                        data={"code": sheet.code}, follow_redirects=True)
    assert "déjà été saisie" in html.unescape(twice.text)
    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "paper.enter")).actor_id == trainer.id
    # The gradebook and the item analysis say which attempts were taken on paper.
    book = client.get(f"/assessment/cohorts/{cohort.id}/gradebook")
    assert book.text.count("sur papier") == 1
    export = client.get(f"/assessment/cohorts/{cohort.id}/gradebook.csv").text.splitlines()
    assert export[0].endswith(",Passé sur papier")
    ilunga = next(line for line in export if line.startswith("Ilunga"))
    assert ilunga.endswith("Quiz — Les principes de la police de proximité")
    client.post("/logout")
    login(client, make_user(roles=("staff",)))
    analysis = client.get(f"/assessment/statistics/{cohort.programme.code}/{QUIZ}")
    assert "1 passée sur papier" in analysis.text
    report = client.get("/reports/assessments")
    assert "1 des tentatives comptées ici a été passée sur papier." in report.text


def test_a_code_of_another_quiz_or_unclear_letters_are_refused(exam, client):
    cohort, trainer, online, _fresh, _started = exam
    sheet = paper.prepare_papers(trainer, cohort, QUIZ, "fr")[0]
    other = paper.prepare_papers(trainer, cohort, ESSAY_QUIZ, "fr")[0]
    login(client, trainer)
    refused = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper",
                          data={"code": other.code}, follow_redirects=True)
    assert "autre quiz" in html.unescape(refused.text)
    unknown = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper",
                          data={"code": "ZZZZ-ZZZZ"}, follow_redirects=True)
    assert "Aucune copie" in unknown.text
    single = next(q for q in paper.paper_questions(sheet.attempt)
                  if q.question["type"] == "single")
    bad = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper/{sheet.code}",
                      data={f"q{single.number}": "AB"})
    assert bad.status_code == 422 and f"La question {single.number}" in html.unescape(bad.text)
    line = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/paper/{sheet.code}",
                       data={"quick": "A B"})
    assert line.status_code == 422
    db.session.rollback()
    assert db.session.get(PaperSheet, sheet.id).entered_at is None
    assert db.session.get(Attempt, sheet.attempt_id).is_open


def test_the_quick_line_fills_the_ticked_questions_and_an_essay_joins_the_queue(app, ctx):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    enrolment = make_enrolment(cohort=cohort)
    sheet = paper.prepare_papers(trainer, cohort, ESSAY_QUIZ, "fr")[0]
    attempt = sheet.attempt
    questions = paper.paper_questions(attempt)
    ticked = [q for q in questions if q.question["type"] not in paper.TEXT_TYPES]
    line = " ".join(right_letters(attempt, q) for q in ticked)
    typed = {q.number: right_letters(attempt, q) for q in questions
             if q.question["type"] in paper.TEXT_TYPES}
    answers = paper.read_paper(attempt, typed, line)
    done = paper.enter_paper(trainer, sheet, answers)
    assert done.pending_grading == 1 and done.mode == "paper"
    from lms.assessment import services as grading

    assert [r.attempt_id for r in grading.grading_queue(trainer)] == [attempt.id]
    assert enrolment.id == attempt.enrolment_id
    with pytest.raises(paper.PaperRefused):
        paper.enter_paper(trainer, sheet, answers)
