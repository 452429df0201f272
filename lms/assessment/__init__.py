"""Assessment and grading: quiz schedules, trainer grading, gradebook, statistics, GIFT."""

from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

from lms.assessment import views  # noqa: E402,F401
