"""The trainee's learning flow: programmes, lessons, quizzes."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from lms.learning import views, wait_views  # noqa: E402,F401
from lms.learning.access import prefetch_attempt  # noqa: E402

bp.url_value_preprocessor(prefetch_attempt)
