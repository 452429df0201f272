"""What reports need from curriculum versions: a handful per report, read once, never per
trainee.

Completed: staff marked the enrolment completed, or the trainee submitted every *required*
assessment of their pinned curriculum version: the post-test where the version has one,
otherwise every quiz.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, false, literal, or_, select

from lms.curricula.models import CurriculumVersion, Programme
from lms.curricula.structure import ordered_items
from lms.extensions import db
from lms.learning.models import Attempt
from lms.reports.filters import ReportFilter, cohort_conditions
from lms.training.models import Cohort, Enrolment


@dataclass
class VersionFacts:
    """What a report needs from one curriculum version's structure."""

    id: int
    label: str
    programme_code: str
    pre_key: str | None
    post_key: str | None
    required: list[str]
    assessments: dict[str, dict]  # key -> {"title", "kind", "pass_mark", "grading"}


def version_facts(version_ids=None) -> dict[int, VersionFacts]:
    """Facts of the given curriculum versions (all if None), by id."""
    query = select(CurriculumVersion, Programme.code).join(
        Programme, Programme.id == CurriculumVersion.programme_id)
    if version_ids is not None:
        query = query.where(CurriculumVersion.id.in_(list(version_ids)))
    facts = {}
    for row, code in db.session.execute(query):
        # `structure` is decoded once per process (a published version never changes).
        vid, version, content_hash, structure = row.id, row.version, row.content_hash, \
            row.structure
        assessments = {}
        for key, variants in structure["assessments"].items():
            first = variants.get(structure["languages"][0]) or next(iter(variants.values()))
            settings = first["settings"]
            assessments[key] = {"title": {lang: v["title"] for lang, v in variants.items()},
                                "kind": settings["kind"], "pass_mark": settings["pass_mark"],
                                "grading": settings["grading"]}
        pre = f"evaluations/{structure['pre_test']}" if structure.get("pre_test") else None
        post = f"evaluations/{structure['post_test']}" if structure.get("post_test") else None
        quizzes = [i["key"] for i in ordered_items(structure)
                   if assessments.get(i["key"], {}).get("kind") == "quiz"]
        facts[vid] = VersionFacts(vid, f"{version} ({content_hash[:10]})", code, pre, post,
                                  [post] if post else quizzes, assessments)
    return facts


def versions_in(f: ReportFilter) -> dict[int, VersionFacts]:
    ids = db.session.scalars(select(Enrolment.curriculum_version_id).distinct()
                             .join(Cohort, Cohort.id == Enrolment.cohort_id)
                             .where(*cohort_conditions(f))).all()
    return version_facts(ids) if ids else {}


def version_pairs(version_keys: dict[int, list[str]]):
    """SQL condition: (attempt version, item key) is one of the given pairs."""
    parts = [and_(Attempt.curriculum_version_id == vid, Attempt.item_key.in_(keys))
             for vid, keys in version_keys.items() if keys]
    return or_(*parts) if parts else false()


def by_version(values: dict[int, object], column, else_=None):
    if not values:
        return literal(else_)
    return case(values, value=column, else_=else_)
