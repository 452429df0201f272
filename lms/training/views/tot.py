"""Train-the-trainer: completion, qualifications, the cascade."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import staff_required
from lms.base import utcnow
from lms.extensions import db
from lms.i18n import current_locale
from lms.training import bp, tot
from lms.training.access import get_cohort_for_teaching, get_enrolment_in
from lms.training.services import TrainingError


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:enrolment_id>/complete", methods=["POST"])
@staff_required
def complete(cohort_id, enrolment_id):
    """Mark a trainee as having completed the cohort (a ToT graduate becomes qualified)."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    enrolment = get_enrolment_in(cohort, enrolment_id)
    try:
        granted = tot.complete_enrolment(enrolment, actor=current_user)
    except TrainingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(name)s has completed the course; %(n)d qualifications granted.",
                name=enrolment.user.display_name, n=len(granted)), "info")
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/complete-by-post-test", methods=["POST"])
@staff_required
def complete_by_post_test(cohort_id):
    """Complete every trainee of the cohort who passed the post-test."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    done = tot.complete_by_post_test(cohort, actor=current_user)
    db.session.commit()
    flash(_("%(n)d trainees passed the post-test and are marked as completed.", n=len(done)),
          "info")
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.route("/qualifications")
@staff_required
def qualifications():
    """Who is qualified for which programme, since when, by which ToT session."""
    return render_template("lms/training/qualifications.html",
                           qualifications=tot.list_qualifications(), lang=current_locale(),
                           today=utcnow().date())


@bp.route("/cascade")
@staff_required
def cascade():
    """ToT session -> trainers -> cohorts they led -> trainees trained, with counts."""
    return render_template("lms/training/cascade.html", sessions=tot.cascade(),
                           lang=current_locale())
