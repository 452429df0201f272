"""Curricula: the Markdown format, checking, publishing immutable versions, diffs."""

from flask import Blueprint

bp = Blueprint("curricula", __name__, url_prefix="/curricula")

from lms.curricula import views  # noqa: E402,F401
