"""Adding people who already have an account to a cohort: a ToT, a refresher, a second programme."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import staff_required
from lms.auth.models import User
from lms.extensions import db
from lms.people.services import search_people
from lms.training import bp
from lms.training import services as svc
from lms.training.access import get_cohort_for_teaching


@bp.route("/cohorts/<int:cohort_id>/add-people", methods=["GET", "POST"])
@staff_required
def add_people(cohort_id):
    """Find existing people by name or number and enrol them in this cohort, in a class."""
    cohort = get_cohort_for_teaching(current_user, cohort_id)
    query = request.values.get("q", "").strip()
    if request.method == "POST":
        person = db.session.get(User, request.form.get("user_id", type=int) or 0) or abort(400)
        target = next((c for c in cohort.classes
                       if c.id == request.form.get("class_id", type=int)), None)
        try:
            svc.enrol_existing(person, cohort, actor=current_user, cohort_class=target)
        except svc.TrainingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now enrolled in this cohort.", name=person.display_name), "info")
        return redirect(url_for(".add_people", cohort_id=cohort.id, q=query))
    found = search_people(query) if query else []
    enrolled = {e.user_id for e in cohort.enrolments}
    return render_template("lms/training/add_people.html", cohort=cohort, q=query, found=found,
                           enrolled=enrolled)
