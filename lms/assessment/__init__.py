"""Assessment and grading: quiz schedules, grading, gradebook, statistics, regrades, GIFT."""

from flask import Blueprint

# The learning pages use this package's services and models: load lms.learning (and with it
# lms.learning.models, which our models refer to) before our own modules, whichever comes first.
import lms.learning  # noqa: F401

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

from lms.assessment import preview_views, regrade_views, views  # noqa: E402,F401
