"""The answer save, the hottest request of a classroom: the usual case without the ORM.

When a whole intake sits a quiz, nearly every request is a trainee saving one answer. In the
usual case (a signed-in trainee, their own open attempt, in time, a valid answer) it is served
here with two Core statements on one connection: a read of the session's user and the attempt,
then the upsert of `services.store_answer_statement` in a short write transaction. The rules
are the ones of the ORM path, shared: `services.answer_to_store` and `services.is_overdue` for
the answer and the time, the same session checks as `auth.services.load_user` and
`setup.check_signed_in_user` (session version, active account, no password change due, idle
time, Flask-Login's session protection). Anything else (not signed in, someone else's attempt,
a closed or late attempt, an answer cleared or refused) returns None and the request goes on
through the ORM view, which answers it as always: this path decides nothing on its own.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

from flask import redirect, request, session
from flask_login import current_user

from lms.base import LMSError, utcnow
from lms.extensions import db, login_manager
from lms.learning import services as svc
from lms.learning.access import CLOSING_TIMES_KEY, own_attempt_select


def answers_fast(view):
    """Serve a question page's POST here when it is the usual answer save.

    The view is marked so that the signed-in user checks of every request wait for this
    decision (`setup.check_signed_in_user`): they run here before falling back to the view.
    """

    @functools.wraps(view)
    def wrapped(attempt_id: int, number: int):
        if request.method == "POST":
            response = save_answer(attempt_id, number)
            if response is not None:
                return response
        from lms.setup import check_signed_in_user

        redirect_to = check_signed_in_user()
        if request.method == "POST" and not current_user.is_authenticated:
            # The session ended while the trainee was answering: keep what was typed.
            from lms.learning.pending import sign_in_keeping_answer

            return sign_in_keeping_answer(attempt_id, number, request.form.getlist("answer"))
        return redirect_to or view(attempt_id=attempt_id, number=number)

    wrapped.lms_checks_signed_in_user = True
    return wrapped


def save_answer(attempt_id: int, number: int):
    """Store a question page's answer and redirect to the next page, or None (see above)."""
    from lms.auth.services import session_expired

    signed_in = _session_user()
    # Flask-Login's own check of the session's origin, as its user loader runs it (a failure
    # ends the session there: the ORM path then sends the visitor to sign in).
    if signed_in is None or session_expired(session) or login_manager._session_protection_failed():
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
        attempt = SimpleNamespace(**row._mapping, enrolment=SimpleNamespace(
            cohort_id=row.cohort_id), is_open=True)
        request.environ.setdefault(CLOSING_TIMES_KEY, {})[
            (row.cohort_id, row.item_key)] = row.closes_at
        moment = utcnow()
        try:
            question, answer = svc.answer_to_store(
                attempt, attempt.question_order[number - 1], values)
        except LMSError:
            return None
        if answer is None or svc.is_overdue(attempt, moment):
            return None
        from lms.learning.views import url_after_save

        following = url_after_save(attempt, number, request.form.get("go", "next"))
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            saved = conn.execute(svc.store_answer_statement(engine.dialect.name),
                                 svc.answer_row(attempt_id, question, answer, moment)).scalar()
    return None if saved is None else redirect(following)


def _session_user() -> tuple[int, int] | None:
    """(user id, session version) of the signed-in session, from Flask-Login's cookie entry."""
    try:
        user_id, version = (int(part) for part in str(session["_user_id"]).split(":"))
    except (KeyError, ValueError):
        return None
    return user_id, version


@functools.cache
def _read_statement():
    """The user's session columns and the attempt, if it is theirs, in one row (built once)."""
    from lms.assessment.models import QuizSchedule
    from lms.auth.models import User
    from lms.learning.models import Attempt
    from lms.training.models import Enrolment

    return own_attempt_select(
        User.session_version, User.active, User.must_change_password, Enrolment.cohort_id,
        Attempt.id, Attempt.status, Attempt.item_key, Attempt.curriculum_version_id,
        Attempt.content_hash, Attempt.language, Attempt.started_at, Attempt.question_order,
        Attempt.choice_order, QuizSchedule.closes_at)
