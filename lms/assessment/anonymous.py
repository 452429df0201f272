"""Anonymous marking: graders see "Copy 17" instead of a name until the grades are released."""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.assessment import bp
from lms.base import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt
from lms.training.models import Cohort, Enrolment


def is_anonymous(attempt: Attempt) -> bool:
    """Whether graders must not see whose attempt this is (yet)."""
    schedule = _schedule(attempt.enrolment.cohort_id, attempt.item_key)
    return bool(schedule is not None and schedule.anonymous and schedule.names_shown_at is None)


def copy_numbers(cohort_id: int, item_key: str) -> dict[int, int]:
    """Attempt id -> copy number, from 1 in the order attempts were started: stable, since
    attempts are never deleted and later ones only add higher numbers."""
    ids = db.session.scalars(select(Attempt.id).join(
        Enrolment, Attempt.enrolment_id == Enrolment.id).where(
        Enrolment.cohort_id == cohort_id, Attempt.item_key == item_key).order_by(Attempt.id))
    return {attempt_id: number for number, attempt_id in enumerate(ids, start=1)}


def copy_number(attempt: Attempt) -> int:
    """The attempt's copy number within its cohort's quiz."""
    return _cached("copies", (attempt.enrolment.cohort_id, attempt.item_key),
                   lambda: copy_numbers(attempt.enrolment.cohort_id, attempt.item_key)
                   )[attempt.id]


def trainee_label(attempt: Attempt) -> str:
    """How grading pages name the trainee of an attempt: "Copy 17" while anonymous."""
    if is_anonymous(attempt):
        return _("Copy %(n)d", n=copy_number(attempt))
    return attempt.enrolment.user.display_name


def show_names(actor, cohort: Cohort, item_key: str) -> bool:
    """Reveal trainees' names on an anonymously marked quiz (when its grades are released)."""
    schedule = learning.schedule_for(cohort.id, item_key)
    if schedule is None or not schedule.anonymous or schedule.names_shown_at is not None:
        return False
    schedule.names_shown_at = utcnow()
    audit.record(actor, "quiz.names_shown", cohort, after={"item": item_key})
    db.session.commit()
    return True


def _schedule(cohort_id: int, item_key: str):
    return _cached("schedules", (cohort_id, item_key),
                   lambda: learning.schedule_for(cohort_id, item_key))


def _cached(name: str, key, compute):
    """Compute once per request (a grading queue asks for every row)."""
    if not has_request_context():
        return compute()
    store = g.setdefault(f"lms_anonymous_{name}", {})
    if key not in store:
        store[key] = compute()
    return store[key]


@bp.app_context_processor
def _labels() -> dict:
    return {"trainee_label": trainee_label}
