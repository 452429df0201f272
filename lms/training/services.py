"""Sites, cohorts and enrolments."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.auth.models import Site, User
from lms.base import LMSError
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.training.models import Cohort, CohortTrainer, Enrolment


class TrainingError(LMSError):
    """A training operation broke a rule; the message says which."""


def get_or_create_site(code: str, name: str) -> Site:
    """The site with `code`, created if new."""
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name)
        db.session.add(site)
        db.session.flush()
    return site


def create_cohort(*, name: str, programme: Programme, site: Site, start: date, end: date,
                  version: CurriculumVersion | None = None, actor=None) -> Cohort:
    """Create a cohort of `programme` at `site`, on its latest version unless told."""
    if end < start:
        raise TrainingError(_("The end date must be after the start date."))
    version = version or (programme.versions[-1] if programme.versions else None)
    if version is None:
        raise TrainingError(_("Publish a curriculum version of this programme first."))
    cohort = Cohort(name=name, programme=programme, site=site, start_date=start, end_date=end,
                    curriculum_version=version)
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "cohort.create", cohort, after={"name": name})
    return cohort


def assign_trainer(cohort: Cohort, trainer: User) -> None:
    """Let a trainer lead and grade a cohort."""
    if not trainer.has_role("trainer"):
        raise TrainingError(_("%(name)s is not a trainer.", name=trainer.display_name))
    if all(row.user_id != trainer.id for row in cohort.trainer_rows):
        cohort.trainer_rows.append(CohortTrainer(user=trainer))


def enrol(user: User, cohort: Cohort, actor=None) -> Enrolment:
    """Enrol a trainee, pinning the cohort's current curriculum version."""
    existing = db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id))
    if existing is not None:
        return existing
    enrolment = Enrolment(user=user, cohort=cohort,
                          curriculum_version=cohort.curriculum_version)
    db.session.add(enrolment)
    db.session.flush()
    audit.record(actor, "enrolment.create", enrolment,
                 after={"user": user.login_id, "cohort": cohort.name})
    return enrolment
