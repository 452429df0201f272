"""The waiting page of an exam that opens in waves: it moves on by itself (no JavaScript)."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.assessment import waves
from lms.i18n import current_locale
from lms.learning import bp
from lms.learning import services as svc
from lms.learning.access import get_enrolment_for


@bp.route("/learn/<int:enrolment_id>/<module>/<item>/wait")
@login_required
def wait(enrolment_id, module, item):
    """Tell an early trainee when the quiz opens for them; back to its start page once open."""
    enrolment = get_enrolment_for(current_user, enrolment_id)
    now = svc.utcnow()
    schedule = svc.schedule_for(enrolment.cohort_id, f"{module}/{item}")
    opens = waves.opening_for(schedule, enrolment)
    if opens is None or now >= opens:
        return redirect(url_for(".item", enrolment_id=enrolment.id, module=module, item=item))
    try:
        quiz = svc.assessment_for(enrolment.curriculum_version.structure, f"{module}/{item}",
                                  current_locale())
    except svc.UnknownItem:
        abort(404)
    return render_template("lms/learning/wait.html", enrolment=enrolment, quiz=quiz,
                           opens_at=opens, refresh=waves.refresh_after(opens, enrolment.id, now),
                           module=module, item=item)


def waiting_url(enrolment, key: str, now=None) -> str | None:
    """The waiting page's address when the trainee's opening is near (None otherwise)."""
    now = now or svc.utcnow()
    opens = waves.opening_for(svc.schedule_for(enrolment.cohort_id, key), enrolment)
    if opens is None or now >= opens or opens - now > waves.WAITING_SPAN:
        return None
    module, item = key.split("/", 1)
    return url_for("lms.learning.wait", enrolment_id=enrolment.id, module=module, item=item)
