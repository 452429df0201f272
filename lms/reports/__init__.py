"""Reports for programme managers and donors: figures by sex, charts, exports, summaries."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from lms.reports import views  # noqa: E402,F401
from lms.reports.filters import analytic_transaction  # noqa: E402

bp.before_request(analytic_transaction)
