"""Which enrolments a report covers: the filter, its SQL conditions, its choices and its words.

A cohort is in a date range when its dates overlap the range; an officer enrolled in two
cohorts counts in each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from lms.auth.models import Site, User
from lms.curricula.models import Programme
from lms.extensions import db
from lms.reports.tables import programme_title
from lms.training.models import Cohort, Enrolment


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


def analytic_transaction() -> None:
    """On PostgreSQL, plan this request's report queries for one user's aggregates: no JIT
    compilation (it cost 0.1-0.25 s a query and saved nothing at national scale) and no
    parallel workers (gathering their hundreds of thousands of partial groups was slower than
    one process). SET LOCAL: the settings end with the request's transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def scope_ids(f: ReportFilter):
    """Subquery: the ids of the enrolments in the filter, joining cohorts and officers only when
    the filter asks about them (an IN-list for the attempts the reports read)."""
    query = select(Enrolment.id)
    if cohort_conditions(f):
        query = query.join(Cohort, Cohort.id == Enrolment.cohort_id)
    if person_conditions(f):
        query = query.join(User, User.id == Enrolment.user_id)
    return query.where(*cohort_conditions(f), *person_conditions(f))


def filter_choices(people: bool = True) -> dict:
    """Options for the filter form: programmes, sites, cohorts, units and ranks in use (units
    and ranks read every trainee: left out when `people` is false)."""
    choices = {
        "programmes": db.session.scalars(select(Programme).order_by(Programme.code)).all(),
        "sites": db.session.scalars(select(Site).order_by(Site.name)).all(),
        "cohorts": db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc(),
                                                              Cohort.name)).all(),
    }
    if people:
        trainee_units = select(User.unit).distinct().join(Enrolment,
                                                          Enrolment.user_id == User.id)
        trainee_ranks = select(User.rank).distinct().join(Enrolment,
                                                          Enrolment.user_id == User.id)
        choices["units"] = sorted({u or "" for u in db.session.scalars(trainee_units)})
        choices["ranks"] = sorted({r or "" for r in db.session.scalars(trainee_ranks)})
    return choices


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
