"""Staff report pages: filters, tables with charts, exports and the quarterly summary."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from lms.auth.access import staff_required
from lms.i18n import current_locale
from lms.reports import bp, charts, delivery, exports
from lms.reports import services as svc

MISSING_SHOWN = 200


def _page(template: str, f: svc.ReportFilter, **context) -> str:
    return render_template(f"lms/reports/{template}", f=f, args=f.to_args(),
                           described=svc.describe_filter(f), choices=svc.filter_choices(),
                           **context)


def _sex_series(values: dict[str, list]) -> list[charts.Series]:
    names = {"F": _("Women"), "M": _("Men"), "T": _("Total")}
    return [charts.Series(names[s], charts.SEX_FILLS[s], v) for s, v in values.items()]


def _gain_chart(table: svc.Table):
    rows = {row[0]: row[1:] for row in table.rows}
    measures = [table.rows[i][0] for i in (1, 2)]
    return charts.bar_chart(
        _("Mean score before and after the course"),
        _("Mean pre-test and post-test scores in percent, for women, men and in total; the "
          "table below gives the same figures."),
        measures, _sex_series({s: [rows[m][i] for m in measures]
                               for i, s in enumerate(svc.SEX_COLUMNS)}),
        maximum=100, unit=" %")


@bp.route("/")
@staff_required
def index():
    """Show officers enrolled and completed, and the knowledge gain, for the chosen filter."""
    f = svc.ReportFilter.from_args(request.args)
    by = request.args.get("by", "cohort")
    enrolment = svc.enrolment_table(f, by)
    gain = svc.gain_table(f)
    completed = enrolment.footer[-4:-1]
    chart = charts.bar_chart(
        _("Officers enrolled and completed"),
        _("Enrolled and completed officers for women, men and in total; the tables below give "
          "the same figures."),
        [_("Enrolled"), _("Completed")],
        _sex_series({s: [enrolment.footer[-7 + i], completed[i]]
                     for i, s in enumerate(svc.SEX_COLUMNS)}))
    return _page("index.html", f, by=by, dimensions=svc.DIMENSIONS, enrolment=enrolment,
                 gain=gain, chart=chart, gain_chart=_gain_chart(gain))


@bp.route("/assessments")
@staff_required
def assessments():
    """Show pass rates per assessment, by sex."""
    f = svc.ReportFilter.from_args(request.args)
    table = svc.pass_rate_table(f, current_locale())
    rates = table.column(table.columns[-2])
    chart = charts.bar_chart(
        _("Pass rate per assessment"),
        _("Share of trainees who passed each assessment they sat, in percent; the table gives "
          "the figures by sex."),
        [row[2] for row in table.rows],
        [charts.Series(_("Total"), charts.SEX_FILLS["T"], rates)], maximum=100, unit=" %")
    return _page("assessments.html", f, table=table, chart=chart)


@bp.route("/gain")
@staff_required
def gain():
    """Show the pre-test to post-test knowledge gain, its spread, and who missed a test."""
    f = svc.ReportFilter.from_args(request.args)
    sums = svc.gain_sums(f)
    table = svc.gain_table(f, sums)
    rows = {row[0]: row[1:] for row in table.rows}
    bands = [table.rows[i][0] for i in (7, 8, 9)]
    spread = charts.bar_chart(
        _("Spread of the normalized gain"),
        _("Number of trainees with a low, medium and high gain, for women, men and in total."),
        bands, _sex_series({s: [rows[b][i] for b in bands]
                            for i, s in enumerate(svc.SEX_COLUMNS)}))
    missing = svc.missing_tests_table(f, limit=MISSING_SHOWN)
    return _page("gain.html", f, table=table, chart=_gain_chart(table), spread=spread,
                 by_cohort=svc.gain_by_cohort_table(f, sums),
                 missing=missing, missing_count=missing.total_rows or 0,
                 missing_shown=MISSING_SHOWN)


@bp.route("/attendance")
@staff_required
def attendance():
    """Show attendance rates per cohort, by sex."""
    f = svc.ReportFilter.from_args(request.args)
    table = delivery.attendance_table(f)
    chart = charts.bar_chart(
        _("Attendance rate"),
        _("Share of counted class meetings attended, in percent, for women, men and in total."),
        [_("All cohorts")], _sex_series({s: [table.footer[-3 + i]]
                                         for i, s in enumerate(svc.SEX_COLUMNS)}),
        maximum=100, unit=" %")
    return _page("attendance.html", f, table=table, chart=chart)


@bp.route("/trainers")
@staff_required
def trainers():
    """Show trainers trained in train-the-trainer sessions and the trainees they reached."""
    f = svc.ReportFilter.from_args(request.args)
    table = delivery.cascade_table(f)
    chart = charts.bar_chart(
        _("Train-the-trainer cascade"),
        _("Trainers qualified by each session and the trainees they went on to train."),
        [row[0] for row in table.rows],
        [charts.Series(_("Trainers qualified"), charts.SEX_FILLS["F"], table.column(
            table.columns[5])),
         charts.Series(_("Trainees reached"), charts.SEX_FILLS["M"], table.column(
             table.columns[9]))])
    return _page("trainers.html", f, table=table, chart=chart)


@bp.route("/vetting")
@staff_required
def vetting():
    """List trainees trained without cleared human-rights (Leahy) vetting."""
    f = svc.ReportFilter.from_args(request.args)
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
    start, end = svc.quarter_range(year, quarter)
    base = svc.ReportFilter.from_args(request.args)
    f = svc.ReportFilter(programme_id=base.programme_id, site_id=base.site_id,
                         date_from=start, date_to=end)
    enrolment = svc.enrolment_table(f, "programme")
    gain = svc.gain_table(f)
    return _page("quarterly.html", f, year=year, quarter=quarter, start=start, end=end,
                 attendance=delivery.attendance_table(f), cascade=delivery.cascade_table(f),
                 unvetted=len(delivery.unvetted_table(f).rows),
                 enrolment=enrolment, gain=gain, gain_chart=_gain_chart(gain),
                 pass_rates=svc.pass_rate_table(f, current_locale()))


@bp.route("/export/<key>.<fmt>")
@staff_required
def export(key, fmt):
    """Download one report table (or every table, key "all") as CSV or XLSX."""
    f = svc.ReportFilter.from_args(request.args)
    lang = current_locale()
    keys = svc.TABLE_KEYS if key == "all" else (key,)
    tables = [svc.build_table(k, f, request.args, lang) for k in keys]
    if any(t is None for t in tables) or fmt not in ("csv", "xlsx") or (
            fmt == "csv" and len(tables) != 1):
        abort(404)
    described = svc.describe_filter(f)
    for table in tables:
        table.note = f"{_('Filter')}: {described}. {table.note}".strip()
    filename = f"report-{key}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(tables[0]), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(tables)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
