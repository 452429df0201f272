"""Factories for training tests: programmes, qualified trainers, classes and meetings."""

from __future__ import annotations

from datetime import date, time

from lms.extensions import db
from lms.training import services as svc
from lms.training.models import Qualification
from tests.conftest import CURRICULA, make_cohort, make_enrolment, make_user, publish


def programme_version(code: str = "police-de-proximite"):
    """The published version of a bundled programme (published once)."""
    return publish(CURRICULA / code)


def qualified_trainer(programme, **fields):
    """A trainer holding a qualification for `programme`."""
    trainer = make_user(roles=("trainer",), **fields)
    db.session.add(Qualification(user=trainer, programme=programme, granted_on=date(2016, 3, 26)))
    db.session.commit()
    return trainer


def class_with_trainees(n: int = 3, version=None, name="Cohort A"):
    """A cohort with one class led by a qualified trainer, and `n` trainees in it."""
    cohort = make_cohort(version or programme_version(), name=name)
    trainer = qualified_trainer(cohort.programme, first_name="Grace", last_name="Ilunga")
    cohort_class = svc.create_class(cohort, "Class A", trainer=trainer)
    db.session.commit()
    enrolments = []
    for i in range(n):
        enrolment = make_enrolment(make_user(first_name=f"T{i}", last_name=f"Trainee{i}"), cohort)
        enrolment.cohort_class = cohort_class
        enrolments.append(enrolment)
    db.session.commit()
    return cohort, cohort_class, trainer, enrolments


def meeting(cohort_class, day=date(2026, 4, 1), start=time(8, 0)):
    """A class meeting on `day`."""
    found = svc.create_meeting(cohort_class, day=day, start=start, room="Salle 1")
    db.session.commit()
    return found
