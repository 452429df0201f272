"""Regrading past attempts of a quiz when a newer curriculum version corrects its answer key.

An attempt stays pinned to the version it was taken on, and its stored answers stay as given
(choice indexes of that version). To regrade, each question of the pinned version gets the newer
version's key laid over it: choices are matched by index when their text is unchanged, otherwise
by text; a question or answer that cannot be matched is reported, never guessed. Written answers
graded by hand are never touched. Applying records a `Regrade` with every score before and after,
and an audit record; applying the same correction again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms import audit
from lms.assessment.answer_keys import (
    CHOICE_TYPES,
    answer_key,
    corrected_question,
    key_changes,
)
from lms.assessment.models import Regrade, RegradeAttempt
from lms.base import LMSError, utcnow
from lms.certificates.models import Certificate
from lms.curricula.models import CurriculumVersion, Programme
from lms.curricula.structure import assessment_for
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.learning.scoring import QUESTION_TYPES
from lms.learning.services import as_utc, attempt_passed, counted_attempt
from lms.training.models import Enrolment


class RegradeError(LMSError):
    """A regrade cannot be previewed or applied; the message says why."""


class RegradeChanged(RegradeError):
    """The attempts changed since the preview was shown: it must be checked again."""


# The preview ----------------------------------------------------------------------------------

@dataclass
class QuestionChange:
    """A question whose answer key the target version corrects, from one earlier key version."""

    question_id: str
    from_version: str
    changes: list[dict]
    attempts: int = 0


@dataclass
class QuestionProblem:
    """A question (or an answer) left as it was, and why."""

    question_id: str
    from_version: str
    reason: str
    attempts: int = 0


@dataclass
class ResponseChange:
    """One question of one attempt: its score and maximum before and after."""

    question_id: str
    response: Response | None
    before: float | None
    after: float | None
    max_before: float
    max_after: float


@dataclass
class AttemptChange:
    """One attempt regraded: its questions, its score and pass state before and after."""

    attempt: Attempt
    from_version: str
    questions: list[ResponseChange]
    score_before: float | None
    score_after: float | None
    max_before: float
    max_after: float
    passed_before: bool | None
    passed_after: bool | None
    problems: dict[str, str] = field(default_factory=dict)  # question id: why not regraded

    @property
    def score_changed(self) -> bool:
        return (self.score_before, self.max_before) != (self.score_after, self.max_after)


@dataclass
class TraineeChange:
    """A trainee's attempts regraded, and their result on the quiz before and after."""

    enrolment: Enrolment
    attempts: list[AttemptChange]
    passed_before: bool | None
    passed_after: bool | None
    certificate: Certificate | None = None


@dataclass
class RegradePlan:
    """What a regrade would change; nothing is written while building it."""

    programme: Programme
    item_key: str
    target: CurriculumVersion
    title: str
    questions: list[QuestionChange] = field(default_factory=list)
    problems: list[QuestionProblem] = field(default_factory=list)
    trainees: list[TraineeChange] = field(default_factory=list)
    unmatched: list[tuple[Attempt, str]] = field(default_factory=list)  # answers not matched
    up_to_date: int = 0  # attempts already on this key (or a newer one)
    open_attempts: int = 0  # not submitted yet: scored on their own version when submitted

    @property
    def attempts(self) -> list[AttemptChange]:
        return [a for t in self.trainees for a in t.attempts]

    @property
    def changed(self) -> list[AttemptChange]:
        return [a for a in self.attempts if a.score_changed]

    @property
    def flips(self) -> list[AttemptChange]:
        return [a for a in self.attempts if a.passed_before != a.passed_after]

    @property
    def fingerprint(self) -> str:
        """A digest of every score change, to check that what is applied is what was shown."""
        rows = sorted((a.attempt.uuid, q.question_id, q.before, q.after, q.max_after)
                      for a in self.attempts for q in a.questions)
        return hashlib.sha256(json.dumps([self.target.uuid, rows]).encode()).hexdigest()[:32]


def _newer(version: CurriculumVersion, than: CurriculumVersion) -> bool:
    return (as_utc(version.published_at), version.id) > (as_utc(than.published_at), than.id)


def quiz_versions(programme: Programme, item_key: str) -> list[CurriculumVersion]:
    """The published versions of a programme that hold this quiz, newest first."""
    return [v for v in reversed(programme.versions) if item_key in v.structure["assessments"]]


def get_quiz(programme: Programme, item_key: str, version: CurriculumVersion,
             lang: str) -> dict:
    """A quiz of a version of the programme; RegradeError when it has no such quiz."""
    if version.programme_id != programme.id:
        raise RegradeError(_("Version %(version)s is not a version of %(programme)s.",
                             version=version.version, programme=programme.code))
    if item_key not in version.structure["assessments"]:
        raise RegradeError(_("Version %(version)s has no quiz %(quiz)s.",
                             version=version.version, quiz=item_key))
    quiz = assessment_for(version.structure, item_key, lang)
    if quiz["settings"]["kind"] == "practical":
        raise RegradeError(_("A practical assessment is graded by trainers: it has no answer "
                             "key to regrade."))
    return quiz


def _history(attempt_ids: list[int]) -> dict[int, list[RegradeAttempt]]:
    """Earlier regrades of these attempts, oldest first."""
    found: dict[int, list[RegradeAttempt]] = {}
    for row in db.session.scalars(
            select(RegradeAttempt).where(RegradeAttempt.attempt_id.in_(attempt_ids or [-1]))
            .options(joinedload(RegradeAttempt.regrade).joinedload(Regrade.to_version))
            .order_by(RegradeAttempt.id)):
        found.setdefault(row.attempt_id, []).append(row)
    return found


def current_keys(attempt: Attempt, earlier: list[RegradeAttempt]
                 ) -> dict[str, tuple[dict, CurriculumVersion]]:
    """Each asked question with the key it is scored on now, and that key's version."""
    pinned = attempt.curriculum_version
    quiz = assessment_for(pinned.structure, attempt.item_key, attempt.language)
    questions = {q["id"]: q for q in quiz["questions"]}
    keys = {qid: (questions[qid], pinned) for qid in attempt.question_order if qid in questions}
    for row in earlier:
        version = row.regrade.to_version
        newer = assessment_for(version.structure, attempt.item_key, attempt.language)
        by_id = {q["id"]: q for q in newer["questions"]}
        for qid in row.questions:
            if qid in keys and qid in by_id:
                corrected, _reason = corrected_question(questions[qid], by_id[qid])
                if corrected is not None:
                    keys[qid] = (corrected, version)
    return keys


def _answer_matches(question: dict, answer: dict | None) -> bool:
    """Whether every choice the trainee picked has a counterpart in the corrected key."""
    if question["type"] not in CHOICE_TYPES or not answer:
        return True
    choices = question["choices"]
    return all(0 <= i < len(choices) and choices[i].get("mapped") is not None
               for i in answer.get("choices", []))


def plan_regrade(programme: Programme, item_key: str, target: CurriculumVersion,
                 lang: str = "fr") -> RegradePlan:
    """Preview a regrade of every submitted attempt of a quiz taken on an older key."""
    title = get_quiz(programme, item_key, target, lang)["title"]
    plan = RegradePlan(programme, item_key, target, title)
    all_attempts = list(db.session.scalars(
        select(Attempt).join(CurriculumVersion,
                             Attempt.curriculum_version_id == CurriculumVersion.id)
        .where(CurriculumVersion.programme_id == programme.id, Attempt.item_key == item_key)
        .options(joinedload(Attempt.curriculum_version),
                 joinedload(Attempt.enrolment).joinedload(Enrolment.user),
                 joinedload(Attempt.enrolment).joinedload(Enrolment.cohort),
                 joinedload(Attempt.enrolment).joinedload(Enrolment.curriculum_version))
        .order_by(Attempt.id)))
    submitted = [a for a in all_attempts if a.status == "submitted"]
    plan.open_attempts = sum(1 for a in all_attempts
                             if a.is_open and _newer(target, a.curriculum_version))
    history = _history([a.id for a in submitted])
    responses: dict[int, dict[str, Response]] = {}
    for response in db.session.scalars(select(Response).where(
            Response.attempt_id.in_([a.id for a in submitted] or [-1]))):
        responses.setdefault(response.attempt_id, {})[response.question_id] = response
    questions: dict[tuple[str, str], QuestionChange] = {}
    problems: dict[tuple[str, str, str], QuestionProblem] = {}
    changes: dict[int, AttemptChange] = {}
    for attempt in submitted:
        earlier = history.get(attempt.id, [])
        key_version = max([attempt.curriculum_version] + [r.regrade.to_version for r in earlier],
                          key=lambda v: (as_utc(v.published_at), v.id))
        if not _newer(target, key_version):
            plan.up_to_date += 1
            continue
        change = _plan_attempt(attempt, earlier, target, responses.get(attempt.id, {}),
                               questions, problems, plan)
        if change is not None:
            changes[attempt.id] = change
    plan.questions = sorted(questions.values(), key=lambda q: (q.from_version, q.question_id))
    plan.problems = sorted(problems.values(), key=lambda p: (p.from_version, p.question_id))
    plan.trainees = _by_trainee(submitted, changes)
    return plan


def _plan_attempt(attempt, earlier, target, responses, questions, problems,
                  plan) -> AttemptChange | None:
    """The changes a regrade makes to one attempt (None if its key does not change)."""
    new_quiz = assessment_for(target.structure, attempt.item_key, attempt.language)
    new_questions = {q["id"]: q for q in new_quiz["questions"]}
    pinned = assessment_for(attempt.curriculum_version.structure, attempt.item_key,
                            attempt.language)
    seen_questions = {q["id"]: q for q in pinned["questions"]}
    rows, unmatched = [], {}
    for qid, (current, key_version) in current_keys(attempt, earlier).items():
        label = key_version.version
        new = new_questions.get(qid)
        if new is None:
            reason, corrected = "removed", None
        else:
            corrected, reason = corrected_question(seen_questions[qid], new)
        if corrected is None:
            if reason != "essay" or (new["type"], new["points"]) != (current["type"],
                                                                     current["points"]):
                problem = problems.setdefault((label, qid, reason),
                                              QuestionProblem(qid, label, reason))
                problem.attempts += 1
            continue
        if answer_key(corrected) == answer_key(current):
            continue
        response = responses.get(qid)
        if response is not None and not _answer_matches(corrected, response.answer):
            plan.unmatched.append((attempt, qid))
            unmatched[qid] = "choice_unmatched"
            continue
        question = questions.setdefault((label, qid), QuestionChange(
            qid, label, key_changes(current, corrected)))
        question.attempts += 1
        after = (QUESTION_TYPES[corrected["type"]].score(corrected, response.answer)
                 if response is not None else None)
        rows.append(ResponseChange(qid, response, response.score if response else None,
                                   after, float(current["points"]),
                                   float(corrected["points"])))
    if not rows:
        return None
    new_scores = {r.question_id: r.after for r in rows}
    total = sum((new_scores[r.question_id] if r.question_id in new_scores else r.score) or 0
                for r in responses.values())
    max_after = round(attempt.max_score + sum(r.max_after - r.max_before for r in rows), 4)
    mark = pinned["settings"]["pass_mark"]
    after = SimpleNamespace(score=round(total, 4), max_score=max_after,
                            pending_grading=attempt.pending_grading)
    return AttemptChange(attempt, attempt.curriculum_version.version, rows, attempt.score,
                         after.score, attempt.max_score, max_after,
                         attempt_passed(attempt, mark), attempt_passed(after, mark), unmatched)


def _by_trainee(submitted: list[Attempt], changes: dict[int, AttemptChange]
                ) -> list[TraineeChange]:
    """Group regraded attempts by trainee, with the quiz result that counts before and after."""
    by_enrolment: dict[int, list[Attempt]] = {}
    for attempt in submitted:
        by_enrolment.setdefault(attempt.enrolment_id, []).append(attempt)
    trainees = []
    for attempts in by_enrolment.values():
        regraded = [changes[a.id] for a in attempts if a.id in changes]
        if not regraded:
            continue
        enrolment = attempts[0].enrolment
        quiz = assessment_for(enrolment.curriculum_version.structure, attempts[0].item_key,
                              attempts[0].language)
        settings = quiz["settings"]
        after = [SimpleNamespace(number=a.number, score=changes[a.id].score_after,
                                 max_score=changes[a.id].max_after,
                                 pending_grading=a.pending_grading)
                 if a.id in changes else a for a in attempts]
        before = attempt_passed(counted_attempt(attempts, settings["grading"]),
                                settings["pass_mark"])
        passed = attempt_passed(counted_attempt(after, settings["grading"]),
                                settings["pass_mark"])
        trainees.append(TraineeChange(enrolment, regraded, before, passed))
    certificates = {c.enrolment_id: c for c in db.session.scalars(select(Certificate).where(
        Certificate.enrolment_id.in_([t.enrolment.id for t in trainees] or [-1]),
        Certificate.status == "valid"))}
    for trainee in trainees:
        trainee.certificate = certificates.get(trainee.enrolment.id)
    trainees.sort(key=lambda t: (t.enrolment.user.last_name.casefold(),
                                 t.enrolment.user.first_name.casefold(), t.enrolment.id))
    return trainees


# Applying ---------------------------------------------------------------------------------------

def apply_regrade(actor, programme: Programme, item_key: str, target: CurriculumVersion,
                  expected: str | None = None, lang: str = "fr",
                  now: datetime | None = None) -> Regrade | None:
    """Regrade as the preview shows, in one transaction; None when there is nothing to do.

    `expected` is the fingerprint of the preview the person confirmed: if the attempts changed
    since, nothing is written and RegradeChanged asks them to check the new preview.
    """
    actor_id = getattr(actor, "id", None)  # read first: a lazy load later would flush early
    actor_name = actor.display_name if actor is not None else ""
    plan = plan_regrade(programme, item_key, target, lang)
    if not plan.attempts:
        return None
    if expected is not None and plan.fingerprint != expected:
        raise RegradeChanged(_("The attempts changed since this preview was shown: check the "
                               "new preview before applying it."))
    now = now or utcnow()
    regrade = Regrade(programme_id=programme.id, item_key=item_key, to_version_id=target.id,
                      applied_by_id=actor_id, applied_by_name=actor_name, applied_at=now,
                      questions=[{"question": q.question_id, "from_version": q.from_version,
                                  "changes": q.changes, "attempts": q.attempts}
                                 for q in plan.questions],
                      problems=[{"question": p.question_id, "from_version": p.from_version,
                                 "reason": p.reason, "attempts": p.attempts}
                                for p in plan.problems])
    db.session.add(regrade)
    with db.session.no_autoflush:
        for change in plan.attempts:
            _apply_attempt(regrade, change, target)
    scores = {c.attempt.uuid: [c.score_before, c.max_before] for c in plan.attempts}
    try:
        db.session.flush()
        audit.record(actor, "quiz.regrade", regrade,
                     before={"quiz": item_key, "scores": scores},
                     after={"quiz": item_key, "to_version": target.version,
                            "scores": {c.attempt.uuid: [c.score_after, c.max_after]
                                       for c in plan.attempts}})
        db.session.commit()
    except IntegrityError:  # the same regrade was applied in parallel
        db.session.rollback()
        raise RegradeError(_("This regrade was just applied by someone else: nothing more "
                             "was changed.")) from None
    return regrade


def _apply_attempt(regrade: Regrade, change: AttemptChange, target: CurriculumVersion) -> None:
    attempt = change.attempt
    details = {}
    for row in change.questions:
        if row.response is not None:
            row.response.score, row.response.max_score = row.after, row.max_after
        details[row.question_id] = {
            "before": row.before, "after": row.after, "max_before": row.max_before,
            "max_after": row.max_after, "response": row.response.uuid if row.response else None}
    attempt.score, attempt.max_score = change.score_after, change.max_after
    regrade.attempts.append(RegradeAttempt(
        attempt_id=attempt.id, to_version_id=target.id, score_before=change.score_before,
        score_after=change.score_after, max_before=change.max_before,
        max_after=change.max_after, passed_before=change.passed_before,
        passed_after=change.passed_after, questions=details, problems=change.problems))


# Reading regrades back ------------------------------------------------------------------------

def list_regrades(programme: Programme, item_key: str) -> list[Regrade]:
    """Past regrades of a quiz, newest first."""
    return list(db.session.scalars(
        select(Regrade).where(Regrade.programme_id == programme.id,
                              Regrade.item_key == item_key)
        .options(joinedload(Regrade.to_version)).order_by(Regrade.applied_at.desc(),
                                                          Regrade.id.desc())))


def attempt_regrades(attempt: Attempt) -> list[RegradeAttempt]:
    """How an attempt was regraded, oldest first."""
    return _history([attempt.id]).get(attempt.id, [])


def regraded_attempt_ids(attempt_ids: list[int]) -> dict[int, datetime]:
    """When each of these attempts was last regraded (only those that were)."""
    return {attempt_id: as_utc(rows[-1].regrade.applied_at)
            for attempt_id, rows in _history(attempt_ids).items()}


def review_questions(attempt: Attempt) -> list[dict]:
    """The attempt's questions as the trainee saw them, with the key they are scored on now;
    a regraded question carries `regraded: True`."""
    keys = current_keys(attempt, attempt_regrades(attempt))
    return [{**question, "regraded": version.id != attempt.curriculum_version_id}
            for question, version in (keys[qid] for qid in attempt.question_order
                                      if qid in keys)]
