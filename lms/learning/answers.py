"""The answer save, the hottest request of a classroom: the usual path and the fast path.

The usual path (`save_response`) works on ORM objects: the question page when the fast path
declines, the background autosave, tests and the command line. When a whole intake sits a quiz,
nearly every request is a trainee saving one answer: in the usual case (a signed-in trainee,
their own open attempt, in time, a valid answer) the question page's POST is served by
`save_answer` with two Core statements on one connection: a read of the session's user, the
attempt and the quiz's closing time, then the upsert of `store_answer_statement` in a short
write transaction. Both paths share the rules: `answer_to_store`, `services.is_overdue`, the
session checks of `lms.auth.session`. Anything else (not signed in, someone else's attempt, a
closed or late attempt, an answer cleared or refused, a value that is not one of the choices)
makes the fast path return None and the request goes on through the usual view, which answers
it as always: the fast path decides nothing on its own. tests/learning/test_fastsave.py drives
both paths with the same cases.
"""

from __future__ import annotations

import functools
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select

from lms.auth.session import check_signed_in_user, checks_signed_in_user_itself, session_identity
from lms.base import LMSError, new_uuid, utcnow
from lms.extensions import db
from lms.learning import services as svc
from lms.learning.access import own_attempt_select
from lms.learning.choices import InvalidChoice, decode_values  # noqa: F401 (views import it here)
from lms.learning.models import Attempt, Response
from lms.learning.services import (
    SCHEDULED,
    AnswerTooLong,
    AttemptClosed,
    UnknownItem,
    close_if_expired,
    question_of,
    read_answer,
)
from lms.transactions import write_transaction

# The usual path ---------------------------------------------------------------------------------

def save_response(attempt: Attempt, question_id: str, values: list[str],
                  now: datetime | None = None,
                  closes_at: datetime | None | str = SCHEDULED) -> int | None:
    """Store the answer to one question at once; the response's id (None: answer cleared).

    `closes_at` is the quiz's closing time if the caller has read it (else it is read here).

    The rules are checked on what the request has read; the write is one statement in a short
    write transaction of its own, which stores the answer only if the attempt is still open.
    """
    if not attempt.is_open:
        raise AttemptClosed(_closed())
    if close_if_expired(attempt, now, closes_at):
        raise AttemptClosed(_("Time is up: this answer arrived after the time limit and was not "
                              "saved. Your earlier answers were submitted."))
    question, answer = answer_to_store(attempt, question_id, values)
    attempt_id, moment = attempt.id, now or utcnow()
    with write_transaction():
        if answer is None:
            if db.session.scalar(select(Attempt.id).where(
                    Attempt.id == attempt_id, Attempt.status == "open")) is None:
                raise AttemptClosed(_closed())
            db.session.execute(delete(Response).where(Response.attempt_id == attempt_id,
                                                      Response.question_id == question_id))
            return None
        saved = db.session.execute(store_answer_statement(db.session.get_bind().dialect.name),
                                   answer_row(attempt_id, question, answer, moment)).scalar()
        if saved is None:  # submitted by another request since this one read it
            raise AttemptClosed(_closed())
    return saved


def answer_to_store(attempt, question_id: str, values: list[str]) -> tuple[dict, dict | None]:
    """(question, answer to store) for form values given to one question of an open attempt.

    The attempt may be an `Attempt` or any object with its columns (the fast path of
    `save_answer` below). Raises UnknownItem, AnswerTooLong or InvalidChoice (a value that
    is not one of the question's choices: the saved answer stays); None means "no answer".
    """
    if question_id not in attempt.question_order:
        raise UnknownItem(question_id)
    question = question_of(attempt, question_id)
    limit = current_app.config["LMS_MAX_ANSWER_CHARS"]
    if any(len(v) > limit for v in values):
        raise AnswerTooLong(_("Your answer is too long: at most %(n)d characters. Shorten it "
                              "and save again.", n=limit))
    values = decode_values(attempt.uuid, question, values)
    return question, read_answer(question, values, attempt.choice_order.get(question_id))


def answer_row(attempt_id: int, question: dict, answer: dict, moment: datetime) -> dict:
    """The parameters of `store_answer_statement` for one answer."""
    return {"attempt_id": attempt_id, "question_id": question["id"], "answer": answer,
            "saved_at": moment, "max_score": question["points"], "uuid": new_uuid(),
            "created_at": moment, "updated_at": moment}


def _closed() -> str:
    return _("This attempt is already submitted; its answers cannot change.")


@functools.cache
def store_answer_statement(dialect: str):
    """INSERT ... SELECT ... WHERE the attempt is open ON CONFLICT DO UPDATE RETURNING id:
    an answer stored or replaced in one statement, and no row when the attempt is closed.

    Built once per dialect (SQLite or PostgreSQL); parameters named after the columns.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = Response.__table__
    names = ["attempt_id", "question_id", "answer", "saved_at", "max_score", "uuid",
             "created_at", "updated_at"]
    row = select(*(bindparam(name, type_=table.c[name].type) for name in names)).where(
        Attempt.id == bindparam("attempt_id"), Attempt.status == "open")
    statement = insert(table).from_select(names, row)
    return statement.on_conflict_do_update(
        index_elements=[table.c.attempt_id, table.c.question_id],
        set_={name: statement.excluded[name] for name in ("answer", "saved_at", "updated_at")},
    ).returning(table.c.id)



def url_after_save(attempt, number, go):
    """Where a question page's Save leads: next, previous, a chosen number or the review."""
    total = len(attempt.question_order)
    if go == "review" or (go == "next" and number == total):
        return url_for(".review", attempt_id=attempt.id)
    if go == "prev":
        return url_for(".question", attempt_id=attempt.id, number=max(1, number - 1))
    if go.isdigit() and 1 <= int(go) <= total:
        return url_for(".question", attempt_id=attempt.id, number=int(go))
    return url_for(".question", attempt_id=attempt.id, number=min(total, number + 1))



# The fast path --------------------------------------------------------------------------------

def answers_fast(view):
    """Serve a question page's POST here when it is the usual answer save.

    The view is marked (`checks_signed_in_user_itself`) so that the signed-in user checks of
    every request wait for this decision: they run here before falling back to the view.
    """

    @functools.wraps(view)
    def wrapped(attempt_id: int, number: int):
        if request.method == "POST":
            response = save_answer(attempt_id, number)
            if response is not None:
                return response
        return check_signed_in_user() or view(attempt_id=attempt_id, number=number)

    return checks_signed_in_user_itself(wrapped)


def save_answer(attempt_id: int, number: int):
    """Store a question page's answer and redirect to the next page, or None (see above)."""
    from lms.auth.services import session_expired

    # Flask-Login's own check of the session's origin, as its user loader runs it (a failure
    # ends the session there: the ORM path then sends the visitor to sign in).
    signed_in = session_identity()
    if signed_in is None or session_expired(session):
        return None
    user_id, version = signed_in
    values = request.form.getlist("answer")
    engine = db.engine
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="AUTOCOMMIT")  # one statement: no BEGIN needed
        row = conn.execute(_read_statement(), {"user_id": user_id,
                                               "attempt_id": attempt_id}).first()
        conn.rollback()  # end the read (PostgreSQL began a transaction)
        if (row is None or row.session_version != version or not row.active
                or row.must_change_password or row.status != "open"
                or not 1 <= number <= len(row.question_order)):
            return None
        attempt = SimpleNamespace(**row._mapping, is_open=True)
        moment = utcnow()
        try:
            question, answer = answer_to_store(attempt, attempt.question_order[number - 1],
                                               values)
        except LMSError:
            return None
        if answer is None or svc.is_overdue(attempt, moment, closes_at=row.closes_at):
            return None
        following = url_after_save(attempt, number, request.form.get("go", "next"))
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            saved = conn.execute(store_answer_statement(engine.dialect.name),
                                 answer_row(attempt_id, question, answer, moment)).scalar()
    return None if saved is None else redirect(following)


@functools.cache
def _read_statement():
    """The user's session columns and the attempt, if it is theirs, in one row (built once)."""
    from lms.assessment.models import QuizSchedule
    from lms.auth.models import User
    from lms.learning.models import Attempt
    from lms.training.models import Enrolment

    return own_attempt_select(
        User.session_version, User.active, User.must_change_password, Enrolment.cohort_id,
        Attempt.id, Attempt.uuid, Attempt.status, Attempt.item_key, Attempt.curriculum_version_id,
        Attempt.content_hash, Attempt.language, Attempt.started_at, Attempt.question_order,
        Attempt.choice_order, QuizSchedule.closes_at)
