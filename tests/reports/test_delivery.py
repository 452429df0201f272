"""Attendance, the train-the-trainer cascade and Leahy vetting, against hand-counted data."""

from datetime import date, datetime, time

from lms.extensions import db
from lms.reports import delivery
from lms.reports.filters import ReportFilter
from lms.training.models import (
    AttendanceRecord,
    ClassMeeting,
    Cohort,
    CohortClass,
    Enrolment,
    Qualification,
    Vetting,
)
from lms.training.services import create_cohort, enrol
from tests.conftest import CURRICULA, make_user, publish
from tests.reports.conftest import by_sex

ATTENDANCE = ("attended", "counted", "rate")


def _meeting(klass, day, statuses):
    meeting = ClassMeeting(class_id=klass.id, day=day, start_time=time(8),
                           register_taken_at=datetime(2026, 3, day.day, 12))
    db.session.add(meeting)
    db.session.flush()
    for enrolment, status in statuses:
        db.session.add(AttendanceRecord(meeting_id=meeting.id, enrolment_id=enrolment.id,
                                        status=status))


def test_attendance_rates_by_cohort_and_sex(known):
    """W1 present twice; W2 present then late; M1 absent then excused; M2 present, absent."""
    cohort_id = known.cohort_ids["a"]
    enrolments = {e.user.first_name: e for e in db.session.query(Enrolment)
                  .filter_by(cohort_id=cohort_id)}
    klass = CohortClass(cohort_id=cohort_id, name="Classe 1")
    db.session.add(klass)
    db.session.flush()
    w1, w2, m1, m2 = (enrolments[n] for n in ("W1", "W2", "M1", "M2"))
    _meeting(klass, date(2026, 3, 2), [(w1, "present"), (w2, "present"), (m1, "absent"),
                                        (m2, "present")])
    _meeting(klass, date(2026, 3, 3), [(w1, "present"), (w2, "late"), (m1, "excused"),
                                        (m2, "absent")])
    db.session.commit()
    table = delivery.attendance_table(ReportFilter(site_id=known.lubumbashi_id,
                                                       date_from=date(2026, 1, 1)))
    rows = {row["cohort"]: row for row in table.records()}
    spring, empty = rows["Frontières Kasapa 2026"], rows["Frontières Kasapa 2026-B"]
    assert spring["registers"] == 2
    assert by_sex(spring, *ATTENDANCE) == [4, 1, 5, 4, 3, 7, 100.0, 33.3, 71.4]
    assert empty["registers"] == 0
    assert by_sex(empty, *ATTENDANCE) == [0, 0, 0, 0, 0, 0, None, None, None]
    assert by_sex(table.totals(), *ATTENDANCE) == [4, 1, 5, 4, 3, 7, 100.0, 33.3, 71.4]
    women = delivery.attendance_table(ReportFilter(cohort_id=cohort_id, sex="F"))
    assert by_sex(women.records()[0], *ATTENDANCE) == [4, 0, 4, 4, 0, 4, 100.0, None, 100.0]


def test_cascade_counts_trainers_qualified_and_trainees_they_reached(known):
    """A ToT session qualifies T1 (F) and T2 (M) for border policing; T1 leads the 2026 Kasapa
    cohort (6 trainees: 3 F, 3 M), T2 leads a class of the Mbuji-Mayi cohort (1 F) and also the
    Kasapa cohort (its trainees count once); T3 (M) qualified for mining leads a border cohort,
    which is not counted."""
    from lms.training.models import CohortTrainer

    tot_version = publish(CURRICULA / "formation-des-formateurs")
    mines = publish(CURRICULA / "police-des-mines")
    kasapa = db.session.get(Cohort, known.cohort_ids["a"])
    session = create_cohort(name="FdF Kasapa mars 2026", programme=tot_version.programme,
                            site=kasapa.site, start=date(2026, 1, 5), end=date(2026, 1, 16),
                            version=tot_version,
                            qualifies_for=[kasapa.programme, mines.programme])
    db.session.commit()
    t1 = make_user(first_name="T1", last_name="Trainer", sex="F", roles=("trainer",))
    t2 = make_user(first_name="T2", last_name="Trainer", sex="M", roles=("trainer",))
    t3 = make_user(first_name="T3", last_name="Trainer", sex="M", roles=("trainer",))
    for user in (t1, t2):
        enrol(user, session)
        db.session.add(Qualification(user_id=user.id, programme_id=known.border_id,
                                     granted_on=date(2026, 1, 16), source_cohort_id=session.id))
    enrol(t3, session)
    db.session.add(Qualification(user_id=t3.id, programme_id=mines.programme_id,
                                 granted_on=date(2026, 1, 16), source_cohort_id=session.id))
    db.session.add_all([CohortTrainer(cohort_id=kasapa.id, user_id=t1.id),
                        CohortTrainer(cohort_id=kasapa.id, user_id=t2.id),
                        CohortTrainer(cohort_id=kasapa.id, user_id=t3.id),
                        CohortClass(cohort_id=known.cohort_ids["c"], name="A",
                                    trainer_id=t2.id)])
    db.session.commit()
    table = delivery.cascade_table(ReportFilter(date_from=date(2026, 1, 1)))
    assert [row[0] for row in table.rows] == ["FdF Kasapa mars 2026"]
    # trainers F/M/T, cohorts led, trainees reached F/M/T
    session_row = table.records()[0]
    assert by_sex(session_row, "trainers", "reached") == [1, 2, 3, 4, 3, 7]
    assert session_row["cohorts_led"] == 2
    women = delivery.cascade_table(ReportFilter(sex="F")).records()[0]
    assert by_sex(women, "trainers", "reached") == [1, 0, 1, 4, 0, 4]
    assert women["cohorts_led"] == 2
    nothing = delivery.cascade_table(ReportFilter(date_from=date(2027, 1, 1)))
    assert nothing.rows == [] and by_sex(nothing.totals(), "trainers", "reached") == [0] * 6
    assert nothing.totals()["cohorts_led"] == 0


def test_trainees_without_cleared_vetting_are_listed_and_the_list_empties(known):
    f = ReportFilter(cohort_id=known.cohort_ids["a"])
    enrolments = db.session.query(Enrolment).filter_by(cohort_id=known.cohort_ids["a"]).all()
    by_name = {e.user.first_name: e.user for e in enrolments}
    db.session.add_all([Vetting(user_id=by_name["W1"].id, status="cleared"),
                        Vetting(user_id=by_name["W2"].id, status="pending"),
                        Vetting(user_id=by_name["M1"].id, status="refused")])
    db.session.commit()
    table = delivery.unvetted_table(f)
    assert {(row["name"], row["vetting"]) for row in table.records()} == {
        ("W2 TESTW2", "En attente"), ("M1 TESTM1", "Refusé"), ("W3 TESTW3", "Inconnu"),
        ("M2 TESTM2", "Inconnu"), ("M3 TESTM3", "Inconnu")}
    assert delivery.count_unvetted(f) == 5  # the quarterly summary's count, without the list
    for user in by_name.values():
        vetting = db.session.query(Vetting).filter_by(user_id=user.id).one_or_none()
        if vetting is None:
            db.session.add(Vetting(user_id=user.id, status="cleared"))
        else:
            vetting.status = "cleared"
    db.session.commit()
    assert delivery.unvetted_table(f).rows == []
    assert delivery.count_unvetted(f) == 0
