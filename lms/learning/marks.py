"""A trainee's own marks ("My marks"): every assessment with its mark out of 20, the released
feedback, what still waits for a trainer, the attendance rate and what remains for the
certificate (the certificate's own eligibility rules, so the two never disagree)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import Attempt
from lms.learning.services import assessment_for, attempt_passed, counted_attempt, ordered_items
from lms.training.models import Enrolment


@dataclass
class Mark:
    """One assessment as its trainee sees it."""

    key: str
    kind: str  # quiz | pre_test | post_test | practical
    title: str
    state: str  # not_taken | in_progress | awaiting_trainer | not_released | final
    on_20: float | None = None
    score: float | None = None
    max_score: float | None = None
    passed: bool | None = None
    attempt_id: int | None = None
    feedback: list[dict] = field(default_factory=list)  # {"comment", "criteria", "levels"}


@dataclass
class Report:
    """One enrolment's marks, attendance and certificate rules."""

    enrolment: Enrolment
    marks: list[Mark]
    attendance: float | None  # percent; None while no register counted the trainee
    rules: list  # lms.certificates.services.RuleResult
    eligible: bool

    @property
    def waiting(self) -> list[Mark]:
        """The marks a trainer still has to give or release."""
        return [m for m in self.marks if m.state in ("awaiting_trainer", "not_released")]


def _on_20(score: float | None, maximum: float | None) -> float | None:
    if score is None or not maximum:
        return None
    return round(20 * score / maximum, 2)


def _quiz_mark(item: dict, quiz: dict, attempts: list[Attempt]) -> Mark:
    from lms.assessment.services import attempt_grades

    mark = Mark(item["key"], quiz["settings"]["kind"], quiz["title"], "not_taken")
    submitted = [a for a in attempts if a.status == "submitted"]
    if not submitted:
        mark.state = "in_progress" if attempts else "not_taken"
        return mark
    counted = counted_attempt(submitted, quiz["settings"]["grading"])
    mark.attempt_id = counted.id
    grades = attempt_grades(counted)
    if counted.pending_grading:
        mark.state = "awaiting_trainer"
        return mark
    if any(not g.released for g in grades.values()):
        mark.state = "not_released"
        return mark
    by_id = {q["id"]: q for q in quiz["questions"]}
    for qid, grade in grades.items():
        mark.feedback.append({"comment": grade.comment, "chosen": dict(grade.criteria or {}),
                              "criteria": by_id.get(qid, {}).get("criteria", []),
                              "score": grade.score, "max_score": grade.max_score})
    mark.state, mark.score, mark.max_score = "final", counted.score or 0, counted.max_score
    mark.on_20 = _on_20(mark.score, mark.max_score)
    mark.passed = attempt_passed(counted, quiz["settings"]["pass_mark"])
    return mark


def _practical_mark(item: dict, practical: dict, enrolment: Enrolment) -> Mark:
    from lms.assessment.services import grade_for, practical_subject

    mark = Mark(item["key"], "practical", practical["title"], "awaiting_trainer")
    grade = grade_for(practical_subject(enrolment, item["key"]))
    if grade is None:
        return mark
    if not grade.released:
        mark.state = "not_released"
        return mark
    mark.state, mark.score, mark.max_score = "final", grade.score, grade.max_score
    mark.on_20 = _on_20(grade.score, grade.max_score)
    mark.passed = (not grade.max_score
                   or 100 * grade.score / grade.max_score >= practical["settings"]["pass_mark"]
                   - 1e-9)
    mark.feedback.append({"comment": grade.comment, "chosen": dict(grade.criteria or {}),
                          "criteria": practical["criteria"], "score": grade.score,
                          "max_score": grade.max_score})
    return mark


def marks_report(enrolment: Enrolment, lang: str) -> Report:
    """Everything "My marks" shows for one enrolment, in course order."""
    from lms.certificates.services import attendance_rate, eligibility

    structure = enrolment.curriculum_version.structure
    attempts: dict[str, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.enrolment_id == enrolment.id).order_by(Attempt.number)):
        attempts.setdefault(attempt.item_key, []).append(attempt)
    marks = []
    for item in ordered_items(structure):
        if item["kind"] == "lesson":
            continue
        assessment = assessment_for(structure, item["key"], lang)
        if assessment["settings"]["kind"] == "practical":
            marks.append(_practical_mark(item, assessment, enrolment))
        else:
            marks.append(_quiz_mark(item, assessment, attempts.get(item["key"], [])))
    checked = eligibility(enrolment, lang)
    unreleased = [m.title for m in marks if m.kind == "practical" and m.state != "final"]
    for rule in checked.rules:
        # A result the trainer has not released yet is not told through the certificate rules.
        if rule.rule == "practicals_passed" and unreleased:
            rule.reasons = [r for r in rule.reasons if not any(r.startswith(f"{t}:")
                                                               for t in unreleased)]
    return Report(enrolment, marks, attendance_rate(enrolment), checked.rules,
                  checked.eligible)
