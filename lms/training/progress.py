"""The staff dashboard of a cohort: enrolment, progress, attendance, grading backlog, at risk.

Everything is read with a handful of set-based queries, whatever the cohort's size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.curricula.structure import ordered_items
from lms.extensions import db
from lms.i18n import format_percentage
from lms.learning.models import Attempt, LessonProgress
from lms.learning.services import attempt_passed, counted_attempt
from lms.training.attendance import Rate, cohort_rate, rates_for_cohort
from lms.training.models import Cohort, Enrolment

ATTENDANCE_THRESHOLD = 80.0
BEHIND_MARGIN = 25  # percentage points behind the calendar before a trainee is at risk


@dataclass
class TraineeProgress:
    """Where one trainee stands in the cohort."""

    enrolment: Enrolment
    done: int
    total: int
    attendance: Rate
    failed: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class ModuleProgress:
    """How far the cohort is through one module."""

    module_id: str
    title: str
    items: int
    completed_by: int  # trainees who finished every item of the module


@dataclass
class CohortOverview:
    """Figures for the staff dashboard of one cohort."""

    cohort: Cohort
    by_sex: Counter
    trainees: list[TraineeProgress]
    modules: list[ModuleProgress]
    attendance: Rate
    backlog: list[Attempt]
    expected_percent: int

    @property
    def at_risk(self) -> list[TraineeProgress]:
        return [t for t in self.trainees if t.reasons]


def expected_percent(cohort: Cohort, today: date) -> int:
    """The share of the course time elapsed, as the calendar expects progress."""
    days = (cohort.end_date - cohort.start_date).days or 1
    elapsed = (today - cohort.start_date).days
    return max(0, min(100, round(100 * elapsed / days)))


def cohort_overview(cohort: Cohort, lang: str, today: date) -> CohortOverview:
    """Compute the staff dashboard of a cohort."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Enrolment.user).where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.curriculum_version),
                 selectinload(Enrolment.cohort_class))
        .order_by(User.last_name, User.first_name)))
    ids = [e.id for e in enrolments]
    done_keys: dict[int, set[str]] = {i: set() for i in ids}
    for eid, key in db.session.execute(select(LessonProgress.enrolment_id,
                                              LessonProgress.item_key).join(
            Enrolment, Enrolment.id == LessonProgress.enrolment_id).where(
            Enrolment.cohort_id == cohort.id)):
        done_keys[eid].add(key)
    submitted: dict[tuple[int, str], list] = {}
    for row in db.session.execute(select(
            Attempt.enrolment_id, Attempt.item_key, Attempt.number, Attempt.score,
            Attempt.max_score, Attempt.pending_grading).join(
            Enrolment, Enrolment.id == Attempt.enrolment_id).where(
            Enrolment.cohort_id == cohort.id, Attempt.status == "submitted")):
        submitted.setdefault((row.enrolment_id, row.item_key), []).append(row)
        done_keys[row.enrolment_id].add(row.item_key)
    rates = rates_for_cohort(cohort.id)
    expected = expected_percent(cohort, today)
    items_of: dict[int, list[dict]] = {}
    trainees = []
    for enrolment in enrolments:
        structure = enrolment.curriculum_version.structure
        items = items_of.setdefault(enrolment.curriculum_version_id, ordered_items(structure))
        keys = {i["key"] for i in items}
        progress = TraineeProgress(enrolment, len(done_keys[enrolment.id] & keys), len(items),
                                   rates.get(enrolment.id, Rate()))
        for item in items:
            attempts = submitted.get((enrolment.id, item["key"]))
            if not attempts or item["kind"] == "pre_test":  # the pre-test measures, never fails
                continue
            variants = structure["assessments"][item["key"]]
            quiz = variants.get(lang) or next(iter(variants.values()))
            settings = quiz["settings"]
            if attempt_passed(counted_attempt(attempts, settings["grading"]),
                              settings["pass_mark"]) is False:
                progress.failed.append(quiz["title"])
        _reasons(progress, expected)
        trainees.append(progress)
    backlog = list(db.session.scalars(
        select(Attempt).join(Enrolment, Enrolment.id == Attempt.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id, Attempt.status == "submitted",
               Attempt.pending_grading > 0)
        .options(selectinload(Attempt.enrolment).selectinload(Enrolment.user))
        .order_by(Attempt.submitted_at)))
    return CohortOverview(
        cohort=cohort, by_sex=Counter(e.user.sex for e in enrolments), trainees=trainees,
        modules=_modules(cohort, enrolments, done_keys, lang),
        attendance=cohort_rate(cohort.id), backlog=backlog, expected_percent=expected)


def _reasons(progress: TraineeProgress, expected: int) -> None:
    if expected - progress.percent > BEHIND_MARGIN:
        progress.reasons.append(_("progress %(done)s while the calendar expects %(exp)s",
                                  done=format_percentage(progress.percent),
                                  exp=format_percentage(expected)))
    rate = progress.attendance.percent
    if rate is not None and rate < ATTENDANCE_THRESHOLD:
        progress.reasons.append(_("attendance %(rate)s", rate=format_percentage(rate)))
    if progress.failed:
        progress.reasons.append(_("failed: %(quizzes)s", quizzes=", ".join(progress.failed)))


def _modules(cohort: Cohort, enrolments: list[Enrolment], done_keys: dict[int, set[str]],
             lang: str) -> list[ModuleProgress]:
    result = []
    for module in cohort.curriculum_version.structure["modules"]:
        keys = {item["key"] for item in module["items"]}
        finished = sum(1 for e in enrolments if keys <= done_keys[e.id])
        title = module["title"].get(lang) or next(iter(module["title"].values()), module["id"])
        result.append(ModuleProgress(module["id"], title, len(keys), finished))
    return result
