"""Item analysis of a quiz, like Moodle's quiz statistics, over first attempts.

Attempts taken on different curriculum versions (content hashes) are never mixed: each
version gets its own table.
"""

from __future__ import annotations

import math
from collections import Counter

from sqlalchemy import select

from lms.assessment.models import RegradeAttempt
from lms.curricula.models import CurriculumVersion
from lms.curricula.structure import assessment_for
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.training.models import Enrolment


def statistics_scope(user, programme_id: int) -> set[int] | None:
    """The cohorts of a programme whose attempts the user may analyse: None means all (staff);
    a trainer reads the cohorts they teach, and only those (empty: none)."""
    from lms.assessment.services import cohort_ids_for
    from lms.training.models import Cohort

    taught = cohort_ids_for(user)
    if taught is None:
        return None
    return set(db.session.scalars(select(Cohort.id).join(
        CurriculumVersion, Cohort.curriculum_version_id == CurriculumVersion.id).where(
        CurriculumVersion.programme_id == programme_id, Cohort.id.in_(taught or [-1]))))


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation; None when it is undefined (fewer than 2 or no spread)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def question_statistics(question: dict, rows: list[tuple[float, float, dict | None]]) -> dict:
    """Facility, discrimination index and efficiency, and how often each choice was picked.

    `rows`: (item score, total test score, stored answer) for each attempt that was asked it.
    """
    points = question["points"]
    scores = [score for score, _total, _answer in rows]
    rests = [total - score for score, total, _answer in rows]
    n = len(rows)
    facility = 100 * sum(scores) / (n * points) if n and points else None
    r = correlation(scores, rests)
    best = correlation(sorted(scores), sorted(rests))
    stats = {
        "id": question["id"], "type": question["type"], "stem_html": question["stem_html"],
        "points": points, "count": n, "facility": facility,
        "sd": (100 * math.sqrt(sum((s / points - facility / 100) ** 2 for s in scores)
                               / (n - 1)) if n > 1 and points else None),
        "discrimination": 100 * r if r is not None else None,
        "efficiency": 100 * r / best if r is not None and best else None,
        "choices": [], "answers": [], "pairs": [],
    }
    if question.get("choices"):
        picked = Counter(i for _s, _t, answer in rows for i in (answer or {}).get("choices", []))
        stats["choices"] = [{"html": c["html"], "correct": c["correct"], "count": picked[i],
                             "percent": 100 * picked[i] / n if n else 0}
                            for i, c in enumerate(question["choices"])]
    elif question["type"] == "matching":
        stats["pairs"] = _pair_statistics(question, [answer for _s, _t, answer in rows], n)
    elif question["type"] in ("short", "numeric"):
        texts = Counter((answer or {}).get("text", "").strip() for _s, _t, answer in rows
                        if answer)
        stats["answers"] = [{"text": t, "count": c} for t, c in texts.most_common(8)]
    stats["unanswered"] = sum(1 for _s, _t, answer in rows if not answer)
    return stats


def _pair_statistics(question: dict, answers: list[dict | None], n: int) -> list[dict]:
    """Per item of a matching question: how many matched it right, and the commonest slip."""
    out = []
    for index, pair in enumerate(question["pairs"]):
        given = Counter(
            matches[index] for matches in ((a or {}).get("matches", []) for a in answers)
            if index < len(matches) and matches[index] is not None)
        right = given.pop(pair["answer"], 0)
        slip = given.most_common(1)
        out.append({"html": pair["html"], "answer": question["answers"][pair["answer"]],
                    "count": right, "percent": 100 * right / n if n else 0,
                    "slip": question["answers"][slip[0][0]] if slip else None,
                    "slip_count": slip[0][1] if slip else 0})
    return out


def quiz_statistics(programme_id: int, item_key: str, lang: str,
                    cohort_ids: set[int] | None = None) -> list[dict]:
    """Item analysis per curriculum version (content hash), over fully graded first attempts;
    of the cohorts `cohort_ids` only, unless None (every cohort)."""
    query = (select(Attempt).join(CurriculumVersion,
                                  Attempt.curriculum_version_id == CurriculumVersion.id)
             .where(CurriculumVersion.programme_id == programme_id, Attempt.item_key == item_key,
                    Attempt.number == 1, Attempt.status == "submitted")
             .order_by(Attempt.id))
    if cohort_ids is not None:
        query = query.join(Enrolment, Attempt.enrolment_id == Enrolment.id).where(
            Enrolment.cohort_id.in_(cohort_ids or [-1]))
    attempts = list(db.session.scalars(query))
    groups: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        groups.setdefault(attempt.content_hash, []).append(attempt)
    results = []
    for content_hash, group in groups.items():
        version = group[0].curriculum_version
        quiz = assessment_for(version.structure, item_key, lang)
        graded = [a for a in group if not a.pending_grading]
        responses = {(r.attempt_id, r.question_id): r for r in db.session.scalars(
            select(Response).where(Response.attempt_id.in_([a.id for a in graded] or [-1])))}
        questions = []
        for question in quiz["questions"]:
            rows = []
            for attempt in graded:
                if question["id"] not in attempt.question_order:
                    continue
                response = responses.get((attempt.id, question["id"]))
                rows.append(((response.score or 0) if response else 0.0,
                             attempt.score or 0, response.answer if response else None))
            questions.append(question_statistics(question, rows))
        totals = [100 * (a.score or 0) / a.max_score for a in graded if a.max_score]
        regraded = set(db.session.scalars(select(RegradeAttempt.attempt_id).where(
            RegradeAttempt.attempt_id.in_([a.id for a in graded] or [-1]))))
        results.append({
            "content_hash": content_hash, "versions": sorted({a.curriculum_version.version
                                                              for a in group}),
            "title": quiz["title"], "attempts": len(graded),
            "pending": len(group) - len(graded), "regraded": len(regraded),
            "mean": sum(totals) / len(totals) if totals else None,
            "questions": questions})
    return results
