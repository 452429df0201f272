"""What a signed-in user may open: only their own enrolments and attempts."""

import functools
from datetime import datetime

from flask import abort, current_app, has_request_context, request
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from lms.auth.session import signed_in_ids, view_checks_signed_in_user
from lms.extensions import db
from lms.learning.models import Attempt
from lms.learning.services import as_utc, closing_time
from lms.training.models import Enrolment

# Where a request keeps what `prefetch_attempt` read (the WSGI environ is per request, unlike
# `g`, which an application context can share between requests).
PREFETCHED_KEY = "lms.prefetched"
# Loader options are immutable: built once, not on every request.
_WITH_VERSION = [joinedload(Enrolment.curriculum_version)]
_WITH_ENROLMENT = [joinedload(Attempt.enrolment)]


def get_enrolment_for(user, enrolment_id: int) -> Enrolment:
    """The user's own enrolment, or 404."""
    enrolment = db.session.get(Enrolment, enrolment_id, options=_WITH_VERSION)
    if enrolment is None or enrolment.user_id != user.id:
        abort(404)
    return enrolment


def get_attempt_for(user, attempt_id: int) -> Attempt:
    """The user's own attempt, or 404."""
    attempt = db.session.get(Attempt, attempt_id, options=_WITH_ENROLMENT)
    if attempt is None or attempt.enrolment.user_id != user.id:
        abort(404)
    return attempt


def prefetch_attempt(_endpoint, values) -> None:
    """Read what an attempt page needs in one query, before anything asks for it.

    The signed-in user, the attempt, its enrolment and the quiz's closing time are loaded
    together into the session (the user only if the attempt is theirs), so the user loader,
    `get_attempt_for` and `closing_time_for` find them without a query each. It decides
    nothing: those still check the session version, the owner and the time as always, and a
    request whose row is not found here simply reads them the usual way.
    """
    attempt_id = (values or {}).get("attempt_id")
    ids = signed_in_ids()
    if attempt_id is None or ids is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if request.method == "POST" and view_checks_signed_in_user(view):
        return  # an answer save: lms.learning.answers reads what it needs itself
    row = db.session.execute(_prefetch_statement(), {
        "user_id": ids[0], "attempt_id": attempt_id}).first()
    if row is not None:
        # The session's identity map holds objects weakly: keep them for the request.
        request.environ[PREFETCHED_KEY] = tuple(row)


def closing_time_for(attempt: Attempt) -> datetime | None:
    """When the attempt's quiz closes for its cohort: as prefetched for this request, or read."""
    prefetched = request.environ.get(PREFETCHED_KEY) if has_request_context() else None
    if prefetched is not None and prefetched[2] is attempt:
        return as_utc(prefetched[3])
    return closing_time(attempt.enrolment.cohort_id, attempt.item_key)


@functools.cache
def _prefetch_statement():
    """Built once: composing a statement costs more than running it."""
    from lms.assessment.models import QuizSchedule
    from lms.auth.models import User

    return own_attempt_select(User, Enrolment, Attempt, QuizSchedule.closes_at).options(
        lazyload(User.role_rows))


def own_attempt_select(*columns):
    """SELECT `columns` for the user :user_id and the attempt :attempt_id, joined through the
    attempt's enrolment (so a row only if the attempt is theirs) and its cohort's schedule."""
    from lms.assessment.models import QuizSchedule
    from lms.auth.models import User

    return (select(*columns)
            .select_from(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .join(Attempt, Attempt.enrolment_id == Enrolment.id)
            .outerjoin(QuizSchedule, and_(QuizSchedule.cohort_id == Enrolment.cohort_id,
                                          QuizSchedule.item_key == Attempt.item_key))
            .where(User.id == bindparam("user_id"), Attempt.id == bindparam("attempt_id")))
