"""What a signed-in user may open: only their own enrolments and attempts."""

from flask import abort
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.learning.models import Attempt
from lms.training.models import Enrolment


def get_enrolment_for(user, enrolment_id: int) -> Enrolment:
    """The user's own enrolment, or 404."""
    enrolment = db.session.get(Enrolment, enrolment_id,
                               options=[joinedload(Enrolment.curriculum_version)])
    if enrolment is None or enrolment.user_id != user.id:
        abort(404)
    return enrolment


def get_attempt_for(user, attempt_id: int) -> Attempt:
    """The user's own attempt, or 404."""
    attempt = db.session.get(Attempt, attempt_id, options=[joinedload(Attempt.enrolment)])
    if attempt is None or attempt.enrolment.user_id != user.id:
        abort(404)
    return attempt
