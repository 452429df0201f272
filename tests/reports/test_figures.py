"""Report figures against a dataset whose answers are worked out by hand (see conftest)."""

from datetime import date

import pytest

from lms.reports import delivery
from lms.reports.filters import ReportFilter, period_presets, quarter_range
from lms.reports.gain import (
    count_missing_tests,
    gain_by_cohort_table,
    gain_table,
    knowledge_gain,
    missing_tests_table,
)
from lms.reports.outcomes import enrolment_table, pass_rate_table
from tests.reports.conftest import by_sex

F, M, T = 0, 1, 2


def question_filter(known, **extra):
    return ReportFilter(programme_id=known.border_id, site_id=known.lubumbashi_id,
                            date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), **extra)


def figures(table, label):
    """The women/men/total triple of a row of a measure table."""
    return next(row[1:] for row in table.rows if row[0] == label)


ENROLLED_COMPLETED = ("enrolled", "completed")


def test_enrolled_completed_and_certified_by_cohort_and_sex_including_an_empty_cohort(known):
    table = enrolment_table(question_filter(known))
    by_name = {row["cohort"]: row for row in table.records()}
    assert set(by_name) == {"Frontières Kasapa 2026", "Frontières Kasapa 2026-B"}
    spring, empty = by_name["Frontières Kasapa 2026"], by_name["Frontières Kasapa 2026-B"]
    assert by_sex(spring, *ENROLLED_COMPLETED) == [3, 3, 6, 2, 3, 5]
    assert spring["completion_rate"] == 83.3
    # W1 valid; W2 revoked then valid (once); M1 replaced by a reissue (once); M2 revoked.
    assert by_sex(spring, "certified") == [2, 1, 3]
    assert by_sex(empty, *ENROLLED_COMPLETED, "certified") == [0] * 9
    assert empty["completion_rate"] is None
    totals = table.totals()
    assert totals["cohort"] == "Total"
    assert by_sex(totals, *ENROLLED_COMPLETED, "certified") == [3, 3, 6, 2, 3, 5, 2, 1, 3]
    assert totals["completion_rate"] == 83.3


def test_certified_counts_valid_certificates_only_once_per_officer_and_cohort(known):
    """Across every site and year: the spring cohort's 3, W4 in Mbuji-Mayi, W5 in 2025."""
    table = enrolment_table(ReportFilter(programme_id=known.border_id), by="site")
    assert {row["site"]: by_sex(row, "certified") for row in table.records()} == {
        "Académie de police de Kasapa, Lubumbashi": [3, 1, 4],
        "École de police de Mbuji-Mayi": [1, 0, 1]}
    assert by_sex(table.totals(), "certified") == [4, 1, 5]
    women = enrolment_table(question_filter(known, sex="F"))
    assert by_sex(women.totals(), "certified") == [2, 0, 2]


def test_a_trainee_whose_sex_is_not_recorded_counts_in_the_totals_only(known):
    from lms.extensions import db
    from lms.training.models import Cohort
    from lms.training.services import enrol
    from tests.conftest import make_user
    from tests.reports.conftest import POST, PRE, make_attempt, make_certificate

    user = make_user(first_name="X1", last_name="TestX1")
    user.sex = ""  # an old record imported without it
    enrolment = enrol(user, db.session.get(Cohort, known.cohort_ids["a"]))
    db.session.flush()
    make_attempt(enrolment, PRE, 10)
    make_attempt(enrolment, POST, 15)
    make_certificate(enrolment)
    db.session.commit()
    table = enrolment_table(question_filter(known))
    assert by_sex(table.totals(), *ENROLLED_COMPLETED, "certified") == [
        3, 3, 7, 2, 3, 6, 2, 1, 4]
    assert table.totals()["completion_rate"] == 85.7
    gain = knowledge_gain(question_filter(known))
    assert (gain["F"].both, gain["M"].both, gain["T"].both) == (2, 2, 5)
    assert gain["T"].mean_pre == 52.0  # (40 + 50 + 20 + 100 + 50) / 5
    assert pass_rate_table(question_filter(known), "en").records()  # no error
    by_unit = enrolment_table(question_filter(known), by="unit")
    assert by_sex(by_unit.totals(), "enrolled") == [3, 3, 7]
    assert enrolment_table(question_filter(known, sex="F")).totals()["enrolled_T"] == 3


def test_enrolled_by_unit_shows_officers_with_no_unit_recorded(known):
    table = enrolment_table(question_filter(known), by="unit")
    assert {row["unit"]: by_sex(row, "enrolled") for row in table.records()} == {
        "(non renseigné)": [1, 0, 1], "Kampemba": [2, 1, 3], "Katuba": [0, 2, 2]}


def test_filters_by_unit_rank_and_sex(known):
    no_unit = enrolment_table(question_filter(known, unit=""))
    assert by_sex(no_unit.totals(), "enrolled") == [1, 0, 1]
    no_rank = enrolment_table(question_filter(known, rank=""))
    assert by_sex(no_rank.totals(), "enrolled") == [1, 0, 1]
    women = enrolment_table(question_filter(known, sex="F"))
    assert by_sex(women.totals(), *ENROLLED_COMPLETED) == [3, 0, 3, 2, 0, 2]
    assert women.totals()["completion_rate"] == 66.7
    every_site = enrolment_table(ReportFilter(programme_id=known.border_id))
    assert by_sex(every_site.totals(), "enrolled") == [5, 3, 8]


def test_knowledge_gain_counts_only_trainees_who_sat_both(known):
    gain = knowledge_gain(question_filter(known))
    assert (gain["F"].both, gain["M"].both, gain["T"].both) == (2, 2, 4)
    assert (gain["F"].mean_pre, gain["F"].mean_post) == (45.0, 90.0)
    # M1's first pre-test sitting (20 %) counts, not the retake (90 %).
    assert (gain["M"].mean_pre, gain["M"].mean_post) == (60.0, 70.0)
    assert (gain["T"].mean_pre, gain["T"].mean_post) == (52.5, 80.0)
    assert (gain["F"].pass_pre, gain["M"].pass_pre, gain["T"].pass_pre) == (50.0, 50.0, 50.0)
    assert (gain["F"].pass_post, gain["M"].pass_post, gain["T"].pass_post) == (100.0, 50.0, 75.0)
    assert (gain["F"].mean_gain, gain["M"].mean_gain, gain["T"].mean_gain) == (0.83, 0.25, 0.64)
    assert (gain["F"].class_gain, gain["M"].class_gain, gain["T"].class_gain) == (
        0.82, 0.25, 0.58)
    assert [(g.low, g.medium, g.high, g.at_maximum) for g in gain.values()] == [
        (0, 1, 1, 0), (1, 0, 0, 1), (1, 1, 1, 1)]


def test_knowledge_gain_per_cohort(known):
    table = gain_by_cohort_table(ReportFilter(programme_id=known.border_id))
    rows = {row[0]: row[table.position("both_F"):] for row in table.rows}
    assert rows == {"Frontières Kasapa 2025": [1, 0, 1, 10.0, 90.0, 0.89, None, 0.89],
                    "Frontières Kasapa 2026": [2, 2, 4, 52.5, 80.0, 0.83, 0.25, 0.64],
                    "Frontières Mbuji-Mayi 2026": [1, 0, 1, 0.0, 100.0, 1.0, None, 1.0]}


def test_trainees_who_missed_a_test_are_listed(known):
    table = missing_tests_table(question_filter(known))
    assert [(row["name"], row["pre"], row["post"]) for row in table.records()] == [
        ("M2 TESTM2", "manquant", "passé"), ("W3 TESTW3", "passé", "manquant")]
    assert count_missing_tests(question_filter(known)) == 2
    limited = missing_tests_table(question_filter(known), limit=1)
    assert len(limited.rows) == 1 and limited.total_rows == 2


def test_pass_rates_use_the_counted_attempt_and_leave_pending_grades_out(known):
    table = pass_rate_table(question_filter(known), "en")
    rows = {row["assessment"]: row for row in table.records()}
    quiz = rows["Quiz — The border post and its services"]
    assert by_sex(quiz, "sat", "passed", "pass_rate") == [2, 1, 3, 1, 0, 1, 50.0, 0.0, 33.3]
    assert quiz["pending"] == 1
    post = rows["Post-test — Border police"]
    assert by_sex(post, "sat", "passed", "pass_rate") == [2, 3, 5, 2, 2, 4, 100.0, 66.7, 80.0]


@pytest.mark.parametrize("f", [
    ReportFilter(cohort_id=-1),
    ReportFilter(date_from=date(1990, 1, 1), date_to=date(1990, 12, 31)),
])
def test_an_empty_selection_gives_zeros_and_no_errors(known, f):
    assert enrolment_table(f).rows == []
    gain = knowledge_gain(f)
    assert gain["T"].both == 0 and gain["T"].mean_gain is None and gain["T"].mean_pre is None
    assert pass_rate_table(f).rows == []
    assert missing_tests_table(f).rows == []


def test_an_empty_cohort_alone_gives_zero_rows_not_errors(known):
    f = ReportFilter(cohort_id=known.cohort_ids["empty"])
    row = enrolment_table(f).records()[0]
    assert by_sex(row, *ENROLLED_COMPLETED, "certified") == [0] * 9
    assert row["completion_rate"] is None
    assert gain_table(f).rows[0][1:] == [0, 0, 0]
    assert [r["rate_T"] for r in delivery.attendance_table(f).records()] == [None]


def test_no_data_at_all(app, ctx):
    f = ReportFilter()
    assert enrolment_table(f).rows == []
    assert knowledge_gain(f)["T"].both == 0
    assert pass_rate_table(f).rows == []


def test_filter_round_trips_through_query_arguments():
    f = ReportFilter(programme_id=3, site_id=4, cohort_id=5, date_from=date(2026, 1, 1),
                         date_to=date(2026, 3, 31), unit="", sex="F", rank="Agent")
    assert ReportFilter.from_args(f.to_args()) == f
    assert ReportFilter.from_args({"programme": "x", "from": "2026-13-01", "sex": "X",
                                       "unit": "*"}) == ReportFilter()


def test_a_named_period_sets_both_dates_from_today():
    today = date(2026, 2, 10)
    args = {"site": "4", "from": "2020-01-01", "period": "previous_quarter"}
    assert ReportFilter.from_args(args, today=today) == ReportFilter(
        site_id=4, date_from=date(2025, 10, 1), date_to=date(2025, 12, 31))
    assert [(key, start, end) for key, _label, start, end in period_presets(today)] == [
        ("this_year", date(2026, 1, 1), date(2026, 12, 31)),
        ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
        ("this_quarter", date(2026, 1, 1), date(2026, 3, 31)),
        ("previous_quarter", date(2025, 10, 1), date(2025, 12, 31))]
    assert ReportFilter.from_args(args).date_from == date(2020, 1, 1)  # no today: ignored
    unknown = ReportFilter.from_args({"period": "forever"}, today=today)
    assert unknown == ReportFilter()


def test_a_period_counts_officers_certified_by_the_certificate_issue_date(known):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from lms.auth.models import User
    from lms.extensions import db
    from lms.training.models import Enrolment
    from tests.conftest import make_certificate

    # The spring cohort ended in June; M3's certificate, signed in July, counts in the third
    # quarter (when the officer was certified), not in the second.
    m3 = db.session.scalar(select(Enrolment).join(Enrolment.user).where(
        User.last_name == "TestM3"))
    make_certificate(m3, issued_at=datetime(2026, 7, 10, 9, tzinfo=UTC))
    db.session.commit()

    def certified(start, end):
        f = ReportFilter(programme_id=known.border_id, site_id=known.lubumbashi_id,
                             date_from=start, date_to=end)
        return by_sex(enrolment_table(f, "programme").totals(), "certified")

    assert certified(date(2026, 4, 1), date(2026, 6, 30)) == [2, 1, 3]
    assert certified(date(2026, 7, 1), date(2026, 9, 30)) == [0, 1, 1]


def test_quarter_range():
    assert quarter_range(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_range(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))


def test_an_enrolment_marked_completed_by_staff_counts_as_completed(known):
    from lms.extensions import db
    from lms.training.models import Enrolment

    w3 = db.session.query(Enrolment).join(Enrolment.user).filter_by(first_name="W3").one()
    w3.status = "completed"
    db.session.commit()
    table = enrolment_table(ReportFilter(cohort_id=known.cohort_ids["a"]))
    assert by_sex(table.records()[0], *ENROLLED_COMPLETED) == [3, 3, 6, 3, 3, 6]


def test_practical_assessments_count_once_graded(known):
    """W1 scores 6/9 (67 %) and M1 3/9 (33 %) on the vehicle search; pass mark 50 %."""
    from lms.assessment.models import Grade
    from lms.extensions import db
    from lms.training.models import Enrolment
    from tests.conftest import make_user

    trainer = make_user(roles=("trainer",))
    key = "droits-humains-frontiere/fouille-vehicule"
    for name, score in (("W1", 6), ("M1", 3)):
        enrolment = db.session.query(Enrolment).join(Enrolment.user).filter_by(
            first_name=name).one()
        db.session.add(Grade(subject=f"practical:{enrolment.uuid}:{key}", kind="practical",
                             enrolment_id=enrolment.id, item_key=key, content_hash="x",
                             score=score, max_score=9, graded_by_id=trainer.id, version=1))
    db.session.commit()
    table = pass_rate_table(question_filter(known), "en")
    row = next(r for r in table.records() if r["kind"] == "practical")
    assert by_sex(row, "sat", "passed", "pass_rate") == [1, 1, 2, 1, 0, 1, 100.0, 0.0, 50.0]
    assert row["pending"] == 0


def test_gain_agrees_with_the_assessment_pages(known):
    """The cohort's figures here and on the assessment feature's gain page are the same."""
    from lms.assessment.gain import cohort_gain
    from lms.extensions import db
    from lms.training.models import Cohort

    cohort = db.session.get(Cohort, known.cohort_ids["a"])
    theirs = cohort_gain(cohort)
    ours = knowledge_gain(ReportFilter(cohort_id=cohort.id))["T"]
    assert ours.both == len(theirs.both)
    assert ours.mean_pre == round(theirs.mean_pre, 1)
    assert ours.mean_post == round(theirs.mean_post, 1)
    assert ours.mean_gain == round(theirs.mean_gain, 2)
    assert ours.class_gain == round(theirs.class_gain, 2)
    assert (ours.pass_pre, ours.pass_post) == (round(theirs.passed_pre, 1),
                                               round(theirs.passed_post, 1))
