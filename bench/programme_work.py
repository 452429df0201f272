"""The programme bench's helpers: a week of quiz work written in bulk, and the memory of one
exchange (peak resident memory, measured by the kernel)."""

from __future__ import annotations

import resource
from pathlib import Path

from sqlalchemy import func, insert, select

from lms.base import new_uuid, utcnow
from lms.extensions import db

CHUNK = 2000
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def bulk_week(cohort_names: list[str], quizzes: list[str], answers: dict, per_week: int,
              week: int) -> tuple[set[str], int]:
    """Every trainee of these cohorts sits `per_week` quiz attempts, written in bulk.

    Each attempt is drawn by the app (`new_attempt`: the same questions, order and layout a
    trainee would get) and scored by the app's question types; attempts and answers are then
    inserted a few thousand rows per statement, and committed once. Returns the attempts'
    uuids and the number of answers.
    """
    from lms.curricula.structure import assessment_for
    from lms.learning.models import Attempt, Response
    from lms.learning.scoring import QUESTION_TYPES
    from lms.learning.services import new_attempt
    from lms.training.models import Cohort, Enrolment

    enrolments = db.session.scalars(select(Enrolment).join(Cohort).where(
        Cohort.name.in_(cohort_names), Enrolment.status != "completed")).all()
    ids = [e.id for e in enrolments]
    numbers = {(e, k): n for e, k, n in db.session.execute(
        select(Attempt.enrolment_id, Attempt.item_key, func.max(Attempt.number))
        .where(Attempt.enrolment_id.in_(ids)).group_by(Attempt.enrolment_id, Attempt.item_key))}
    quiz_cache: dict[tuple, dict] = {}
    scores: dict[tuple, tuple] = {}
    moment = utcnow()
    attempts, responses = [], {}
    for enrolment in enrolments:
        version = enrolment.curriculum_version
        for n in range(per_week):
            key = quizzes[(week * per_week + n) % len(quizzes)]
            if (version.id, key) not in quiz_cache:
                quiz = quiz_cache[(version.id, key)] = assessment_for(version.structure, key, "fr")
                for q in quiz["questions"]:
                    scores[(version.id, q["id"])] = (
                        QUESTION_TYPES[q["type"]].score(q, answers[q["id"]]), q["points"])
            number = numbers.get((enrolment.id, key), 0) + 1
            numbers[(enrolment.id, key)] = number
            drawn = new_attempt(enrolment, key, quiz_cache[(version.id, key)], number, moment)
            uuid = new_uuid()
            rows = []
            for q in drawn.question_order:
                score, points = scores[(version.id, q)]
                rows.append({"uuid": new_uuid(), "question_id": q, "answer": answers[q],
                             "saved_at": moment, "score": score, "max_score": points,
                             "created_at": moment, "updated_at": moment})
            responses[uuid] = rows
            attempts.append({
                "uuid": uuid, "enrolment_id": enrolment.id, "item_key": key, "number": number,
                "curriculum_version_id": version.id, "content_hash": version.content_hash,
                "language": drawn.language, "status": "submitted", "started_at": moment,
                "submitted_at": moment, "question_order": drawn.question_order,
                "choice_order": drawn.choice_order, "max_score": drawn.max_score,
                "score": round(sum(r["score"] or 0 for r in rows), 4),
                "pending_grading": sum(r["score"] is None for r in rows), "mode": "online",
                "created_at": moment, "updated_at": moment})
    count = 0
    for start in range(0, len(attempts), CHUNK):
        made = db.session.execute(insert(Attempt).returning(Attempt.id, Attempt.uuid),
                                  attempts[start:start + CHUNK]).all()
        rows = [{**r, "attempt_id": attempt_id} for attempt_id, uuid in made
                for r in responses[uuid]]
        for first in range(0, len(rows), CHUNK):
            db.session.execute(insert(Response), rows[first:first + CHUNK])
        count += len(rows)
    db.session.commit()
    db.session.expunge_all()
    return {a["uuid"] for a in attempts}, count


class Memory:
    """Peak resident memory of this process over one exchange (Linux: the kernel's high-water
    mark, reset before the exchange through /proc/self/clear_refs). Off: every figure is None."""

    def __init__(self, on: bool):
        self.on = on and STATUS.exists() and _can_reset()
        self.start_mb: float | None = None

    def start(self) -> None:
        if self.on:
            CLEAR_REFS.write_text("5")
            self.start_mb = status_mb("VmRSS")

    def peak(self) -> float | None:
        """What the exchange added to the process's resident memory at its peak (MB)."""
        if not self.on:
            return None
        return max(0.0, status_mb("VmHWM") - (self.start_mb or 0.0))


def _can_reset() -> bool:
    try:
        CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status, in MB."""
    if not STATUS.exists():
        return None
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
