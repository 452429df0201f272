"""Knowledge gain between the pre-test and the post-test, per trainee, cohort and item."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort, Enrolment


@dataclass
class TraineeGain:
    """One trainee's pre and post percentages and normalized gain."""

    enrolment: Enrolment
    pre: float | None = None
    post: float | None = None

    @property
    def gain(self) -> float | None:
        """g = (post - pre) / (100 - pre); None when either is missing or pre is 100 %."""
        if self.pre is None or self.post is None or self.pre >= 100:
            return None
        return (self.post - self.pre) / (100 - self.pre)


@dataclass
class CohortGain:
    """The cohort's figures, over trainees who sat both tests."""

    both: list[TraineeGain] = field(default_factory=list)
    missing: list[TraineeGain] = field(default_factory=list)
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_gain: float | None = None       # average of individual gains
    class_gain: float | None = None      # gain of the averages (Hake)
    passed_pre: float | None = None      # percent of trainees at or above the pass mark
    passed_post: float | None = None
    items: list[dict] = field(default_factory=list)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def first_attempts(cohort: Cohort, item_key: str) -> dict[int, Attempt]:
    """Each trainee's first submitted, fully graded attempt at a test, by enrolment id."""
    found: dict[int, Attempt] = {}
    for attempt in db.session.scalars(
            select(Attempt).join(Enrolment).where(
                Enrolment.cohort_id == cohort.id, Attempt.item_key == item_key,
                Attempt.status == "submitted").order_by(Attempt.number)):
        if attempt.enrolment_id not in found and not attempt.pending_grading:
            found[attempt.enrolment_id] = attempt
    return found


def _percent(attempt: Attempt | None) -> float | None:
    if attempt is None or not attempt.max_score:
        return None
    return 100 * (attempt.score or 0) / attempt.max_score


def cohort_gain(cohort: Cohort) -> CohortGain | None:
    """Pre/post figures of a cohort; None when the programme has no pre/post pair."""
    structure = cohort.curriculum_version.structure
    if not (structure.get("pre_test") and structure.get("post_test")):
        return None
    pre_key = f"evaluations/{structure['pre_test']}"
    post_key = f"evaluations/{structure['post_test']}"
    pre_mark = _pass_mark(structure, pre_key)
    post_mark = _pass_mark(structure, post_key)
    pre, post = first_attempts(cohort, pre_key), first_attempts(cohort, post_key)
    result = CohortGain()
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)
                                    .options(joinedload(Enrolment.user)))
    for enrolment in sorted(enrolments, key=lambda e: (e.user.last_name, e.user.first_name)):
        row = TraineeGain(enrolment, _percent(pre.get(enrolment.id)),
                          _percent(post.get(enrolment.id)))
        (result.both if row.pre is not None and row.post is not None
         else result.missing).append(row)
    if result.both:
        result.mean_pre = _mean([r.pre for r in result.both])
        result.mean_post = _mean([r.post for r in result.both])
        result.mean_gain = _mean([r.gain for r in result.both if r.gain is not None])
        if result.mean_pre < 100:
            result.class_gain = (result.mean_post - result.mean_pre) / (100 - result.mean_pre)
        count = len(result.both)
        result.passed_pre = 100 * sum(r.pre >= pre_mark - 1e-9 for r in result.both) / count
        result.passed_post = 100 * sum(r.post >= post_mark - 1e-9 for r in result.both) / count
        result.items = item_gains(structure, pre_key, [pre[r.enrolment.id] for r in result.both],
                                  [post[r.enrolment.id] for r in result.both])
    return result


def _pass_mark(structure: dict, key: str) -> float:
    variants = structure["assessments"][key]
    return next(iter(variants.values()))["settings"]["pass_mark"]


def item_gains(structure: dict, pre_key: str, pre: list[Attempt], post: list[Attempt]
               ) -> list[dict]:
    """Per question: percent of the points earned before and after, and the difference."""
    lang = structure["languages"][0]
    questions = structure["assessments"][pre_key].get(lang) or next(
        iter(structure["assessments"][pre_key].values()))

    def rates(attempts: list[Attempt]) -> dict[str, float]:
        earned: dict[str, float] = {}
        possible: dict[str, float] = {}
        ids = [a.id for a in attempts]
        responses = {(r.attempt_id, r.question_id): r for r in db.session.scalars(
            select(Response).where(Response.attempt_id.in_(ids or [-1])))}
        for attempt in attempts:
            for qid in attempt.question_order:
                response = responses.get((attempt.id, qid))
                q = next((q for q in questions["questions"] if q["id"] == qid), None)
                if q is None:
                    continue
                possible[qid] = possible.get(qid, 0) + q["points"]
                earned[qid] = earned.get(qid, 0) + ((response.score or 0) if response else 0)
        return {qid: 100 * earned[qid] / possible[qid] for qid in possible if possible[qid]}

    before, after = rates(pre), rates(post)
    items = []
    for q in questions["questions"]:
        if q["id"] in before or q["id"] in after:
            b, a = before.get(q["id"]), after.get(q["id"])
            items.append({"id": q["id"], "stem_html": q["stem_html"], "pre": b, "post": a,
                          "change": a - b if a is not None and b is not None else None})
    return items
