"""People and the audit log: staff find users and give one-time codes; admins set roles."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

from lms.people import views  # noqa: E402,F401
