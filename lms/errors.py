"""Error pages in the user's language, for the LMS blueprint."""

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

# SQLite (and disk) states that pass: the page says so instead of showing a 500.
UNAVAILABLE = ("database is locked", "readonly", "read-only", "disk i/o error",
               "database or disk is full", "unable to open database file")


def storage_unavailable(error: Exception) -> bool:
    """True if a database error means "cannot write now", not a bug."""
    text = str(getattr(error, "orig", error)).lower()
    return any(marker in text for marker in UNAVAILABLE)


def csrf_error_page():
    """The page for a form whose token expired or was sent twice (a feature may do better)."""
    message = _("This form was open too long or was sent twice. Nothing was lost: "
                "go back, reload the page and send it again.")
    return render_template("lms/error.html", title=_("Please try again"), message=message), 400


def register(bp: Blueprint) -> None:
    """Attach friendly error pages to the LMS blueprint."""

    @bp.errorhandler(CSRFError)
    def csrf_error(error):
        return csrf_error_page()

    @bp.errorhandler(OperationalError)
    def database_unavailable(error):
        if not storage_unavailable(error):
            raise error
        from lms.extensions import db

        db.session.rollback()
        current_app.logger.error("Database unavailable: %s", error)
        title = _("The server could not save right now")
        message = _("The server could not save right now; your previous answers are safe. "
                    "Try again in a moment.")
        try:
            # The page itself only reads (the signed-in user): never ask for the write lock.
            g.lms_reads_only = True
            page = render_template("lms/error.html", title=title, message=message)
        except OperationalError:
            db.session.rollback()
            page = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
        return page, 503, {"Retry-After": "5"}

    @bp.errorhandler(403)
    def forbidden(error):
        return render_template("lms/error.html", title=_("Access denied"),
                               message=_("Your account cannot open this page.")), 403

    @bp.errorhandler(404)
    def not_found(error):
        return render_template("lms/error.html", title=_("Page not found"),
                               message=_("This page does not exist or is not yours.")), 404

    # App-level: the body is refused wherever it is read (a view, the CSRF check before it).
    @bp.app_errorhandler(413)
    def too_large(error):
        return too_large_page()


def upload_limit_mb() -> str:
    """The request size limit in megabytes, in the reader's number format ("5", "0,5")."""
    limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH") or 0
    megabytes = limit / (1024 * 1024)
    return format_decimal(round(megabytes, 1) if megabytes >= 1 else round(megabytes, 3))


def too_large_page():
    """The page for a request body over MAX_CONTENT_LENGTH (an upload too big): 413."""
    message = _("The file is too big: at most %(mb)s MB can be sent at once. Nothing was saved. "
                "Send a smaller file (split a long list into several files, or remove large "
                "images from a programme), or ask the administrator to raise the limit.",
                mb=upload_limit_mb())
    return render_template("lms/error.html", title=_("File too large"), message=message), 413
