"""Staff and trainer pages for training operations; importing this registers them on `bp`."""

from lms.training import bp
from lms.training.views import attendance, cohorts, enrolment, roster, tot  # noqa: F401

__all__ = ["bp"]
