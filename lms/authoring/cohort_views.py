"""Staff pages: move a cohort to another published version after seeing what changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import role_required
from lms.authoring import bp
from lms.extensions import db
from lms.i18n import current_locale
from lms.lazy import lazy_module
from lms.training.models import Cohort

svc = lazy_module("lms.authoring.cohorts")  # moving cohorts: at first use
curricula = lazy_module("lms.curricula.services")


@bp.route("/cohorts/<int:cohort_id>/version", methods=["GET", "POST"])
@role_required("staff", "curriculum_editor")
def move_cohort(cohort_id):
    """Choose a version for a cohort, see what changes for its trainees, then move it."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    version_id = request.values.get("version", type=int)
    version = curricula.get_version(version_id) if version_id else None
    if version is not None and version.programme_id != cohort.programme_id:
        abort(404)
    if request.method == "POST":
        if version is None:
            abort(400)
        moved = svc.move_cohort(cohort, version, current_user)
        flash(_("%(cohort)s now follows version %(version)s (%(count)d trainees moved; attempts "
                "already taken keep their version).", cohort=cohort.name,
                version=version.version, count=moved), "success")
        return redirect(url_for(".move_cohort", cohort_id=cohort.id))
    summary = svc.cohort_changes(cohort, version) if version is not None else None
    return render_template("lms/authoring/cohort.html", cohort=cohort, summary=summary,
                           versions=svc.target_versions(cohort), lang=current_locale())
