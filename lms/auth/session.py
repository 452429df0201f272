"""Who is signed in on this request: the checks every LMS page runs before its view.

A session names its user as "<id>:<session version>" (`User.get_id`); a stale version, an idle
session, a disabled account or a password change due each end or divert the visit here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.extensions import login_manager

View = TypeVar("View", bound=Callable)

# Pages a user who must change their password may still open.
ALLOWED_BEFORE_PASSWORD_CHANGE = {"lms.auth.password", "lms.auth.logout", "lms.auth.language",
                                  "lms.static", "lms.favicon"}
# Flask-Login keeps the signed-in user's id (our "<id>:<version>") under this session key.
FLASK_LOGIN_USER_KEY = "_user_id"


def parse_session_id(value) -> tuple[int, int] | None:
    """(user id, session version) from the id a session stores, or None if malformed."""
    try:
        user_id, version = (int(part) for part in str(value).split(":"))
    except (TypeError, ValueError):
        return None
    return user_id, version


def signed_in_ids() -> tuple[int, int] | None:
    """(user id, session version) the session claims, without checking anything."""
    return parse_session_id(session.get(FLASK_LOGIN_USER_KEY))


def session_identity() -> tuple[int, int] | None:
    """(user id, session version) of the session if Flask-Login's protection accepts it.

    Flask-Login 0.6 runs its session protection (the session's origin must match the
    browser's) only inside its private user loading, which would read the user through the
    ORM: the one query the fast answer save exists to avoid. So this calls that same private
    check, here and nowhere else; a failure ends the session as Flask-Login itself would.
    """
    ids = signed_in_ids()
    if ids is None or login_manager._session_protection_failed():
        return None
    return ids


def check_signed_in_user():
    """End an idle session; send a user who must change their password to that page first.

    Run before every LMS view (or by the view itself, see `checks_signed_in_user_itself`);
    a redirect to return, or None.
    """
    from lms.auth.services import end_session, session_expired

    if current_user.is_authenticated and session_expired(session):
        end_session()
        g.lms_session_expired = True
        flash(_("Your session ended after a period of inactivity. Please sign in again; "
                "your saved answers are kept."), "info")
    elif (current_user.is_authenticated and current_user.must_change_password
          and request.endpoint not in ALLOWED_BEFORE_PASSWORD_CHANGE):
        return redirect(url_for("lms.auth.password"))
    return None


def checks_signed_in_user_itself(view: View) -> View:
    """Mark a view that runs `check_signed_in_user()` itself, after a decision of its own.

    The request hook then leaves the check to the view (the fast answer save decides from one
    Core query first, and runs the check only when it hands the request to the usual view).
    """
    view.lms_checks_signed_in_user = True
    return view


def view_checks_signed_in_user(view) -> bool:
    """Whether a view runs the signed-in user checks itself."""
    return getattr(view, "lms_checks_signed_in_user", False)
