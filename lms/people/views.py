"""Staff pages for people (search, one-time codes, roles) and the admins' audit log."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import admin_required, staff_required
from lms.auth.models import ROLES, User
from lms.auth.services import AccountError, issue_one_time_code
from lms.extensions import db
from lms.i18n import current_locale
from lms.labels import audit_action_choices
from lms.people import bp
from lms.people import services as svc
from lms.people.audit_names import target_names


@bp.route("/")
@staff_required
def index():
    """Search people by number or name."""
    text, role = request.args.get("q", ""), request.args.get("role") or None
    page = request.args.get("page", 1, type=int)
    return render_template("lms/people/index.html", people=svc.search_people(text, role, page),
                           q=text, role=role, roles=ROLES, page=page)


@bp.route("/<int:user_id>")
@staff_required
def person(user_id):
    """Show one person and what staff and admins can do for them."""
    user = db.session.get(User, user_id) or abort(404)
    return render_template("lms/people/person.html", person=user, roles=ROLES,
                           record=svc.person_record(user), lang=current_locale())


@bp.route("/<int:user_id>/code", methods=["POST"])
@staff_required
def one_time_code(user_id):
    """Give a person a one-time code to sign in with (shown once, to print or read out)."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        code = issue_one_time_code(current_user, user)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".person", user_id=user.id))
    return render_template("lms/people/code.html", person=user, code=code)


@bp.route("/<int:user_id>/roles", methods=["POST"])
@admin_required
def roles(user_id):
    """Change a person's roles."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        svc.set_roles(current_user, user, request.form.getlist("role"))
        flash(_("Roles saved."), "info")
    except svc.PeopleError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".person", user_id=user.id))


@bp.route("/<int:user_id>/active", methods=["POST"])
@admin_required
def active(user_id):
    """Disable or re-enable an account."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        svc.set_active(current_user, user, request.form.get("active") == "1")
        flash(_("Account saved."), "info")
    except svc.PeopleError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".person", user_id=user.id))


@bp.route("/audit")
@admin_required
def audit_log():
    """The audit log: who changed what, when, before and after (admins)."""
    action, actor = request.args.get("action", ""), request.args.get("actor", "")
    page = request.args.get("page", 1, type=int)
    records = svc.list_audit(action, actor, page)
    return render_template("lms/people/audit.html", records=records,
                           actors=svc.actors_by_id(records), names=target_names(records),
                           action=action, actor=actor,
                           actions=audit_action_choices(), page=page)
