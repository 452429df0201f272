"""What a trainer or staff member may open for grading: only the cohorts they train (staff: all)."""

from flask import abort
from sqlalchemy.orm import joinedload

from lms.assessment.services import may_grade
from lms.extensions import db
from lms.i18n import current_locale
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort


def get_cohort_for_grading(user, cohort_id: int) -> Cohort:
    """A cohort the user trains (any for staff), or 404."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not may_grade(user, cohort.id):
        abort(404)
    return cohort


def get_response_for(user, response_id: int) -> Response:
    """A submitted answer in a cohort the user trains, or 404."""
    response = db.session.get(Response, response_id, options=[
        joinedload(Response.attempt).joinedload(Attempt.enrolment)])
    if (response is None or response.attempt.is_open
            or not may_grade(user, response.attempt.enrolment.cohort_id)):
        abort(404)
    return response


def get_quiz_in(cohort, module: str, item: str) -> dict:
    """A quiz (not a practical) of the cohort's curriculum version, or 404."""
    try:
        quiz = learning.assessment_for(cohort.curriculum_version.structure, f"{module}/{item}",
                                       current_locale())
    except learning.UnknownItem:
        abort(404)
    if quiz["settings"]["kind"] == "practical":
        abort(404)
    return quiz
