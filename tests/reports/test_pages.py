"""Staff answer donors' questions through the report pages, and export what they see."""

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from openpyxl import load_workbook

from lms.extensions import db
from lms.reports.catalogue import TABLE_KEYS
from lms.reports.exports import safe_cell, to_csv
from lms.reports.tables import Table
from tests.conftest import login, make_user


def option_value(html: str, select_name: str, label_part: str) -> str:
    """The value of the <option> of a <select> whose label contains `label_part`."""
    block = re.search(rf'<select id="{select_name}" name="{select_name}">(.*?)</select>', html,
                      re.S).group(1)
    for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block):
        if label_part in unescape(label):
            return value
    raise AssertionError(f"no option {label_part!r} in {select_name}")


def cell_after(html: str, row_label: str) -> list[str]:
    """The cells of the table row headed `row_label`."""
    row = re.search(rf"<th scope=\"row\">{re.escape(row_label)}</th>(.*?)</tr>", html, re.S)
    assert row, f"no row {row_label!r}"
    return re.findall(r"<td>([^<]*)</td>", row.group(1))


def shown_table(html: str, anchor: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The rows (by their first cell) and the totals row of the table after `id="anchor"`,
    each as {column header: cell text}, as a person reads them."""
    start = html.index(f'id="{anchor}"')
    table = html[start:html.index("</table>", start)]
    headers = [unescape(h) for h in re.findall(r'<th scope="col">([^<]*)</th>', table)]

    def cells(row_html):
        values = [unescape(v) for v in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row_html)]
        return dict(zip(headers, values, strict=True))

    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    footer = re.search(r"<tfoot><tr>(.*?)</tr></tfoot>", table, re.S)
    return ({next(iter(r.values())): r for r in rows},
            cells(footer.group(1)) if footer else {})


def by_sex(values: dict, *labels: str) -> list:
    """Women, men and total of each French measure label, from {header: value}."""
    return [values[f"{label}\u00a0: {sex}"] for label in labels
            for sex in ("femmes", "hommes", "total")]


class FakeDate(date):
    """Today is 26 November 2026 for the period shortcuts."""

    @classmethod
    def today(cls):
        return cls(2026, 11, 26)


def test_women_who_completed_border_policing_in_lubumbashi_this_year_and_their_gain(
        app, client, known, monkeypatch):
    """The issue's question, answered in a few clicks from the menu, then exported."""
    from lms.reports import views

    monkeypatch.setattr(views, "date", FakeDate)
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    home = client.get("/").text
    reports_url = re.search(r'<a href="([^"]+)">Rapports</a>', home).group(1)
    page = client.get(reports_url).text
    # Choose the programme, the site and women in the form, then press "this year".
    this_year = re.search(r'<button class="link" name="period" value="([^"]+)">Cette année<',
                          page).group(1)
    form = {"programme": option_value(page, "programme", "frontières"),
            "site": option_value(page, "site", "Lubumbashi"), "cohort": "", "from": "",
            "to": "", "sex": "F", "unit": "*", "rank": "*", "by": "cohort",
            "period": this_year}
    answer = client.get(reports_url, query_string=form)
    assert answer.status_code == 200
    html = answer.text
    assert "femmes seulement" in html
    assert "cohortes en cours entre le 1 janv. 2026 et le 31 déc. 2026" in html
    _rows, totals = shown_table(html, "t-enrolment")
    assert by_sex(totals, "Inscrits", "Ont terminé", "Certifiés") == [
        "3", "0", "3", "2", "0", "2", "2", "0", "2"]
    assert totals["Taux d'achèvement (%)"] == "66,7"
    assert cell_after(html, "Gain normalisé moyen g") == ["0,83", "–", "0,83"]
    assert cell_after(html, "Stagiaires qui ont passé les deux tests") == ["2", "0", "2"]
    chart = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "Certifiés" in chart and "Femmes: 2" in chart

    export = re.search(r'href="([^"]*/export/enrolment\.csv[^"]*)"', html).group(1)
    lines = list(csv.reader(io.StringIO(client.get(unescape(export)).data.decode("utf-8-sig"))))
    exported = dict(zip(lines[0], lines[-1], strict=True))
    assert by_sex(exported, "Ont terminé", "Certifiés") == ["2", "0", "2", "2", "0", "2"]
    gain_export = re.search(r'href="([^"]*/export/gain\.xlsx[^"]*)"', html).group(1)
    response = client.get(unescape(gain_export))
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row}
    assert values["Gain normalisé moyen g"] == (0.83, None, 0.83)
    assert any("femmes seulement" in str(row[0])
               for row in sheet.iter_rows(values_only=True) if row)
    everything = re.search(r'href="([^"]*/export/all\.xlsx[^"]*)"', html).group(1)
    book = load_workbook(io.BytesIO(client.get(unescape(everything)).data))
    indicators = {row[0]: row[1:] for row in book["Indicateurs clés"].iter_rows(
        values_only=True) if row}
    assert indicators["Agents ayant terminé"] == (2, 0, 2)
    assert indicators["Agents certifiés"] == (2, 0, 2)
    assert indicators["Gain normalisé moyen g"] == (0.83, None, 0.83)


def test_a_period_button_sets_both_dates_and_keeps_the_other_choices(
        app, client, known, monkeypatch):
    from lms.reports import views

    monkeypatch.setattr(views, "date", FakeDate)
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    html = client.get("/reports/attendance", query_string={
        "site": known.lubumbashi_id, "from": "2020-01-01", "to": "", "sex": "F",
        "period": "previous_quarter"}).text
    assert 'name="from" value="2026-07-01"' in html and 'name="to" value="2026-09-30"' in html
    assert (f"/reports/export/attendance.csv?site={known.lubumbashi_id}&amp;from=2026-07-01"
            "&amp;to=2026-09-30&amp;sex=F") in html
    assert "femmes seulement" in html


def test_every_report_page_renders_with_accessible_svg_charts_and_no_inline_style(
        app, client, known):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    for url in ("/reports/", "/reports/?by=unit", "/reports/gain", "/reports/assessments",
                "/reports/quarterly?year=2026&quarter=2", "/reports/?cohort=999999",
                "/reports/attendance", "/reports/trainers"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert "style=" not in html and "<script" not in html, url
        svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
        assert svgs, url
        for svg in svgs:
            assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert "<figcaption>" in html and "<table" in html


def test_quarterly_summary_covers_the_quarter_and_prints(app, client, known):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    html = client.get("/reports/quarterly", query_string={
        "programme": known.border_id, "site": known.lubumbashi_id, "year": 2026,
        "quarter": 2}).text
    assert "2026-04-01" in html and "2026-06-30" in html
    # Q2 2026 in Lubumbashi: only the spring cohort (6 trainees; 2 + 3 completed; 2 + 1
    # certified).
    rows, totals = shown_table(html, "q-enrolment")
    assert by_sex(totals, "Inscrits", "Ont terminé", "Certifiés") == [
        "3", "3", "6", "2", "3", "5", "2", "1", "3"]
    assert by_sex(rows["Police des frontières"], "Certifiés") == ["2", "1", "3"]  # a title
    indicators, _totals = shown_table(html, "q-indicators")
    assert list(indicators["Agents certifiés"].values())[1:] == ["2", "1", "3"]
    assert list(indicators["Taux d'achèvement (%)"].values())[1:] == ["66,7", "100", "83,3"]
    gain, _none = shown_table(html, "q-gain")
    assert list(gain["Gain normalisé moyen g"].values())[1:] == ["0,83", "0,25", "0,64"]
    passes, _none = shown_table(html, "q-pass_rates")
    rate = "Taux de réussite (%)\u00a0: total"
    assert passes["Test final — Police des frontières"][rate] == "80"
    assert passes["Quiz — Le poste frontalier et ses services"][rate] == "33,3"
    assert "Stagiaires formés sans vérification validée\u00a0: 6." in html
    assert 'href="/reports/export/indicators.csv?' in html
    q4 = client.get("/reports/quarterly", query_string={
        "programme": known.border_id, "site": known.lubumbashi_id, "year": 2026,
        "quarter": 4}).text
    assert "Aucune cohorte pendant ce trimestre." in q4
    assert client.get("/reports/quarterly?quarter=9").status_code == 404


def test_every_table_exports_as_csv_and_the_workbook_holds_them_all(app, client, known):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    for key in TABLE_KEYS:
        response = client.get(f"/reports/export/{key}.csv?programme={known.border_id}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert len(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) >= 2
    book = load_workbook(io.BytesIO(client.get("/reports/export/all.xlsx").data))
    assert len(book.sheetnames) == len(TABLE_KEYS)
    assert client.get("/reports/export/nothing.csv").status_code == 404
    assert client.get("/reports/export/all.csv").status_code == 404
    assert client.get("/reports/export/gain.pdf").status_code == 404


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)",
                                   "\tx", "\rx"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell(-0.25) == -0.25 and safe_cell("Kampemba") == "Kampemba"
    text = to_csv(Table("t", "T", ["a"], [[value]])).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'" + value]


def test_a_cohort_named_like_a_formula_is_exported_harmlessly(app, client, known):
    from lms.training.models import Cohort

    db.session.get(Cohort, known.cohort_ids["a"]).name = "=cmd|' /C calc'!A0"
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    data = client.get("/reports/export/enrolment.xlsx").data
    names = [row[0] for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert "'=cmd|' /C calc'!A0" in names and "=cmd|' /C calc'!A0" not in names


@pytest.mark.parametrize("roles", [("trainee",), ("trainer",)])
@pytest.mark.parametrize("url", ["/reports/", "/reports/gain", "/reports/assessments",
                                 "/reports/attendance", "/reports/trainers", "/reports/vetting",
                                 "/reports/quarterly", "/reports/export/gain.csv"])
def test_reports_are_for_staff_only(app, client, roles, url):
    user = make_user(roles=roles)
    db.session.commit()
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    login(client, user)
    assert client.get(url).status_code == 403
    assert "Reports</a>" not in client.get("/").text


def test_vetting_page_warns_while_someone_is_not_cleared(app, client, known):
    from lms.training.models import Enrolment, Vetting

    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    url = f"/reports/vetting?cohort={known.cohort_ids['a']}"
    assert "Stagiaires formés sans vérification validée\u00a0: 6." in client.get(url).text
    for enrolment in db.session.query(Enrolment).filter_by(cohort_id=known.cohort_ids["a"]):
        db.session.add(Vetting(user_id=enrolment.user_id, status="cleared"))
    db.session.commit()
    html = client.get(url).text
    assert "Personne dans cette sélection n'a été formé sans vérification validée." in html
    assert client.get("/reports/quarterly?year=2026&quarter=2").status_code == 200


def test_cohort_dates_read_in_words_on_screen_and_as_dates_in_exports(app, client, known):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    page = client.get("/reports/").text
    row = cell_after(page, "Frontières Kasapa 2026")
    assert row[2:4] == ["1 mars 2026", "30 juin 2026"], row  # start and end, in French
    lines = list(csv.reader(io.StringIO(
        client.get("/reports/export/enrolment.csv").data.decode("utf-8-sig"))))
    kasapa = next(line for line in lines if line[0] == "Frontières Kasapa 2026")
    assert kasapa[3:5] == ["2026-03-01", "2026-06-30"]  # machine-readable
    sheet = load_workbook(io.BytesIO(client.get("/reports/export/enrolment.xlsx").data)).active
    kasapa = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Frontières Kasapa 2026")
    assert [value.date() for value in kasapa[3:5]] == [date(2026, 3, 1), date(2026, 6, 30)]
