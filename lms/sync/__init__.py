"""Lab servers working alone and syncing with the academy's central server by bundle files."""

from flask import Blueprint

bp = Blueprint("sync", __name__, url_prefix="/sync")

from lms.sync import views  # noqa: E402,F401
