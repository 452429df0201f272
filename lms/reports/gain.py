"""Knowledge gain in the reports: the rule of lms.assessment.gain over the filtered enrolments.

The first submitted, fully graded sitting of the pre-test and of the post-test, as percentages;
g = (post - pre) / (100 - pre), low below 0.3, high above 0.7. Only trainees who sat both
count; a pre-test at 100 % gives no g (counted as "already at the maximum").
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from lms.assessment.gain import (
    GainFigures,
    PrePost,
    add_sums,
    gain_figures,
    sittings,
)
from lms.assessment.gain import gain_sums as group_gain_sums
from lms.auth.models import Site, User
from lms.curricula.models import Programme
from lms.extensions import db
from lms.reports.filters import ReportFilter, cohort_conditions, scope, scope_ids
from lms.reports.tables import (
    SEX_COLUMNS,
    Table,
    by_sex,
    person_columns,
    person_values,
    programme_title,
    sex_columns,
)
from lms.reports.versions import VersionFacts, versions_in
from lms.training.models import Cohort


def knowledge_gain(f: ReportFilter, sums: dict | None = None) -> dict[str, GainFigures]:
    """Mean pre and post scores, share passing, mean and spread of g, for F, M and total."""
    sums = gain_sums(f) if sums is None else sums
    return {sex: gain_figures(values) for sex, values in add_sums(sums.values()).items()}


def knowledge_gain_by_cohort(f: ReportFilter, sums: dict | None = None
                             ) -> dict[int, dict[str, GainFigures]]:
    """The knowledge-gain figures of each cohort in the filter (cohorts with none left out)."""
    sums = gain_sums(f) if sums is None else sums
    return {cohort_id: {sex: gain_figures(values) for sex, values in per_sex.items()}
            for cohort_id, per_sex in sums.items()}


def tests_of(facts: dict[int, VersionFacts]) -> dict[int, PrePost]:
    """Each version's pre-test and post-test with their pass marks."""
    return {v.id: PrePost(v.pre_key, v.post_key,
                          float(v.assessments[v.pre_key]["pass_mark"]) if v.pre_key else 50.0,
                          float(v.assessments[v.post_key]["pass_mark"]) if v.post_key else 50.0)
            for v in facts.values()}


def _sitting_ids(f: ReportFilter):
    """The filter's enrolment ids for reading pre- and post-test sittings: a light IN-list on
    PostgreSQL (the attempts' covering index, no join to officers and cohorts); None on SQLite,
    whose planner then scanned the post-test sittings once per pre-test sitting (seconds)."""
    return scope_ids(f) if db.session.get_bind().dialect.name == "postgresql" else None


def gain_sums(f: ReportFilter) -> dict[int, dict[str, list[float]]]:
    """Cohort id -> sex (F, M, T) -> the sums and counts behind the gain figures (one query)."""
    s = scope(f)
    return group_gain_sums(s, tests_of(versions_in(f)), s.c.cohort_id, _sitting_ids(f))


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
    s = scope(f)
    pre, post = sittings(s, tests_of(versions_in(f)), _sitting_ids(f))
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


def count_missing_tests(f: ReportFilter) -> int:
    """How many trainees in the filter lack the pre-test or the post-test."""
    s = scope(f)
    pre, post = sittings(s, tests_of(versions_in(f)), _sitting_ids(f))
    return db.session.scalar(
        select(func.count()).select_from(s)
        .outerjoin(pre, pre.c.enrolment_id == s.c.enrolment_id)
        .outerjoin(post, post.c.enrolment_id == s.c.enrolment_id)
        .where(or_(pre.c.enrolment_id.is_(None), post.c.enrolment_id.is_(None)))) or 0
