"""Report figures for programme managers and donors: set-based queries, disaggregated by sex.

Definitions (also shown on the pages):
- enrolled: enrolments in the filtered cohorts; an officer enrolled in two cohorts counts in each.
- a cohort is in a date range when its dates overlap the range.
- completed: staff marked the enrolment completed, or the trainee submitted every *required*
  assessment of their pinned curriculum version: the post-test where the version has one,
  otherwise every quiz.
- knowledge gain: the first submitted, fully graded sitting of the pre-test and of the post-test,
  as percentages; g = (post - pre) / (100 - pre), low below 0.3, high above 0.7. Only trainees
  who sat both count; a pre-test at 100 % gives no g (counted as "already at the maximum").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
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

from lms.auth.models import Site, User
from lms.certificates.models import Certificate
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.i18n import current_locale
from lms.learning.models import Attempt
from lms.learning.services import ordered_items
from lms.training.models import Cohort, Enrolment

SEX_COLUMNS = ("F", "M", "T")
GAIN_LOW, GAIN_HIGH = 0.3, 0.7
DIMENSIONS = ("cohort", "programme", "site", "unit", "rank")


# Filters ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportFilter:
    """Which enrolments a report covers; None means "all"."""

    programme_id: int | None = None
    site_id: int | None = None
    cohort_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    unit: str | None = None   # "" selects officers with no unit recorded
    sex: str | None = None
    rank: str | None = None   # "" selects officers with no rank recorded

    @classmethod
    def from_args(cls, args: Mapping[str, str], today: date | None = None) -> ReportFilter:
        """Read a filter from query-string arguments, ignoring what does not parse.

        A `period` argument naming one of `period_presets(today)` sets both dates.
        """

        def number(name):
            value = (args.get(name) or "").strip()
            return int(value) if value.isdigit() else None

        def day(name):
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        def text(name):
            if name not in args or args.get(name) in (None, "*"):
                return None
            value = args.get(name).strip()
            return "" if value == "-" else value or None

        sex = args.get("sex")
        dates = (day("from"), day("to"))
        if today is not None:
            presets = {key: (start, end) for key, _label, start, end in period_presets(today)}
            dates = presets.get(args.get("period"), dates)
        return cls(programme_id=number("programme"), site_id=number("site"),
                   cohort_id=number("cohort"), date_from=dates[0], date_to=dates[1],
                   unit=text("unit"), sex=sex if sex in ("F", "M") else None, rank=text("rank"))

    def to_args(self) -> dict[str, str]:
        """The query-string arguments that rebuild this filter (for links and exports)."""
        names = {"programme_id": "programme", "site_id": "site", "cohort_id": "cohort",
                 "date_from": "from", "date_to": "to"}
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name in ("unit", "rank") and value == "":
                value = "-"
            args[names.get(f.name, f.name)] = value.isoformat() if isinstance(value, date) \
                else str(value)
        return args


def cohort_conditions(f: ReportFilter) -> list:
    """SQL conditions on Cohort for the filter's programme, site, cohort and dates."""
    conditions = []
    if f.programme_id is not None:
        conditions.append(Cohort.programme_id == f.programme_id)
    if f.site_id is not None:
        conditions.append(Cohort.site_id == f.site_id)
    if f.cohort_id is not None:
        conditions.append(Cohort.id == f.cohort_id)
    if f.date_from is not None:
        conditions.append(Cohort.end_date >= f.date_from)
    if f.date_to is not None:
        conditions.append(Cohort.start_date <= f.date_to)
    return conditions


def person_conditions(f: ReportFilter) -> list:
    """SQL conditions on User for the filter's sex, unit and rank."""
    conditions = []
    if f.sex is not None:
        conditions.append(User.sex == f.sex)
    if f.unit is not None:
        conditions.append(func.coalesce(User.unit, "") == f.unit)
    if f.rank is not None:
        conditions.append(func.coalesce(User.rank, "") == f.rank)
    return conditions


def scope(f: ReportFilter):
    """Subquery: one row per enrolment in the filter, with the officer's sex, unit and rank."""
    return (select(Enrolment.id.label("enrolment_id"), Enrolment.user_id,
                   Enrolment.curriculum_version_id.label("version_id"), Enrolment.cohort_id,
                   Enrolment.status,
                   Cohort.programme_id, Cohort.site_id, User.sex, User.unit, User.rank)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(User, User.id == Enrolment.user_id)
            .where(*cohort_conditions(f), *person_conditions(f))
            .subquery("scope"))


def filter_choices() -> dict:
    """Options for the filter form: programmes, sites, cohorts, units and ranks in use."""
    trainee_units = select(User.unit).distinct().join(Enrolment, Enrolment.user_id == User.id)
    trainee_ranks = select(User.rank).distinct().join(Enrolment, Enrolment.user_id == User.id)
    return {
        "programmes": db.session.scalars(select(Programme).order_by(Programme.code)).all(),
        "sites": db.session.scalars(select(Site).order_by(Site.name)).all(),
        "cohorts": db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc(),
                                                              Cohort.name)).all(),
        "units": sorted({u or "" for u in db.session.scalars(trainee_units)}),
        "ranks": sorted({r or "" for r in db.session.scalars(trainee_ranks)}),
    }


# Tables ----------------------------------------------------------------------------------------

@dataclass
class Table:
    """A report table as shown, exported to CSV/XLSX and printed.

    `keys` names each column for code (``enrolled_F``, ``pass_rate_T``): views, templates and
    tests read figures by key, never by position, so a new column cannot shift them.
    """

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    footer: list | None = None  # a totals row
    total_rows: int | None = None  # rows before a display limit, when one was applied
    keys: list[str] = field(default_factory=list)

    @classmethod
    def keyed(cls, key: str, title: str, columns: list[tuple[str, str]], note: str = ""
              ) -> Table:
        """A table whose columns are given as (key, header) pairs."""
        return cls(key, title, [header for _key, header in columns], note=note,
                   keys=[column_key for column_key, _header in columns])

    def position(self, key: str) -> int:
        """The index of the column named `key`."""
        return self.keys.index(key)

    def column(self, key: str) -> list:
        """The values of one column, in row order (totals row excluded)."""
        index = self.position(key)
        return [row[index] for row in self.rows]

    def total(self, key: str):
        """The totals row's value in the column named `key`."""
        return self.footer[self.position(key)] if self.footer else None

    def add_row(self, values: Mapping[str, object]) -> None:
        """Append a row given as {column key: value}; every column must have a value."""
        self.rows.append([values[key] for key in self.keys])

    def set_footer(self, values: Mapping[str, object]) -> None:
        """Set the totals row from {column key: value}; columns not given stay blank."""
        self.footer = [values.get(key, "") for key in self.keys]

    def records(self) -> list[dict]:
        """The rows as {column key: value} dicts."""
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]

    def totals(self) -> dict:
        """The totals row as a {column key: value} dict (empty without one)."""
        return dict(zip(self.keys, self.footer, strict=True)) if self.footer else {}


def sex_headers(label: str) -> list[str]:
    """`label` split into women, men and total columns."""
    return [_("%(label)s: women", label=label), _("%(label)s: men", label=label),
            _("%(label)s: total", label=label)]


def sex_columns(key: str, label: str) -> list[tuple[str, str]]:
    """(key, header) pairs for `label` split by sex: `key_F`, `key_M` and `key_T`."""
    return list(zip([f"{key}_{sex}" for sex in SEX_COLUMNS], sex_headers(label), strict=True))


def by_sex(key: str, values: list) -> dict[str, object]:
    """{`key_F`: women, `key_M`: men, `key_T`: total} from a women/men/total triple."""
    return {f"{key}_{sex}": value for sex, value in zip(SEX_COLUMNS, values, strict=True)}


def _pivot(counts: dict[str | None, float]) -> list:
    """[women, men, total] from counts by sex; the total includes sex not recorded."""
    women, men = counts.get("F", 0) or 0, counts.get("M", 0) or 0
    return [women, men, sum(v or 0 for v in counts.values())]


def percent(part: float, whole: float) -> float | None:
    """Part of whole in percent, one decimal; None when whole is zero."""
    return round(100 * part / whole, 1) if whole else None


# Curriculum facts (a handful of versions: read once per report, never per trainee) ----------

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


def _versions_in(f: ReportFilter) -> dict[int, VersionFacts]:
    ids = db.session.scalars(select(Enrolment.curriculum_version_id).distinct()
                             .join(Cohort, Cohort.id == Enrolment.cohort_id)
                             .where(*cohort_conditions(f))).all()
    return version_facts(ids) if ids else {}


def _pairs(version_keys: dict[int, list[str]]):
    """SQL condition: (attempt version, item key) is one of the given pairs."""
    parts = [and_(Attempt.curriculum_version_id == vid, Attempt.item_key.in_(keys))
             for vid, keys in version_keys.items() if keys]
    return or_(*parts) if parts else false()


def _version_case(values: dict[int, object], column, else_=None):
    if not values:
        return literal(else_)
    return case(values, value=column, else_=else_)


def completed_subquery(facts: dict[int, VersionFacts]):
    """Subquery: enrolment ids that submitted every required assessment of their version."""
    done = func.count(distinct(Attempt.item_key))
    needed = _version_case({v.id: len(v.required) for v in facts.values()},
                           Attempt.curriculum_version_id, 10**6)
    return (select(Attempt.enrolment_id)
            .where(Attempt.status == "submitted",
                   _pairs({v.id: v.required for v in facts.values()}))
            .group_by(Attempt.enrolment_id, Attempt.curriculum_version_id)
            .having(done >= needed)
            .subquery("completed"))


# Enrolled, completed and certified ----------------------------------------------------------

def _dimension(by: str, s):
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
    keys, joins = _dimension(by, s)
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


def programme_title(code: str) -> str:
    """A programme's title in the current language (tables show titles, not codes)."""
    lang = current_locale()
    titles = db.session.info.setdefault(("lms_programme_titles", lang), {})
    if code not in titles:  # one query per programme and session, not per row
        programme = db.session.scalar(select(Programme).where(Programme.code == code))
        titles[code] = programme.title_in(lang) if programme is not None else code
    return titles[code]


def enrolment_table(f: ReportFilter, by: str = "cohort") -> Table:
    """Officers enrolled, completed and certified, by cohort (or programme, site, unit, rank)
    and sex."""
    by = by if by in DIMENSIONS else "cohort"
    facts = _versions_in(f)
    s = scope(f)
    done = completed_subquery(facts)
    keys, joins = _dimension(by, s)
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
            figures = _pivot(group.get(measure, {}))
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
    facts = _versions_in(f)
    s = scope(f)
    pct = case((Attempt.max_score > 0, 100.0 * Attempt.score / Attempt.max_score), else_=100.0)
    graded_pct = case((Attempt.pending_grading == 0, pct), else_=None)
    # One row per trainee and assessment: best graded score, last sitting, any pending grade.
    per_item = (select(Attempt.enrolment_id, Attempt.curriculum_version_id.label("version_id"),
                       Attempt.item_key, s.c.sex, func.max(graded_pct).label("best"),
                       func.max(Attempt.number).label("last_number"),
                       func.max(Attempt.pending_grading).label("any_pending"))
                .join(s, s.c.enrolment_id == Attempt.enrolment_id)
                .where(Attempt.status == "submitted")
                .group_by(Attempt.enrolment_id, Attempt.curriculum_version_id,
                          Attempt.item_key, s.c.sex)
                .subquery("per_item"))
    a, last = per_item, Attempt.__table__.alias("last_attempt")
    pass_mark, is_last = _item_rules(facts, a.c.version_id, a.c.item_key)
    last_pct = case((last.c.pending_grading > 0, None), (last.c.max_score > 0,
                    100.0 * last.c.score / last.c.max_score), else_=100.0)
    score = case((is_last, last_pct), else_=a.c.best)
    is_pending = case((is_last, last.c.pending_grading), else_=a.c.any_pending) > 0
    passed = and_(score.is_not(None), score >= pass_mark - 1e-9)
    query = (select(a.c.version_id, a.c.item_key, a.c.sex, func.count(),
                    func.sum(case((passed, 1), else_=0)),
                    func.sum(case((and_(~passed, is_pending), 1), else_=0)))
             .select_from(a)
             .join(last, and_(last.c.enrolment_id == a.c.enrolment_id,
                              last.c.item_key == a.c.item_key,
                              last.c.number == a.c.last_number))
             .group_by(a.c.version_id, a.c.item_key, a.c.sex))
    figures: dict[tuple, dict] = {}
    rows = list(db.session.execute(query)) + _practical_rows(facts, s)
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
            sat, ok = _pivot(entry["sat"]), _pivot(entry["passed"])
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


# Knowledge gain ------------------------------------------------------------------------------

def _sitting(facts: dict[int, VersionFacts], which: str, s, name: str):
    """Subquery: per enrolment, the percentage of its first fully graded pre- or post-test.

    The first sitting is the one taken before (or at the end of) the teaching; a later retake
    would measure something else. lms.assessment.gain counts the same sitting.
    """
    keys = {v.id: [getattr(v, which)] for v in facts.values() if getattr(v, which)}
    pct = case((Attempt.max_score > 0, 100.0 * Attempt.score / Attempt.max_score), else_=None)
    ranked = (select(Attempt.enrolment_id, pct.label("pct"),
                     func.row_number().over(partition_by=Attempt.enrolment_id,
                                            order_by=Attempt.number).label("rn"))
              .join(s, s.c.enrolment_id == Attempt.enrolment_id)
              .where(Attempt.status == "submitted", Attempt.pending_grading == 0,
                     Attempt.score.is_not(None), _pairs(keys))
              .subquery(name + "_ranked"))
    return select(ranked.c.enrolment_id, ranked.c.pct).where(ranked.c.rn == 1) \
        .subquery(name)


@dataclass
class GainFigures:
    """Pre-test to post-test figures for one group of trainees who sat both."""

    both: int = 0
    mean_pre: float | None = None
    mean_post: float | None = None
    pass_pre: float | None = None   # percent of trainees at or above the pass mark
    pass_post: float | None = None
    mean_gain: float | None = None  # mean normalized gain g
    class_gain: float | None = None  # g of the mean scores (Hake's class gain)
    with_gain: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0
    at_maximum: int = 0             # pre-test at 100 %: no g


def knowledge_gain(f: ReportFilter, sums: dict | None = None) -> dict[str, GainFigures]:
    """Mean pre and post scores, share passing, mean and spread of g, for F, M and total."""
    sums = gain_sums(f) if sums is None else sums
    total = {sex: [0.0] * 10 for sex in SEX_COLUMNS}
    for per_sex in sums.values():  # sums and counts add up across cohorts
        for sex, values in per_sex.items():
            total[sex] = [a + b for a, b in zip(total[sex], values, strict=True)]
    return {sex: _gain_figures(values) for sex, values in total.items()}


def knowledge_gain_by_cohort(f: ReportFilter, sums: dict | None = None
                             ) -> dict[int, dict[str, GainFigures]]:
    """The knowledge-gain figures of each cohort in the filter (cohorts with none left out)."""
    sums = gain_sums(f) if sums is None else sums
    return {cohort_id: {sex: _gain_figures(values) for sex, values in per_sex.items()}
            for cohort_id, per_sex in sums.items()}


def gain_sums(f: ReportFilter) -> dict[int, dict[str, list[float]]]:
    """Cohort id -> sex (F, M, T) -> the sums and counts behind the gain figures (one query)."""
    facts = _versions_in(f)
    s = scope(f)
    pre, post = _sitting(facts, "pre_key", s, "pre"), _sitting(facts, "post_key", s, "post")
    pass_mark = _version_case({v.id: float(v.assessments[v.pre_key]["pass_mark"])
                               for v in facts.values() if v.pre_key}, s.c.version_id, 50.0)
    post_mark = _version_case({v.id: float(v.assessments[v.post_key]["pass_mark"])
                               for v in facts.values() if v.post_key}, s.c.version_id, 50.0)
    has_g = pre.c.pct < 100.0 - 1e-9
    g = case((has_g, (post.c.pct - pre.c.pct) / (100.0 - pre.c.pct)), else_=None)

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (select(s.c.cohort_id, s.c.sex, func.count(), func.sum(pre.c.pct), func.sum(post.c.pct),
                    count_if(pre.c.pct >= pass_mark - 1e-9),
                    count_if(post.c.pct >= post_mark - 1e-9),
                    func.count(g), func.sum(g),
                    count_if(and_(has_g, g < GAIN_LOW)),
                    count_if(and_(has_g, g > GAIN_HIGH)),
                    count_if(~has_g))
             .select_from(s)
             .join(pre, pre.c.enrolment_id == s.c.enrolment_id)
             .join(post, post.c.enrolment_id == s.c.enrolment_id)
             .group_by(s.c.cohort_id, s.c.sex))
    sums: dict[int, dict[str, list[float]]] = {}
    for cohort_id, sex, *values in db.session.execute(query):
        per_sex = sums.setdefault(cohort_id, {x: [0.0] * 10 for x in SEX_COLUMNS})
        # Sex not recorded: in the total only.
        for target in (sex, "T") if sex in ("F", "M") else ("T",):
            per_sex[target] = [a + (b or 0) for a, b in zip(per_sex[target], values,
                                                             strict=True)]
    return sums


def _gain_figures(sums: list[float]) -> GainFigures:
    n, pre_sum, post_sum, pass_pre, pass_post, n_g, g_sum, low, high, at_max = sums
    n, n_g = int(n), int(n_g)
    mean_pre = pre_sum / n if n else None
    mean_post = post_sum / n if n else None
    return GainFigures(
        both=n, mean_pre=round(mean_pre, 1) if n else None,
        mean_post=round(mean_post, 1) if n else None,
        pass_pre=percent(pass_pre, n), pass_post=percent(pass_post, n),
        mean_gain=round(g_sum / n_g, 2) if n_g else None, with_gain=n_g,
        class_gain=round((mean_post - mean_pre) / (100 - mean_pre), 2)
        if n and mean_pre < 100 - 1e-9 else None,
        low=int(low), high=int(high), medium=n_g - int(low) - int(high),
        at_maximum=int(at_max))


def gain_by_cohort_table(f: ReportFilter, sums: dict | None = None) -> Table:
    """Knowledge gain per cohort: trainees who sat both tests, mean scores and mean g by sex."""
    groups = knowledge_gain_by_cohort(f, sums)
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.name, Programme.code, Site.name).join(Programme).join(Site)
        .where(*cohort_conditions(f)).order_by(Cohort.start_date, Cohort.name)).all()
    table = Table.keyed(
        "gain_by_cohort", _("Knowledge gain per cohort"),
        [("cohort", _("Cohort")), ("programme", _("Programme")), ("site", _("Site"))]
        + sex_columns("both", _("Sat both tests"))
        + [("mean_pre", _("Mean pre-test score (%)")),
           ("mean_post", _("Mean post-test score (%)"))]
        + sex_columns("mean_gain", _("Mean normalized gain g")),
        note=_("Cohorts where nobody has sat both tests yet are left out."))
    for cohort_id, name, code, site in cohorts:
        figures = groups.get(cohort_id)
        if figures is None:
            continue
        table.add_row({"cohort": name, "programme": programme_title(code), "site": site,
                       **by_sex("both", [figures[x].both for x in SEX_COLUMNS]),
                       "mean_pre": figures["T"].mean_pre, "mean_post": figures["T"].mean_post,
                       **by_sex("mean_gain", [figures[x].mean_gain for x in SEX_COLUMNS])})
    return table


def gain_measures() -> list[tuple[str, str]]:
    """The knowledge-gain measures as (GainFigures field, label), in the order shown."""
    return [
        ("both", _("Trainees who sat both tests")),
        ("mean_pre", _("Mean pre-test score (%)")),
        ("mean_post", _("Mean post-test score (%)")),
        ("pass_pre", _("At or above the pass mark before (%)")),
        ("pass_post", _("At or above the pass mark after (%)")),
        ("mean_gain", _("Mean normalized gain g")),
        ("class_gain", _("Gain of the mean scores")),
        ("low", _("Low gain (g below 0.3)")),
        ("medium", _("Medium gain (g 0.3 to 0.7)")),
        ("high", _("High gain (g above 0.7)")),
        ("at_maximum", _("Already at the maximum before (no g)")),
    ]


def gain_table(f: ReportFilter, sums: dict | None = None,
               figures: dict[str, GainFigures] | None = None) -> Table:
    """The knowledge-gain figures as a table: one row per measure, women/men/total columns."""
    figures = knowledge_gain(f, sums) if figures is None else figures
    table = Table.keyed(
        "gain", _("Knowledge gain: pre-test to post-test"),
        [("measure", _("Measure")), ("F", _("Women")), ("M", _("Men")), ("T", _("Total"))],
        note=_("g = (post - pre) / (100 - pre), in percent of the maximum score. Only trainees "
               "who sat both tests count; the total includes trainees whose sex is not "
               "recorded."))
    for name, label in gain_measures():
        table.add_row({"measure": label,
                       **{sex: getattr(figures[sex], name) for sex in SEX_COLUMNS}})
    return table


def missing_tests_table(f: ReportFilter, limit: int | None = None) -> Table:
    """Trainees in the filter who have not sat the pre-test or the post-test (or either)."""
    facts = _versions_in(f)
    s = scope(f)
    pre, post = _sitting(facts, "pre_key", s, "pre"), _sitting(facts, "post_key", s, "post")
    query = (select(User.last_name, User.first_name, User.academy_number, User.service_number,
                    User.sex, User.unit, User.rank, Cohort.name,
                    pre.c.enrolment_id.is_not(None), post.c.enrolment_id.is_not(None),
                    func.count().over())
             .select_from(s)
             .join(User, User.id == s.c.user_id).join(Cohort, Cohort.id == s.c.cohort_id)
             .outerjoin(pre, pre.c.enrolment_id == s.c.enrolment_id)
             .outerjoin(post, post.c.enrolment_id == s.c.enrolment_id)
             .where(or_(pre.c.enrolment_id.is_(None), post.c.enrolment_id.is_(None)))
             .order_by(Cohort.name, User.last_name, User.first_name, User.academy_number))
    if limit is not None:
        query = query.limit(limit)
    table = Table.keyed(
        "missing_tests", _("Trainees who missed the pre-test or the post-test"),
        person_columns() + [("cohort", _("Cohort")), ("pre", _("Pre-test")),
                            ("post", _("Post-test"))],
        note=_("Not counted in the knowledge gain. A test awaiting grading counts as not yet "
               "sat."))
    yes, no = _("sat"), _("missing")
    for last, first, academy, service, sex, unit, rank, cohort, has_pre, has_post, total in \
            db.session.execute(query):
        table.total_rows = total
        table.add_row({**person_values(first, last, academy, service, sex, unit, rank),
                       "cohort": cohort, "pre": yes if has_pre else no,
                       "post": yes if has_post else no})
    return table


def person_columns() -> list[tuple[str, str]]:
    """(key, header) pairs of the columns that name an officer in a list of people."""
    return [("name", _("Name")), ("academy_number", _("Academy number")),
            ("service_number", _("Service number")), ("sex", _("Sex")), ("unit", _("Unit")),
            ("rank", _("Rank"))]


def person_values(first: str, last: str, academy: str, service: str | None, sex: str | None,
                  unit: str | None, rank: str | None) -> dict[str, str]:
    """The values of `person_columns()` for one officer."""
    return {"name": f"{first} {last.upper()}", "academy_number": academy,
            "service_number": service or "", "sex": sex or "", "unit": unit or "",
            "rank": rank or ""}


def count_missing_tests(f: ReportFilter) -> int:
    """How many trainees in the filter lack the pre-test or the post-test."""
    facts = _versions_in(f)
    s = scope(f)
    pre, post = _sitting(facts, "pre_key", s, "pre"), _sitting(facts, "post_key", s, "post")
    return db.session.scalar(
        select(func.count()).select_from(s)
        .outerjoin(pre, pre.c.enrolment_id == s.c.enrolment_id)
        .outerjoin(post, post.c.enrolment_id == s.c.enrolment_id)
        .where(or_(pre.c.enrolment_id.is_(None), post.c.enrolment_id.is_(None)))) or 0


def quarter_range(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter."""
    quarter = min(max(quarter, 1), 4)
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def period_presets(today: date) -> list[tuple[str, str, date, date]]:
    """Common report periods as (key, label, first day, last day): this year, last year, this
    quarter and the previous one."""
    quarter = (today.month - 1) // 3 + 1
    previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return [("this_year", _("This year"), date(today.year, 1, 1), date(today.year, 12, 31)),
            ("last_year", _("Last year"), date(today.year - 1, 1, 1),
             date(today.year - 1, 12, 31)),
            ("this_quarter", _("This quarter"), *quarter_range(today.year, quarter)),
            ("previous_quarter", _("Previous quarter"), *quarter_range(*previous))]


def describe_filter(f: ReportFilter) -> str:
    """The filter in words, for page headings, printouts and exported files."""
    parts = []
    if f.programme_id is not None:
        code = db.session.scalar(select(Programme.code).where(Programme.id == f.programme_id))
        parts.append(_("programme %(code)s", code=programme_title(code) if code else "?"))
    if f.site_id is not None:
        name = db.session.scalar(select(Site.name).where(Site.id == f.site_id))
        parts.append(_("site %(name)s", name=name or "?"))
    if f.cohort_id is not None:
        name = db.session.scalar(select(Cohort.name).where(Cohort.id == f.cohort_id))
        parts.append(_("cohort %(name)s", name=name or "?"))
    if f.date_from or f.date_to:
        parts.append(_("cohorts running between %(start)s and %(end)s",
                       start=format_date(f.date_from, "medium") if f.date_from else "…",
                       end=format_date(f.date_to, "medium") if f.date_to else "…"))
    if f.sex is not None:
        parts.append(_("women only") if f.sex == "F" else _("men only"))
    if f.unit is not None:
        parts.append(_("unit %(unit)s", unit=f.unit or _("(not recorded)")))
    if f.rank is not None:
        parts.append(_("rank %(rank)s", rank=f.rank or _("(not recorded)")))
    return "; ".join(parts) if parts else _("all programmes, sites and cohorts")


def build_table(key: str, f: ReportFilter, options: Mapping[str, str], lang: str) -> Table | None:
    """One report table by its key (as used in export links); None if the key is unknown."""
    return build_tables([key], f, options, lang)[0]


def build_tables(keys: list[str], f: ReportFilter, options: Mapping[str, str],
                 lang: str) -> list[Table | None]:
    """Report tables by key (None for an unknown key); the key indicators reuse the figures of
    the other tables asked for rather than counting them again."""
    from lms.reports import delivery

    built: dict[str, Table | None] = {}
    figures = knowledge_gain(f) if {"gain", "indicators"} & set(keys) else None
    builders = {
        "enrolment": lambda: enrolment_table(f, options.get("by", "cohort")),
        "pass_rates": lambda: pass_rate_table(f, lang),
        "gain": lambda: gain_table(f, figures=figures),
        "missing_tests": lambda: missing_tests_table(f),
        "gain_by_cohort": lambda: gain_by_cohort_table(f),
        "attendance": lambda: delivery.attendance_table(f),
        "cascade": lambda: delivery.cascade_table(f),
        "unvetted": lambda: delivery.unvetted_table(f),
        "indicators": lambda: delivery.indicator_table(
            f, enrolment=built.get("enrolment"), attendance=built.get("attendance"),
            cascade=built.get("cascade"), gain=figures),
    }
    for key in sorted(set(keys), key=lambda k: k == "indicators"):  # the indicators last
        builder = builders.get(key)
        built[key] = builder() if builder else None
    return [built[key] for key in keys]


TABLE_KEYS = ("indicators", "enrolment", "pass_rates", "gain", "gain_by_cohort", "missing_tests",
              "attendance", "cascade", "unvetted")
