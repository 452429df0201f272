"""Curriculum authoring from the browser: drafts, checking, preview, publishing, ZIP folders."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/authoring")

from lms.authoring import cohort_views, file_views, views  # noqa: E402,F401
