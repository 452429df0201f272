"""Sign-in, sign-out, language choice and password change."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
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
from lms.auth.throttle import (
    LoginThrottled,
    clear_login_failures,
    reserve_login_attempt,
)
from lms.extensions import db, login_manager
from lms.learning import pending


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
    """Sign in with service or academy number and password (or a one-time code)."""
    if current_user.is_authenticated:
        return redirect(url_for("lms.learning.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        try:
            reserve_login_attempt(form.login.data, address)
            user = authenticate(form.login.data, form.password.data)
        except LoginThrottled as exc:
            flash(str(exc), "error")
            return render_template("lms/auth/login.html", form=form), 429
        except AccountError as exc:
            flash(str(exc), "error")
            return render_template("lms/auth/login.html", form=form)
        if user is not None:
            clear_login_failures(form.login.data)
            start_session(user)
            carried = pending.carried_answer(request.form)
            if carried and not user.must_change_password:
                from lms.learning.views import show_carried_answer  # (at top level: a circle)

                page = show_carried_answer(user, carried)
                if page is not None:
                    return page
            if user.must_change_password:
                flash(_("Welcome. Choose your own password now; the code you used works "
                        "only once."), "info")
                return redirect(url_for("lms.auth.password"))
            return redirect(safe_next(request.args.get("next"))
                            or url_for("lms.learning.dashboard"))
        flash(_("Wrong number or password. Check both and try again."), "error")
    return render_template("lms/auth/login.html", form=form)


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
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.new.data)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            start_session(user)
            flash(_("Your password is changed."), "info")
            return redirect(url_for("lms.learning.dashboard"))
    return render_template("lms/auth/password.html", form=form)
