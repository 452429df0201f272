"""Training operations: sites, cohorts, classes, rosters, attendance, train-the-trainer."""

from flask import Blueprint

# The views are imported by lms.training.views (from setup), not here: lms.learning.models
# imports lms.training.models, and the training views import lms.learning in turn.
bp = Blueprint("training", __name__, url_prefix="/training")
