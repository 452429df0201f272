"""Error pages in the user's language, for the LMS blueprint."""

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError


def register(bp: Blueprint) -> None:
    """Attach friendly error pages to the LMS blueprint."""

    @bp.errorhandler(CSRFError)
    def csrf_error(error):
        if request.endpoint == "lms.learning.question" and current_user.is_authenticated:
            # Never drop a trainee's answer: show it again with a fresh token to resend.
            from lms.learning.access import get_attempt_for
            from lms.learning.views import render_question

            attempt = get_attempt_for(current_user, request.view_args["attempt_id"])
            number = request.view_args["number"]
            if attempt.is_open and 1 <= number <= len(attempt.question_order):
                flash(_("Your answer was not saved yet: press Save again."), "error")
                return render_question(attempt, number, posted=request.form.getlist("answer"),
                                       status=400)
        message = _("This form was open too long or was sent twice. Nothing was lost: "
                    "go back, reload the page and send it again.")
        return render_template("lms/error.html", title=_("Please try again"),
                               message=message), 400

    @bp.errorhandler(403)
    def forbidden(error):
        return render_template("lms/error.html", title=_("Access denied"),
                               message=_("Your account cannot open this page.")), 403

    @bp.errorhandler(404)
    def not_found(error):
        return render_template("lms/error.html", title=_("Page not found"),
                               message=_("This page does not exist or is not yours.")), 404

    @bp.errorhandler(413)
    def too_large(error):
        return render_template("lms/error.html", title=_("File too large"),
                               message=_("What you sent is too large. Send a smaller file.")), 413
