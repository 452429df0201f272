"""Moving a cohort to another published version of its programme."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import audit
from lms.authoring.changes import file_diffs, is_structural, item_changes
from lms.authoring.services import DraftError
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from lms.learning.models import Attempt
from lms.training.models import Cohort, Enrolment


def open_cohorts() -> list[Cohort]:
    """Cohorts that have not finished yet (end date today or later), by start date."""
    return list(db.session.scalars(select(Cohort).where(Cohort.end_date >= date.today())
                                   .order_by(Cohort.start_date, Cohort.name)))


def target_versions(cohort: Cohort) -> list[CurriculumVersion]:
    """The programme's published versions a cohort can move to (all but its own)."""
    return [v for v in cohort.programme.versions if v.id != cohort.curriculum_version_id]


def cohort_changes(cohort: Cohort, version: CurriculumVersion) -> dict:
    """What moving `cohort` to `version` changes for its trainees: items, questions, files,
    and how many trainees and attempts there are (attempts keep their own version)."""
    if version.programme_id != cohort.programme_id:
        raise DraftError(_("This version belongs to another programme."))
    current = cohort.curriculum_version
    changes = item_changes(current.structure, version.structure)
    active = [e for e in cohort.enrolments if e.status == "active"]
    attempts = db.session.scalar(
        select(func.count(Attempt.id)).join(Enrolment, Attempt.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort.id)) or 0
    return {"current": current, "version": version, "changes": changes,
            "structural": is_structural(changes), "active": len(active),
            "completed": len(cohort.enrolments) - len(active), "attempts": attempts,
            "files": file_diffs(current.sources, version.sources, current.version,
                                version.version)}


def move_cohort(cohort: Cohort, version: CurriculumVersion, actor=None) -> int:
    """Pin the cohort and its trainees still in training to `version`; attempts already taken
    stay pinned to theirs. Returns how many trainees moved."""
    if version.programme_id != cohort.programme_id:
        raise DraftError(_("This version belongs to another programme."))
    before = cohort.curriculum_version.version
    cohort.curriculum_version = version
    moved = 0
    for enrolment in cohort.enrolments:
        if enrolment.status == "active" and enrolment.curriculum_version_id != version.id:
            enrolment.curriculum_version = version
            moved += 1
    audit.record(actor, "authoring.cohort_moved", cohort,
                 before={"version": before}, after={"version": version.version,
                                                    "trainees": moved})
    db.session.commit()
    return moved
