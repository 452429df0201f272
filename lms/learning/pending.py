"""An answer sent after the trainee's session ended, never lost.

The question page's Save may arrive after the session went idle or after the browser dropped
its cookie. Instead of an error, the sign-in page answers it, carrying the typed answer in hidden
fields; once the trainee signs in, the question is shown again with that answer filled in, for
the trainee to save. It is shown, not saved on its own: a forged post could otherwise put
someone else's words in an attempt. Only the attempt's owner, while it is open, sees it.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, render_template
from flask_babel import gettext as _

from lms.extensions import db
from lms.learning.models import Attempt

MAX_VALUES = 200  # a matching question sends one value per pair


def sign_in_keeping_answer(attempt_id: int, number: int, values: list[str]):
    """The sign-in page, in answer to a question's Save that came after the session ended."""
    from lms.auth.forms import LoginForm

    flash(_("Your session ended before your answer was saved. Sign in again: your answer "
            "will be shown back, ready to save."), "info")
    pending = {"attempt": attempt_id, "number": number, "values": values[:MAX_VALUES]}
    return render_template("lms/auth/login.html", form=LoginForm(), pending=pending)


def carried_answer(form: Mapping) -> tuple[int, int, list[str]] | None:
    """(attempt id, question number, values) carried by the sign-in form, if any."""
    attempt_id, number = form.get("pending_attempt", ""), form.get("pending_number", "")
    if not (attempt_id.isdigit() and number.isdigit()):
        return None
    return int(attempt_id), int(number), form.getlist("pending_answer")[:MAX_VALUES]


def attempt_for_carried(user, carried: tuple[int, int, list[str]]) -> Attempt | None:
    """The attempt a carried answer belongs to, if it is the user's, open, and has that
    question number; None otherwise."""
    attempt_id, number, _values = carried
    attempt = db.session.get(Attempt, attempt_id)
    if (attempt is None or attempt.enrolment.user_id != user.id or not attempt.is_open
            or not 1 <= number <= len(attempt.question_order)):
        return None
    return attempt
