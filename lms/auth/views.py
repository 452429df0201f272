"""Sign-in, sign-out, language choice and password change."""

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth import bp
from lms.auth.forms import LoginForm, PasswordForm
from lms.auth.services import (
    AccountError,
    authenticate,
    change_password,
    end_session,
    start_session,
)
from lms.extensions import db, login_manager


@login_manager.user_loader
def _load_user(user_id):
    from lms.auth.services import load_user

    return load_user(user_id)


def safe_next(target: str | None) -> str | None:
    """Keep only same-site paths for the post-login redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with service or academy number and password."""
    if current_user.is_authenticated:
        return redirect(url_for("lms.learning.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.login.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next"))
                            or url_for("lms.learning.dashboard"))
        flash(_("Wrong number or password. Check both and try again."), "error")
    expired = g.get("lms_session_expired") or request.args.get("expired")
    return render_template("lms/auth/login.html", form=form, expired=expired)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and end every copy of this session."""
    end_session(current_user if current_user.is_authenticated else None)
    flash(_("You are signed out. The next person can sign in."), "info")
    return redirect(url_for("lms.auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Remember the chosen interface language (per user when signed in)."""
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["locale"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("lms.learning.dashboard"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Let a user change their own password."""
    form = PasswordForm()
    user = current_user._get_current_object()  # the real User: the proxy dies with the session
    if form.validate_on_submit():
        try:
            change_password(user, form.current.data, form.new.data)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            start_session(user)
            flash(_("Your password is changed."), "info")
            return redirect(url_for("lms.learning.dashboard"))
    return render_template("lms/auth/password.html", form=form)
