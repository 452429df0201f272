"""Staff pages to regrade a quiz after a newer version corrects its answer key: the quiz's
regrades, a preview that writes nothing, the confirmed apply, and one regrade's record."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.assessment import bp
from lms.assessment import regrade as svc
from lms.assessment.answer_keys import describe_change, describe_problem
from lms.assessment.models import Regrade, RegradeAttempt
from lms.auth.access import staff_required
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.i18n import current_locale
from lms.learning.models import Attempt
from lms.training.models import Enrolment

_WORDS = {"describe_change": describe_change, "describe_problem": describe_problem}


def _quiz_for(code: str, module: str, item: str) -> tuple[Programme, str, dict]:
    """The programme, item key and latest wording of a quiz, or 404."""
    programme = db.session.scalar(select(Programme).where(Programme.code == code)) or abort(404)
    key = f"{module}/{item}"
    versions = svc.quiz_versions(programme, key)
    if not versions:
        abort(404)
    try:
        return programme, key, svc.get_quiz(programme, key, versions[0], current_locale())
    except svc.RegradeError:
        abort(404)


def _version_of(programme: Programme, version_id: int) -> CurriculumVersion:
    version = db.session.get(CurriculumVersion, version_id)
    if version is None or version.programme_id != programme.id:
        abort(404)
    return version


@bp.route("/regrade/<code>/<module>/<item>")
@staff_required
def regrades(code, module, item):
    """List a quiz's past regrades and the versions its attempts can be regraded to."""
    programme, key, quiz = _quiz_for(code, module, item)
    return render_template("lms/assessment/regrades.html", programme=programme, key=key,
                           quiz=quiz, versions=svc.quiz_versions(programme, key),
                           regrades=svc.list_regrades(programme, key))


@bp.route("/regrade/<code>/<module>/<item>/<int:version_id>")
@staff_required
def regrade_preview(code, module, item, version_id):
    """Show what regrading past attempts to this version's key would change; writes nothing."""
    programme, key, _quiz = _quiz_for(code, module, item)
    version = _version_of(programme, version_id)
    try:
        plan = svc.plan_regrade(programme, key, version, current_locale())
    except svc.RegradeError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".regrades", code=code, module=module, item=item))
    return render_template("lms/assessment/regrade_preview.html", plan=plan, code=code,
                           module=module, item=item, **_WORDS)


@bp.route("/regrade/<code>/<module>/<item>/<int:version_id>", methods=["POST"])
@staff_required
def regrade_apply(code, module, item, version_id):
    """Apply the regrade the staff member previewed and confirmed."""
    programme, key, _quiz = _quiz_for(code, module, item)
    version = _version_of(programme, version_id)
    try:
        regrade = svc.apply_regrade(current_user, programme, key, version,
                                    request.form.get("fingerprint", ""), current_locale())
    except svc.RegradeChanged as exc:
        flash(str(exc), "error")
        return redirect(url_for(".regrade_preview", code=code, module=module, item=item,
                                version_id=version.id))
    except svc.RegradeError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".regrades", code=code, module=module, item=item))
    if regrade is None:
        flash(_("Nothing to regrade: every submitted attempt is already scored on this answer "
                "key."), "info")
        return redirect(url_for(".regrades", code=code, module=module, item=item))
    rows = regrade.attempts
    changed = sum(1 for r in rows if (r.score_before, r.max_before) != (r.score_after,
                                                                         r.max_after))
    flips = sum(1 for r in rows if r.passed_before != r.passed_after)
    flash(" ".join([
        ngettext("Regrade applied: %(num)d attempt regraded,", "Regrade applied: %(num)d "
                 "attempts regraded,", len(rows)),
        ngettext("%(num)d score changed,", "%(num)d scores changed,", changed),
        ngettext("%(num)d pass or fail result changed.", "%(num)d pass or fail results "
                 "changed.", flips)]), "info")
    return redirect(url_for(".regrade_detail", regrade_id=regrade.id))


@bp.route("/regrades/<int:regrade_id>")
@staff_required
def regrade_detail(regrade_id):
    """Show one applied regrade: who, when, what changed in the key, every score before/after."""
    regrade = db.session.get(Regrade, regrade_id, options=[
        joinedload(Regrade.attempts).joinedload(RegradeAttempt.attempt)
        .joinedload(Attempt.enrolment).joinedload(Enrolment.user)]) or abort(404)
    module, item = regrade.item_key.split("/", 1)
    return render_template("lms/assessment/regrade_detail.html", regrade=regrade,
                           module=module, item=item, **_WORDS)

