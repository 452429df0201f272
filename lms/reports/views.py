"""Staff report pages: filters, tables with charts, exports and the quarterly summary."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from lms.auth.access import staff_required
from lms.i18n import current_locale
from lms.lazy import lazy_module
from lms.reports import bp, charts, exports, filters, outcomes, tables
from lms.reports import gain as knowledge
from lms.training.exports import french_excel_wanted

catalogue = lazy_module("lms.reports.catalogue")  # national tables: at first use
delivery = lazy_module("lms.reports.delivery")

MISSING_SHOWN = 200


def _filter() -> filters.ReportFilter:
    return filters.ReportFilter.from_args(request.args, today=date.today())


def _page(template: str, f: filters.ReportFilter, people: bool = True, **context) -> str:
    """Render a report page with its filter form (without the unit and rank choices when
    `people` is false: the quarterly form asks for a programme and a site only)."""
    periods = [(key, label) for key, label, _start, _end in filters.period_presets(date.today())]
    return render_template(f"lms/reports/{template}", f=f, args=f.to_args(),
                           described=filters.describe_filter(f),
                           choices=filters.filter_choices(people), periods=periods, **context)


def _sex_chart(title: str, description: str, categories: list[str],
               values: dict[str, list], **options) -> Markup:
    """Grouped bars with one series per sex key in `values` (F, M, T), one value per category."""
    names = {"F": _("Women"), "M": _("Men"), "T": _("Total")}
    return charts.bar_chart(title, description, categories,
                            [charts.Series(names[s], charts.SEX_FILLS[s], v)
                             for s, v in values.items()], **options)


def _totals_chart(table: tables.Table, measures: list[tuple[str, str]], title: str,
                  description: str, **options) -> Markup:
    """Bars for women, men and total of a table's totals row: one group per (key, label)."""
    return _sex_chart(title, description, [label for _key, label in measures],
                      {s: [table.total(f"{key}_{s}") for key, _label in measures]
                       for s in tables.SEX_COLUMNS}, **options)


def _gain_chart(figures: dict[str, knowledge.GainFigures], names: list[str], title: str,
                description: str, **options) -> Markup:
    """Bars for women, men and total of some knowledge-gain measures (GainFigures fields)."""
    labels = dict(knowledge.gain_measures())
    return _sex_chart(title, description, [labels[n] for n in names],
                      {s: [getattr(figures[s], n) for n in names] for s in tables.SEX_COLUMNS},
                      **options)


def _scores_chart(figures: dict[str, knowledge.GainFigures]) -> Markup:
    return _gain_chart(
        figures, ["mean_pre", "mean_post"], _("Mean score before and after the course"),
        _("Mean pre-test and post-test scores in percent, for women, men and in total; the "
          "table below gives the same figures."), maximum=100, unit=" %")


def _enrolment_chart(table: tables.Table) -> Markup:
    return _totals_chart(
        table, [(m, label) for m, label in zip(
            outcomes.ENROLMENT_MEASURES, (_("Enrolled"), _("Completed"), _("Certified")),
            strict=True)],
        _("Officers enrolled, completed and certified"),
        _("Enrolled, completed and certified officers for women, men and in total; the tables "
          "below give the same figures."))


@bp.route("/")
@staff_required
def index():
    """Show officers enrolled, completed and certified, and the knowledge gain, for the chosen
    filter."""
    f = _filter()
    by = request.args.get("by", "cohort")
    enrolment = outcomes.enrolment_table(f, by)
    figures = knowledge.knowledge_gain(f)
    return _page("index.html", f, by=by, dimensions=outcomes.DIMENSIONS, enrolment=enrolment,
                 gain=knowledge.gain_table(f, figures=figures), chart=_enrolment_chart(enrolment),
                 gain_chart=_scores_chart(figures))


@bp.route("/assessments")
@staff_required
def assessments():
    """Show pass rates per assessment, by sex."""
    f = _filter()
    table = outcomes.pass_rate_table(f, current_locale())
    chart = _sex_chart(
        _("Pass rate per assessment"),
        _("Share of trainees who passed each assessment they sat, in percent; the table gives "
          "the figures by sex."),
        table.column("assessment"), {"T": table.column("pass_rate_T")}, maximum=100,
        unit=" %")
    from lms.assessment.paper.services import paper_attempts_in

    return _page("assessments.html", f, table=table, chart=chart,
                 paper=paper_attempts_in(filters.scope(f)))


@bp.route("/gain")
@staff_required
def gain():
    """Show the pre-test to post-test knowledge gain, its spread, and who missed a test."""
    f = _filter()
    sums = knowledge.gain_sums(f)
    figures = knowledge.knowledge_gain(f, sums)
    spread = _gain_chart(
        figures, ["low", "medium", "high"], _("Spread of the normalized gain"),
        _("Number of trainees with a low, medium and high gain, for women, men and in total."))
    missing = knowledge.missing_tests_table(f, limit=MISSING_SHOWN)
    return _page("gain.html", f, table=knowledge.gain_table(f, figures=figures),
                 chart=_scores_chart(figures), spread=spread,
                 by_cohort=knowledge.gain_by_cohort_table(f, sums),
                 missing=missing, missing_count=missing.total_rows or 0,
                 missing_shown=MISSING_SHOWN)


@bp.route("/attendance")
@staff_required
def attendance():
    """Show attendance rates per cohort, by sex."""
    f = _filter()
    table = delivery.attendance_table(f)
    chart = _totals_chart(
        table, [("rate", _("All cohorts"))], _("Attendance rate"),
        _("Share of counted class meetings attended, in percent, for women, men and in total."),
        maximum=100, unit=" %")
    return _page("attendance.html", f, table=table, chart=chart)


@bp.route("/trainers")
@staff_required
def trainers():
    """Show trainers trained in train-the-trainer sessions and the trainees they reached."""
    f = _filter()
    table = delivery.cascade_table(f)
    chart = charts.bar_chart(
        _("Train-the-trainer cascade"),
        _("Trainers qualified by each session and the trainees they went on to train."),
        table.column("session"),
        [charts.Series(_("Trainers qualified"), charts.SEX_FILLS["F"],
                       table.column("trainers_T")),
         charts.Series(_("Trainees reached"), charts.SEX_FILLS["M"], table.column("reached_T"))])
    return _page("trainers.html", f, table=table, chart=chart)


@bp.route("/vetting")
@staff_required
def vetting():
    """List trainees trained without cleared human-rights (Leahy) vetting."""
    f = _filter()
    return _page("vetting.html", f, table=delivery.unvetted_table(f))


@bp.route("/quarterly")
@staff_required
def quarterly():
    """A one-page printable summary for a programme and site over one quarter."""
    today = date.today()
    year = request.args.get("year", today.year, type=int)
    quarter = request.args.get("quarter", (today.month - 1) // 3 + 1, type=int)
    if not 2000 <= year <= 2100 or not 1 <= quarter <= 4:
        abort(404)
    start, end = filters.quarter_range(year, quarter)
    base = _filter()
    f = filters.ReportFilter(programme_id=base.programme_id, site_id=base.site_id,
                         date_from=start, date_to=end)
    enrolment = outcomes.enrolment_table(f, "programme")
    figures = knowledge.knowledge_gain(f)
    attendance = delivery.attendance_table(f)
    cascade = delivery.cascade_table(f)
    indicators = delivery.indicator_table(f, enrolment=enrolment, attendance=attendance,
                                          cascade=cascade, gain=figures)
    return _page("quarterly.html", f, people=False, year=year, quarter=quarter, start=start,
                 end=end, indicators=indicators, enrolment=enrolment,
                 unvetted=delivery.count_unvetted(f),
                 gain=knowledge.gain_table(f, figures=figures), gain_chart=_scores_chart(figures),
                 chart=_enrolment_chart(enrolment),
                 pass_rates=outcomes.pass_rate_table(f, current_locale()))


@bp.route("/export/<key>.<fmt>")
@staff_required
def export(key, fmt):
    """Download one report table (or every table, key "all") as CSV or XLSX, streamed: the
    download starts at once and the tables are counted while it runs."""
    f = _filter()
    lang = current_locale()
    keys = list(catalogue.TABLE_KEYS) if key == "all" else [key]
    if any(k not in catalogue.TABLE_KEYS for k in keys) or fmt not in ("csv", "xlsx") or (
            fmt == "csv" and len(keys) != 1):
        abort(404)
    described = filters.describe_filter(f)
    args = request.args.to_dict()

    def build() -> list[tables.Table]:
        built = catalogue.build_tables(keys, f, args, lang)
        for table in built:
            table.note = f"{_('Filter')}: {described}. {table.note}".strip()
        return built

    filename = f"report-{key}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return exports.csv_stream(lambda: build()[0], filename,
                                  french_excel_wanted(request.args))
    return exports.xlsx_stream(build, filename)
