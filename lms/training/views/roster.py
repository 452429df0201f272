"""Roster import: upload, preview with every problem by row, commit, printable class list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import staff_required
from lms.training import bp, roster
from lms.training.access import get_cohort_for_teaching
from lms.training.forms import RosterForm


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@staff_required
def import_roster(cohort_id):
    """Upload a roster file and go to its preview."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    form = RosterForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            pending = roster.prepare_import(cohort, current_user, upload.filename or "",
                                            upload.read())
        except roster.RosterError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for(".import_preview", cohort_id=cohort_id,
                                    token=pending.token))
    elif request.method == "POST":
        flash(_("Choose a CSV or XLSX file to send."), "error")
    return render_template("lms/training/import.html", cohort=cohort, form=form)


@bp.route("/cohorts/<int:cohort_id>/import/<token>")
@staff_required
def import_preview(cohort_id, token):
    """Show every row of the file with its problems, and the two ways to commit."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    pending = roster.get_pending(token, current_user)
    if pending is None or pending.cohort_id != cohort.id:
        abort(404)
    problems = roster.problems_of(pending)
    return render_template("lms/training/import_preview.html", cohort=cohort, pending=pending,
                           problems=problems,
                           valid=sum(1 for r in pending.rows if r["line"] not in problems))


@bp.route("/cohorts/<int:cohort_id>/import/<token>", methods=["POST"])
@staff_required
def import_commit(cohort_id, token):
    """Create and enrol the trainees, then show their one-time passwords, once, to print."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    pending = roster.get_pending(token, current_user)
    if pending is None or pending.cohort_id != cohort.id:
        flash(_("This import is finished or expired. Send the file again if needed."), "error")
        return redirect(url_for(".import_roster", cohort_id=cohort_id))
    target = next((c for c in cohort.classes
                   if c.id == request.form.get("class_id", type=int)), None)
    try:
        credentials = roster.commit_import(pending, current_user, request.form.get("mode", ""),
                                           cohort_class=target)
    except roster.RosterError as error:
        flash(str(error), "error")
        return redirect(url_for(".import_preview", cohort_id=cohort_id, token=token))
    credentials.sort(key=lambda c: (c.user.last_name, c.user.first_name))
    return render_template("lms/training/credentials.html", cohort=cohort,
                           credentials=credentials)
