"""A change to a record's link rows (a cohort's trainers, a person's roles) counts as a change
of the record itself, so that a delta bundle carries it."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from lms.base import utcnow

LINKS = {"Cohort": ("trainer_rows",), "User": ("role_rows",)}


@event.listens_for(Session, "before_flush")
def _touch_parents(session: Session, _context, _instances) -> None:
    """Bump `updated_at` of a cohort or person whose link rows changed in this flush."""
    from lms.training.models import Cohort, CohortTrainer, TotProgramme

    now = utcnow()
    for obj in list(session.dirty) + list(session.new):
        names = LINKS.get(type(obj).__name__)
        if not names or obj in session.new:
            continue
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in names
               if name in state.attrs):
            obj.updated_at = now
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, CohortTrainer | TotProgramme) and obj.cohort_id:
            cohort = session.get(Cohort, obj.cohort_id)
            if cohort is not None:
                cohort.updated_at = now
