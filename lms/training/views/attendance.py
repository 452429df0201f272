"""Class meeting registers, paper sign-in sheets and attendance rates."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import trainer_required
from lms.i18n import current_locale
from lms.training import attendance as att
from lms.training import bp
from lms.training import services as svc
from lms.training.access import get_cohort_for_teaching, get_meeting_for
from lms.training.models import ATTENDANCE_STATUSES


@bp.route("/meetings/<int:meeting_id>/register", methods=["GET", "POST"])
@trainer_required
def register(meeting_id):
    """Take (or correct) the register of a class meeting: everyone present by default."""
    meeting = get_meeting_for(current_user, meeting_id)
    if request.method == "POST":
        statuses = {}
        for key, value in request.form.items():
            if key.startswith("status-") and key[7:].isdigit():
                statuses[int(key[7:])] = value
        try:
            changed = att.save_register(meeting, statuses, current_user,
                                        from_paper=bool(request.form.get("from_paper")),
                                        reason=request.form.get("reason", ""))
        except svc.TrainingError as error:
            flash(str(error), "error")
        else:
            if changed:
                flash(_("Register saved; %(n)d corrections recorded.", n=changed), "info")
            else:
                flash(_("Register saved."), "info")
            return redirect(url_for(".class_page", class_id=meeting.class_id))
    cohort = meeting.cohort_class.cohort
    return render_template("lms/training/register.html", meeting=meeting, cohort=cohort,
                           rows=att.register_rows(meeting), statuses=ATTENDANCE_STATUSES,
                           changes=att.corrections(meeting),
                           titles=svc.module_titles(cohort, current_locale()))


@bp.route("/meetings/<int:meeting_id>/sheet")
@trainer_required
def sign_in_sheet(meeting_id):
    """A paper sign-in sheet to print for when the power is out."""
    meeting = get_meeting_for(current_user, meeting_id)
    cohort = meeting.cohort_class.cohort
    return render_template("lms/training/sheet.html", meeting=meeting, cohort=cohort,
                           enrolments=att.class_enrolments(meeting),
                           titles=svc.module_titles(cohort, current_locale()))


@bp.route("/cohorts/<int:cohort_id>/attendance")
@trainer_required
def attendance(cohort_id):
    """Attendance rate per trainee and for the cohort."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    rates = att.rates_for_cohort(cohort.id)
    enrolments = sorted(cohort.enrolments, key=lambda e: (e.user.last_name, e.user.first_name))
    return render_template("lms/training/attendance.html", cohort=cohort,
                           rows=[(e, rates.get(e.id, att.Rate())) for e in enrolments],
                           total=att.cohort_rate(cohort.id))
