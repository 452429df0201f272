"""Certificates: eligibility, issue, PDF, public and offline verification, Open Badges."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from lms.certificates import views  # noqa: E402,F401
