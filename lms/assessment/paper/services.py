"""Paper exams: one attempt and code per trainee, answers typed or read back, scored as online."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import delete, select

from lms import audit
from lms.assessment.paper.models import PaperSheet
from lms.base import LMSError, utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort, Enrolment

# No 0/O, 1/I/L: a code read aloud or typed from a paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHOICE_TYPES = ("single", "truefalse", "multiple")
TEXT_TYPES = ("short", "numeric", "essay")
QR_PREFIX = "LMSP1"


class PaperRefused(LMSError):
    """A paper code or its answers cannot be taken (the message says why)."""


def new_code() -> str:
    """A short code of 8 characters, shown as XXXX-XXXX."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def show_code(code: str) -> str:
    """The code as printed: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(typed: str) -> str:
    """What was typed or scanned, as stored: capitals, without spaces or dashes; a scanned QR
    payload ("LMSP1:CODE:page") gives its code."""
    text = typed.strip().upper()
    if text.startswith(QR_PREFIX + ":"):
        text = text.split(":")[1]
    return re.sub(r"[\s\-_.]", "", text)


def prepare_papers(actor, cohort: Cohort, item_key: str, lang: str,
                   now: datetime | None = None) -> list[PaperSheet]:
    """One paper per trainee of the cohort: their open attempt (same order as online) or a new
    one, marked as taken on paper, with a code; trainees with no attempt left are skipped."""
    now = now or utcnow()
    quiz = learning.assessment_for(cohort.curriculum_version.structure, item_key, lang)
    if quiz["settings"]["kind"] == "practical":
        raise learning.UnknownItem(item_key)
    sheets = []
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == "active").order_by(Enrolment.id))
    for enrolment in enrolments:
        attempts = learning.list_attempts(enrolment, item_key, now)
        attempt = next((a for a in attempts if a.is_open), None)
        if attempt is None:
            limit = quiz["settings"]["max_attempts"]
            if limit is not None and len(attempts) >= limit:
                continue
            version_quiz = learning.assessment_for(enrolment.curriculum_version.structure,
                                                   item_key, lang)
            attempt = learning.new_attempt(enrolment, item_key, version_quiz,
                                           len(attempts) + 1, now, mode="paper")
            db.session.add(attempt)
            db.session.flush()
        attempt.mode = "paper"
        sheet = db.session.scalar(select(PaperSheet).where(PaperSheet.attempt_id == attempt.id))
        if sheet is None:
            sheet = PaperSheet(attempt_id=attempt.id, code=_unused_code(),
                               printed_by_id=actor.id, printed_at=now)
            db.session.add(sheet)
        sheets.append(sheet)
    audit.record(actor, "paper.print", cohort, after={"item": item_key, "papers": len(sheets)})
    db.session.commit()
    return sheets


def _unused_code() -> str:
    while True:
        code = new_code()
        if db.session.scalar(select(PaperSheet.id).where(PaperSheet.code == code)) is None:
            return code


def find_sheet(code: str, cohort: Cohort, item_key: str) -> PaperSheet:
    """The paper with this code for this cohort's quiz; refused with the reason otherwise."""
    sheet = db.session.scalar(select(PaperSheet).where(PaperSheet.code == normalize_code(code)))
    if sheet is None:
        raise PaperRefused(_("No paper has the code %(code)s. Check the code on the paper and "
                             "type it again.", code=code.strip()))
    attempt = sheet.attempt
    if attempt.enrolment.cohort_id != cohort.id or attempt.item_key != item_key:
        title = learning.quiz_of(attempt)["title"]
        raise PaperRefused(_("The code %(code)s belongs to a paper of another quiz (%(quiz)s, "
                             "%(cohort)s): enter it on that quiz's page.",
                             code=show_code(sheet.code), quiz=title,
                             cohort=attempt.enrolment.cohort.name))
    if sheet.entered_at is not None or not attempt.is_open:
        when = sheet.entered_at or attempt.submitted_at
        raise PaperRefused(_("The paper %(code)s was already entered on %(when)s: its answers "
                             "cannot be entered twice.", code=show_code(sheet.code),
                             when=format_datetime(learning.as_utc(when), "short")))
    return sheet


@dataclass
class PaperQuestion:
    """One question as printed: its number, id, type and what can be ticked."""

    number: int
    question: dict
    letters: str  # the choice letters (choice questions) or answer letters (matching)
    items: list[int]  # matching: the items in printed order


def paper_questions(attempt: Attempt) -> list[PaperQuestion]:
    """The attempt's questions in its own order, with the letters of its own choice order."""
    found = []
    for number, question_id in enumerate(attempt.question_order, start=1):
        question = learning.question_of(attempt, question_id)
        layout = attempt.choice_order.get(question_id)
        if question["type"] == "matching":
            layout = layout if isinstance(layout, dict) else {}
            found.append(PaperQuestion(number, question, LETTERS[:len(layout.get("answers", []))],
                                       list(layout.get("items", []))))
        elif question["type"] in CHOICE_TYPES:
            found.append(PaperQuestion(number, question, LETTERS[:len(layout or [])], []))
        else:
            found.append(PaperQuestion(number, question, "", []))
    return found


def read_letters(attempt: Attempt, question: PaperQuestion, typed: str) -> dict | None:
    """The answer to store for what was written on the paper for one question (None: blank).
    Letters are those printed on this trainee's paper; raises PaperRefused when unclear."""
    text = typed.strip()
    qtype, question_id = question.question["type"], question.question["id"]
    if qtype in TEXT_TYPES:
        return {"text": text} if text else None
    letters = re.sub(r"[\s,;.\-]", "", text.upper())
    if not letters:
        return None
    unknown = [c for c in letters if c not in question.letters]
    if unknown:
        raise PaperRefused(_("Question %(n)d: %(letter)s is not on the paper (letters %(first)s "
                             "to %(last)s).", n=question.number, letter=unknown[0],
                             first=question.letters[0], last=question.letters[-1]))
    layout = attempt.choice_order.get(question_id)
    if qtype == "matching":
        if len(letters) > len(question.items):
            raise PaperRefused(_("Question %(n)d: give one letter per item, %(count)d at most.",
                                 n=question.number, count=len(question.items)))
        matches: list[int | None] = [None] * len(question.question.get("pairs", []))
        for item, letter in zip(question.items, letters, strict=False):
            matches[item] = layout["answers"][LETTERS.index(letter)]
        return {"matches": matches}
    chosen = sorted({layout[LETTERS.index(c)] for c in letters})
    if qtype != "multiple" and len(chosen) > 1:
        raise PaperRefused(_("Question %(n)d takes one letter only: %(letters)s was given.",
                             n=question.number, letters=letters))
    return {"choices": chosen}


def read_paper(attempt: Attempt, typed: dict[int, str], quick: str = "") -> dict[str, dict]:
    """Answers by question id from the entry form: one box per question number, or a quick
    line of letters ("B D A C ...", "-" for blank) for the choice and matching questions."""
    questions = paper_questions(attempt)
    if quick.strip():
        tokens = quick.split()
        ticked = [q for q in questions if q.question["type"] not in TEXT_TYPES]
        if len(tokens) != len(ticked):
            raise PaperRefused(_("The line of letters has %(given)d answers for %(count)d "
                                 "questions to tick: give one per question, - for a blank.",
                                 given=len(tokens), count=len(ticked)))
        for question, token in zip(ticked, tokens, strict=True):
            typed = {**typed, question.number: "" if token == "-" else token}
    answers = {}
    for question in questions:
        answer = read_letters(attempt, question, typed.get(question.number, ""))
        if answer is not None:
            answers[question.question["id"]] = answer
    return answers


def enter_paper(actor, sheet: PaperSheet, answers: dict[str, dict], way: str = "keyboard",
                now: datetime | None = None) -> Attempt:
    """Save a paper's answers as given and submit the attempt, scored as online."""
    attempt, now = sheet.attempt, now or utcnow()
    if sheet.entered_at is not None or not attempt.is_open:
        raise PaperRefused(_("The paper %(code)s was already entered on %(when)s: its answers "
                             "cannot be entered twice.", code=show_code(sheet.code),
                             when=format_datetime(learning.as_utc(
                                 sheet.entered_at or attempt.submitted_at), "short")))
    points = {q.question["id"]: q.question["points"] for q in paper_questions(attempt)}
    db.session.execute(delete(Response).where(Response.attempt_id == attempt.id))
    for question_id, answer in answers.items():
        db.session.add(Response(attempt_id=attempt.id, question_id=question_id, answer=answer,
                                saved_at=now, max_score=points[question_id]))
    attempt.mode = "paper"
    sheet.entered_at, sheet.entered_by_id, sheet.entered_by_way = now, actor.id, way
    sheet.read = {qid: a for qid, a in answers.items()}
    audit.record(actor, "paper.enter", attempt, after={"code": sheet.code, "way": way,
                                                       "answers": len(answers)})
    db.session.commit()
    return learning.submit_attempt(attempt, now=now)


def paper_attempts_in(scope) -> int:
    """How many submitted attempts of the enrolments in a report's scope were taken on paper
    (`scope`: the reports' one-row-per-enrolment subquery)."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Attempt.id)).join(
        scope, scope.c.enrolment_id == Attempt.enrolment_id).where(
        Attempt.status == "submitted", Attempt.mode == "paper")) or 0
