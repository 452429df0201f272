"""Saving an answer holds SQLite's write lock for one statement, and never stores an answer into
an attempt that another request has just submitted."""

import pytest
from sqlalchemy import event, select, update

from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.learning.scoring import QUESTION_TYPES
from tests.conftest import choice, login, make_enrolment

QUIZ = "principes/quiz-principes"


def _sqlite_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock")


def _transactions(statements: list[str]) -> list[list[str]]:
    """Statements grouped by transaction: each list starts with its BEGIN."""
    groups: list[list[str]] = []
    for statement in statements:
        if statement.startswith("BEGIN"):
            groups.append([statement])
        elif groups and groups[-1][-1] != "COMMIT" and groups[-1][-1] != "ROLLBACK":
            groups[-1].append(statement)
    return groups


def _recorded(client, path: str, data: dict) -> tuple:
    """Send a POST; its answer and the statements it ran, COMMIT included."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:3]))

    def ended(conn, *args):
        statements.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", ended)
    try:
        page = client.post(path, data=data)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", ended)
    return page, statements


def _started(client):
    db.session.rollback()
    enrolment = make_enrolment()
    login(client, enrolment.user)
    return client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start"
                       ).headers["Location"]


@pytest.mark.parametrize("path", ["question page", "autosave"])
def test_saving_an_answer_holds_the_write_lock_for_the_insert_alone(app, client, path):
    _sqlite_only(app)
    first = _started(client)
    attempt_id = int(first.split("/")[2])
    db.session.rollback()
    question_id = db.session.get(Attempt, attempt_id).question_order[0]

    def save(value):
        if learning.question_of(db.session.get(Attempt, attempt_id),
                                question_id).get("choices"):
            value = choice(attempt_id, question_id, int(value))[0]
        if path == "autosave":  # the ORM path (lms.learning.answers.save_response)
            return _recorded(client, f"/attempt/{attempt_id}/autosave",
                             {"question": question_id, "answer": [value]})
        # the usual save of a question page: lms.learning.answers
        return _recorded(client, first, {"answer": [value], "go": "next"})

    page, statements = save("0")

    assert page.status_code == (200 if path == "autosave" else 302)
    writes = [t for t in _transactions(statements) if t[0] == "BEGIN IMMEDIATE"]
    # The user, the attempt and the quiz window are read without the lock; then one statement
    # stores the answer if the attempt is still open.
    assert writes == [["BEGIN IMMEDIATE", "INSERT INTO lms_responses", "COMMIT"]], statements
    # One query reads the signed-in user, the attempt, its enrolment and the quiz's closing
    # time together, not a query each, and without the lock.
    if path == "autosave":
        reads = [t for t in _transactions(statements) if t[0] == "BEGIN DEFERRED"]
        selects = [s for s in reads[0] if s.startswith("SELECT")]
        assert len(reads) == 1 and selects == ["SELECT lms_users.id, lms_users.service_number,"]
    else:  # one statement needs no transaction of its own
        assert statements == ["SELECT lms_users.session_version, lms_users.active,",
                              "BEGIN IMMEDIATE", "INSERT INTO lms_responses", "COMMIT"]
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    question = learning.question_of(attempt, question_id)
    expected = QUESTION_TYPES[question["type"]].read
    saved = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert [(r.question_id, r.answer) for r in saved] == [(question["id"],
                                                           expected(question, ["0"]))]

    # Saving the same question again replaces the answer (one row, the new value).
    save("1")
    db.session.rollback()
    saved = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert [(r.question_id, r.answer) for r in saved] == [(question["id"],
                                                           expected(question, ["1"]))]


def test_submitting_takes_the_write_lock_once_to_score_and_close(app, client):
    _sqlite_only(app)
    first = _started(client)
    attempt_id = int(first.split("/")[2])
    db.session.rollback()
    question_id = db.session.get(Attempt, attempt_id).question_order[0]
    client.post(first, data={"answer": choice(attempt_id, question_id, 0), "go": "next"})

    page, statements = _recorded(client, f"/attempt/{attempt_id}/submit", {})

    assert page.status_code == 302
    groups = _transactions(statements)
    writes = [t for t in groups if t[0] == "BEGIN IMMEDIATE"]
    assert len(writes) == 1, statements
    assert groups[0][0] == "BEGIN DEFERRED"  # the user and the attempt: read without the lock
    assert "SELECT lms_responses.id, lms_responses.attempt_id," in writes[0]
    assert "UPDATE lms_attempts SET" in writes[0] and writes[0][-1] == "COMMIT"
    db.session.rollback()
    assert db.session.get(Attempt, attempt_id).status == "submitted"


def test_an_answer_arriving_just_after_a_submit_is_refused_and_not_stored(app):
    enrolment = make_enrolment()
    attempt = learning.start_attempt(enrolment, QUIZ, "fr")
    question = attempt.question_order[0]
    assert attempt.is_open  # what this request has read...
    with db.engine.connect() as other:  # ...before another request submitted the attempt
        other.execute(update(Attempt).where(Attempt.id == attempt.id).values(
            status="submitted"))
        other.commit()

    with pytest.raises(learning.AttemptClosed):
        answer_save.save_response(attempt, question, choice(attempt.id, question, 0))

    db.session.rollback()
    assert db.session.scalars(select(Response).where(
        Response.attempt_id == attempt.id)).all() == []
