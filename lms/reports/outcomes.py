"""Outcomes of training: officers enrolled, completed and certified; pass rates per assessment."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
)

from lms.auth.models import Site
from lms.certificates.models import Certificate
from lms.curricula.models import Programme
from lms.extensions import db
from lms.learning.models import Attempt
from lms.reports.filters import ReportFilter, cohort_conditions, scope, scope_ids
from lms.reports.tables import Table, by_sex, percent, pivot, programme_title, sex_columns
from lms.reports.versions import VersionFacts, by_version, version_pairs, versions_in
from lms.training.models import Cohort

DIMENSIONS = ("cohort", "programme", "site", "unit", "rank")


def completed_subquery(facts: dict[int, VersionFacts]):
    """Subquery: enrolment ids that submitted every required assessment of their version."""
    done = func.count(distinct(Attempt.item_key))
    needed = by_version({v.id: len(v.required) for v in facts.values()},
                           Attempt.curriculum_version_id, 10**6)
    return (select(Attempt.enrolment_id)
            .where(Attempt.status == "submitted",
                   version_pairs({v.id: v.required for v in facts.values()}))
            .group_by(Attempt.enrolment_id, Attempt.curriculum_version_id)
            .having(done >= needed)
            .subquery("completed"))


def dimension(by: str, s):
    if by == "programme":
        return [Programme.code], [Programme.id == s.c.programme_id]
    if by == "site":
        return [Site.name], [Site.id == s.c.site_id]
    if by == "unit":
        return [func.coalesce(s.c.unit, "")], []
    if by == "rank":
        return [func.coalesce(s.c.rank, "")], []
    return [s.c.cohort_id], []


def holds_valid_certificate(enrolment_id):
    """SQL condition: the enrolment holds a valid certificate (revoked and replaced ones do not
    count). An enrolment is one officer in one cohort: each officer counts once per cohort.

    A correlated EXISTS is one index lookup per enrolment; a join to a subquery of certified
    enrolments made SQLite's planner scan it per group (seconds over 10,000 trainees).
    """
    return exists().where(Certificate.enrolment_id == enrolment_id,
                          Certificate.status == "valid")


ENROLMENT_MEASURES = ("enrolled", "completed", "certified")


def _certified_by_issue_date(f: ReportFilter, by: str, groups: dict) -> None:
    """Over a period, officers count as certified when their certificate was issued in it,
    whatever the cohort's dates (a cohort that ended last quarter is certified this one)."""
    s = scope(dataclasses.replace(f, date_from=None, date_to=None))
    keys, joins = dimension(by, s)
    issued = select(Certificate.enrolment_id).where(Certificate.status == "valid")
    if f.date_from is not None:
        issued = issued.where(Certificate.issued_at >= datetime.combine(f.date_from, time(),
                                                                         UTC))
    if f.date_to is not None:
        issued = issued.where(Certificate.issued_at < datetime.combine(
            f.date_to + timedelta(days=1), time(), UTC))
    query = select(*keys, s.c.sex, func.count()).select_from(s)
    if by in ("programme", "site"):
        query = query.join(Programme if by == "programme" else Site, *joins)
    for group in groups.values():
        group["certified"] = {}
    for key, sex, count in db.session.execute(
            query.where(s.c.enrolment_id.in_(issued)).group_by(*keys, s.c.sex)):
        groups.setdefault(key, {m: {} for m in ENROLMENT_MEASURES})["certified"][sex] = count


def enrolment_table(f: ReportFilter, by: str = "cohort") -> Table:
    """Officers enrolled, completed and certified, by cohort (or programme, site, unit, rank)
    and sex."""
    by = by if by in DIMENSIONS else "cohort"
    facts = versions_in(f)
    s = scope(f)
    done = completed_subquery(facts)
    keys, joins = dimension(by, s)
    completed = or_(done.c.enrolment_id.is_not(None), s.c.status == "completed")
    certified = holds_valid_certificate(s.c.enrolment_id)
    query = select(*keys, s.c.sex, func.count(), func.sum(case((completed, 1), else_=0)),
                   func.sum(case((certified, 1), else_=0))).select_from(s)
    if by == "programme":
        query = query.join(Programme, *joins)
    elif by == "site":
        query = query.join(Site, *joins)
    query = query.outerjoin(done, done.c.enrolment_id == s.c.enrolment_id) \
        .group_by(*keys, s.c.sex)
    groups: dict[object, dict[str, dict]] = {}
    for key, sex, *counts in db.session.execute(query):
        group = groups.setdefault(key, {m: {} for m in ENROLMENT_MEASURES})
        for measure, count in zip(ENROLMENT_MEASURES, counts, strict=True):
            group[measure][sex] = count or 0
    if f.date_from is not None or f.date_to is not None:
        _certified_by_issue_date(f, by, groups)
    labels = {"cohort": _("Cohort"), "programme": _("Programme"), "site": _("Site"),
              "unit": _("Unit"), "rank": _("Rank")}
    columns = [(by, labels[by])]
    if by == "cohort":
        columns += [("programme", _("Programme")), ("site", _("Site")), ("start", _("Start")),
                    ("end", _("End"))]
        cohorts = db.session.execute(
            select(Cohort.id, Cohort.name, Programme.code, Site.name, Cohort.start_date,
                   Cohort.end_date).join(Programme).join(Site)
            .where(*cohort_conditions(f)).order_by(Cohort.start_date, Cohort.name)).all()
        # Empty cohorts appear too, with zeros.
        order = [(c[0], {"cohort": c[1], "programme": programme_title(c[2]), "site": c[3],
                         "start": c[4], "end": c[5]}) for c in cohorts]
    else:
        none = _("(not recorded)")
        shown = programme_title if by == "programme" else str
        order = [(k, {by: shown(k) if k else none})
                 for k in sorted(groups, key=lambda k: (k or "").lower())]
    columns += (sex_columns("enrolled", _("Enrolled")) + sex_columns("completed", _("Completed"))
                + [("completion_rate", _("Completion rate (%)"))]
                + sex_columns("certified", _("Certified")))
    table = Table.keyed(
        "enrolment", _("Officers enrolled, completed and certified"), columns,
        note=_("Completed: marked completed by staff, or submitted the post-test (or, without "
               "one, every quiz). Certified: holds a valid certificate for the cohort; revoked "
               "or replaced certificates do not count. An officer enrolled in two cohorts "
               "counts in each. Totals include officers whose sex is not recorded."))
    totals = {measure: [0, 0, 0] for measure in ENROLMENT_MEASURES}
    for key, label in order:
        group = groups.get(key, {})
        row = dict(label)
        for measure in ENROLMENT_MEASURES:
            figures = pivot(group.get(measure, {}))
            totals[measure] = [a + b for a, b in zip(totals[measure], figures, strict=True)]
            row.update(by_sex(measure, figures))
        table.add_row({**row, "completion_rate": percent(row["completed_T"], row["enrolled_T"])})
    footer = {by: _("Total"), "completion_rate": percent(totals["completed"][2],
                                                         totals["enrolled"][2])}
    for measure, figures in totals.items():
        footer.update(by_sex(measure, figures))
    table.set_footer(footer)
    return table


# Pass rates per assessment --------------------------------------------------------------------

def pass_rate_table(f: ReportFilter, lang: str = "en") -> Table:
    """Per assessment and version: trainees who sat it, passed it, and the pass rate, by sex."""
    facts = versions_in(f)
    s = scope(f)
    figures: dict[tuple, dict] = {}
    rows = _attempt_pass_rows(facts, f, s) + _practical_rows(facts, s)
    for vid, key, sex, sat, npassed, pending in rows:
        entry = figures.setdefault((vid, key), {"sat": {}, "passed": {}, "pending": {}})
        entry["sat"][sex], entry["passed"][sex] = sat, npassed or 0
        entry["pending"][sex] = pending or 0
    columns = ([("programme", _("Programme")), ("version", _("Version")),
                ("assessment", _("Assessment")), ("kind", _("Kind")),
                ("pass_mark", _("Pass mark (%)"))]
               + sex_columns("sat", _("Sat")) + sex_columns("passed", _("Passed"))
               + sex_columns("pass_rate", _("Pass rate (%)"))
               + [("pending", _("Awaiting grading"))])
    table = Table.keyed(
        "pass_rates", _("Pass rates per assessment"), columns,
        note=_("The attempt that counts is the best or the last, as the assessment says; "
               "answers awaiting a trainer's grade are not counted as passed. Practical "
               "assessments count once a trainer has graded them."))
    for vid, version in sorted(facts.items(), key=lambda v: (v[1].programme_code, v[0])):
        for key, item in version.assessments.items():
            entry = figures.get((vid, key))
            if entry is None:
                continue
            sat, ok = pivot(entry["sat"]), pivot(entry["passed"])
            title = item["title"].get(lang) or next(iter(item["title"].values()))
            table.add_row({"programme": programme_title(version.programme_code),
                           "version": version.label,
                           "assessment": title, "kind": item["kind"],
                           "pass_mark": item["pass_mark"], **by_sex("sat", sat),
                           **by_sex("passed", ok),
                           **by_sex("pass_rate", [percent(p, t)
                                                  for p, t in zip(ok, sat, strict=True)]),
                           "pending": sum(entry["pending"].values())})
    return table


def _attempt_pass_rows(facts: dict[int, VersionFacts], f: ReportFilter, s) -> list[tuple]:
    """(version, item, sex, sat, passed, awaiting grading) from the submitted sittings.

    The sitting that counts is the best or the last, as the assessment says. One pass over the
    attempts (in the order of their covering index): per trainee and assessment, whether any
    graded sitting passed, whether any awaits grading, and the last sitting packed as
    number * 4 + 2 * (awaiting grading) + (passed), so that MAX() finds the last one and what
    it says, with no second look at the attempts.
    """
    pass_mark, _is_last = _item_rules(facts, Attempt.curriculum_version_id, Attempt.item_key)
    pct = case((Attempt.max_score > 0, 100.0 * Attempt.score / Attempt.max_score), else_=100.0)
    waiting = case((Attempt.pending_grading > 0, 1), else_=0)
    ok = case((and_(Attempt.pending_grading == 0, Attempt.score.is_not(None),
                    pct >= pass_mark - 1e-9), 1), else_=0)
    per_item = (select(Attempt.enrolment_id, Attempt.curriculum_version_id.label("version_id"),
                       Attempt.item_key, func.max(ok).label("any_passed"),
                       func.max(waiting).label("any_waiting"),
                       func.max(Attempt.number * 4 + waiting * 2 + ok).label("last"))
                .where(Attempt.status == "submitted",
                       Attempt.enrolment_id.in_(scope_ids(f)))
                .group_by(Attempt.enrolment_id, Attempt.item_key, Attempt.curriculum_version_id)
                .subquery("per_item"))
    a = per_item
    _pass_mark, is_last = _item_rules(facts, a.c.version_id, a.c.item_key)
    passed = case((is_last, a.c.last % 2), else_=a.c.any_passed)
    waiting_count = case((is_last, (a.c.last // 2) % 2), else_=a.c.any_waiting)
    query = (select(a.c.version_id, a.c.item_key, s.c.sex, func.count(), func.sum(passed),
                    func.sum(case((passed == 0, waiting_count), else_=0)))
             .select_from(a).join(s, s.c.enrolment_id == a.c.enrolment_id)
             .group_by(a.c.version_id, a.c.item_key, s.c.sex))
    return [tuple(row) for row in db.session.execute(query)]


def _practical_rows(facts: dict[int, VersionFacts], s) -> list[tuple]:
    """(version, item, sex, graded, passed, 0) for practical assessments graded by trainers."""
    from lms.assessment.models import Grade

    pass_mark, _is_last = _item_rules(facts, s.c.version_id, Grade.item_key)
    pct = case((Grade.max_score > 0, 100.0 * Grade.score / Grade.max_score), else_=100.0)
    passed = and_(pass_mark.is_not(None), pct >= pass_mark - 1e-9)
    return [tuple(row) for row in db.session.execute(
        select(s.c.version_id, Grade.item_key, s.c.sex, func.count(),
               func.sum(case((passed, 1), else_=0)), literal(0))
        .select_from(s).join(Grade, Grade.enrolment_id == s.c.enrolment_id)
        .where(Grade.kind == "practical")
        .group_by(s.c.version_id, Grade.item_key, s.c.sex))]


def _item_rules(facts: dict[int, VersionFacts], version_id, item_key):
    """SQL expressions for an assessment's pass mark and whether its last attempt counts.

    Assessments are grouped by (version, pass mark, grading): a few IN-lists, not a join
    against a literal table that SQLite would scan once per row.
    """
    groups: dict[tuple, list[str]] = {}
    for v in facts.values():
        for key, item in v.assessments.items():
            groups.setdefault((v.id, float(item["pass_mark"]), item["grading"]), []).append(key)
    if not groups:
        return cast(null(), Float), false()
    conditions = {group: and_(version_id == group[0], item_key.in_(keys))
                  for group, keys in groups.items()}
    pass_mark = case(*[(c, group[1]) for group, c in conditions.items()], else_=None)
    last = [c for group, c in conditions.items() if group[2] == "last"]
    return pass_mark, or_(*last) if last else false()
