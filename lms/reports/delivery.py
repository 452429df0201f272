"""Reports on training delivery: attendance, the train-the-trainer cascade, Leahy vetting."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, or_, select, union

from lms.auth.models import Site, User
from lms.curricula.models import Programme
from lms.extensions import db
from lms.labels import VETTING_STATUSES, label
from lms.reports.filters import (
    ReportFilter,
    cohort_conditions,
    person_conditions,
    scope,
    scope_ids,
)
from lms.reports.gain import knowledge_gain
from lms.reports.outcomes import enrolment_table
from lms.reports.tables import (
    SEX_COLUMNS,
    Table,
    by_sex,
    person_columns,
    person_values,
    pivot,
    programme_title,
    rates,
    sex_columns,
)
from lms.training.attendance import ATTENDED, COUNTED
from lms.training.models import (
    TOT_PROGRAMME,
    AttendanceRecord,
    ClassMeeting,
    Cohort,
    CohortClass,
    CohortTrainer,
    Enrolment,
    Qualification,
    Vetting,
)


def attendance_table(f: ReportFilter) -> Table:
    """Attendance per cohort and sex: meetings attended out of meetings counted, and the rate.

    Present and late count as attended; absent counts against; excused is left out.
    """
    s = scope(f)
    # Counted per trainee first, through the (enrolment, status) index, then per cohort and
    # sex: a million registers lines are not joined to the officers one by one.
    per_trainee = (
        select(AttendanceRecord.enrolment_id,
               func.sum(case((AttendanceRecord.status.in_(ATTENDED), 1), else_=0))
               .label("attended"),
               func.sum(case((AttendanceRecord.status.in_(COUNTED), 1), else_=0))
               .label("counted"))
        .group_by(AttendanceRecord.enrolment_id))
    if cohort_conditions(f) or person_conditions(f):  # not every trainee: only theirs
        per_trainee = per_trainee.where(AttendanceRecord.enrolment_id.in_(scope_ids(f)))
    per_trainee = per_trainee.subquery("per_trainee")
    rows = db.session.execute(
        select(s.c.cohort_id, s.c.sex, func.sum(per_trainee.c.attended),
               func.sum(per_trainee.c.counted))
        .select_from(s).join(per_trainee, per_trainee.c.enrolment_id == s.c.enrolment_id)
        .group_by(s.c.cohort_id, s.c.sex)).all()
    figures: dict[int, dict] = {}
    for cohort_id, sex, n_attended, n_counted in rows:
        entry = figures.setdefault(cohort_id, {"attended": {}, "counted": {}})
        # int(): PostgreSQL adds up sums as numeric
        entry["attended"][sex], entry["counted"][sex] = int(n_attended or 0), int(n_counted or 0)
    meetings = dict(db.session.execute(
        select(CohortClass.cohort_id, func.count(ClassMeeting.id))
        .join(ClassMeeting, ClassMeeting.class_id == CohortClass.id)
        .where(ClassMeeting.register_taken_at.is_not(None))
        .group_by(CohortClass.cohort_id)).all())
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.name, Programme.code, Site.name).join(Programme).join(Site)
        .where(*cohort_conditions(f)).order_by(Cohort.start_date, Cohort.name)).all()
    table = Table.keyed(
        "attendance", _("Attendance"),
        [("cohort", _("Cohort")), ("programme", _("Programme")), ("site", _("Site")),
         ("registers", _("Registers taken"))]
        + sex_columns("attended", _("Attended")) + sex_columns("counted", _("Counted"))
        + sex_columns("rate", _("Attendance rate (%)")),
        note=_("Present and late count as attended, absent against; excused absences are left "
               "out of the rate."))
    total_attended, total_counted = [0, 0, 0], [0, 0, 0]
    for cohort_id, name, code, site in cohorts:
        entry = figures.get(cohort_id, {"attended": {}, "counted": {}})
        attended_, counted_ = pivot(entry["attended"]), pivot(entry["counted"])
        total_attended = [a + b for a, b in zip(total_attended, attended_, strict=True)]
        total_counted = [a + b for a, b in zip(total_counted, counted_, strict=True)]
        table.add_row({"cohort": name, "programme": programme_title(code), "site": site,
                       "registers": meetings.get(cohort_id, 0), **by_sex("attended", attended_),
                       **by_sex("counted", counted_), **by_sex("rate", rates(attended_,
                                                                              counted_))})
    table.set_footer({"cohort": _("Total"),
                      "registers": sum(meetings.get(c[0], 0) for c in cohorts),
                      **by_sex("attended", total_attended), **by_sex("counted", total_counted),
                      **by_sex("rate", rates(total_attended, total_counted))})
    return table


def cascade_table(f: ReportFilter) -> Table:
    """Train-the-trainer cascade: per session, trainers qualified and the trainees they reached.

    The filter's site, cohort and dates choose the ToT sessions; its programme chooses the
    cohorts reached; sex, unit and rank apply to the trainers and to the trainees reached. A
    trainer reached the trainees of every cohort they lead (assigned, or leading one of its
    classes) in a programme that session qualified them for; a trainee led by two graduates
    of the same session counts once.
    """
    sessions = db.session.execute(
        select(Cohort.id, Cohort.name, Site.name, Cohort.start_date)
        .join(Programme, Programme.id == Cohort.programme_id).join(Site)
        .where(Programme.code == TOT_PROGRAMME,
               *cohort_conditions(replace(f, programme_id=None)))
        .order_by(Cohort.start_date, Cohort.name)).all()
    ids = [row[0] for row in sessions]
    trainers: dict[int, dict] = {}
    for source, sex, count in db.session.execute(
            select(Qualification.source_cohort_id, User.sex,
                   func.count(distinct(Qualification.user_id)))
            .join(User, User.id == Qualification.user_id)
            .where(Qualification.source_cohort_id.in_(ids), *person_conditions(f))
            .group_by(Qualification.source_cohort_id, User.sex)):
        trainers.setdefault(source, {})[sex] = count
    led = union(select(CohortTrainer.user_id.label("user_id"),
                       CohortTrainer.cohort_id.label("cohort_id")),
                select(CohortClass.trainer_id, CohortClass.cohort_id)
                .where(CohortClass.trainer_id.is_not(None))).subquery("led")
    # The (session, cohort led) pairs first, without duplicates: an enrolment is in one cohort,
    # so counting each pair's trainees counts a trainee led by two graduates once, with no
    # DISTINCT over every trainee reached.
    led_pairs = (
        select(Qualification.source_cohort_id.label("source"), Cohort.id.label("cohort_id"))
        .join(led, led.c.user_id == Qualification.user_id)
        .join(Cohort, and_(Cohort.id == led.c.cohort_id,
                           Cohort.programme_id == Qualification.programme_id))
        .where(Qualification.source_cohort_id.in_(ids),
               *([Cohort.programme_id == f.programme_id] if f.programme_id else []))
        .distinct().subquery("led_pairs"))
    # One count per session, cohort and sex (the counts add up across cohorts).
    reached: dict[int, dict] = {}
    cohorts_of: dict[int, set] = {}
    for source, cohort_id, sex, count in db.session.execute(
            select(led_pairs.c.source, led_pairs.c.cohort_id, User.sex, func.count())
            .select_from(led_pairs)
            .join(Enrolment, Enrolment.cohort_id == led_pairs.c.cohort_id)
            .join(User, User.id == Enrolment.user_id)
            .where(*person_conditions(f))
            .group_by(led_pairs.c.source, led_pairs.c.cohort_id, User.sex)):
        per_sex = reached.setdefault(source, {})
        per_sex[sex] = per_sex.get(sex, 0) + count
        cohorts_of.setdefault(source, set()).add(cohort_id)
    led_cohorts = {source: len(ids) for source, ids in cohorts_of.items()}
    table = Table.keyed(
        "cascade", _("Trainers trained and the trainees they reached"),
        [("session", _("Train-the-trainer session")), ("site", _("Site")), ("start", _("Start"))]
        + sex_columns("trainers", _("Trainers qualified"))
        + [("cohorts_led", _("Cohorts they led"))]
        + sex_columns("reached", _("Trainees reached")),
        note=_("Trainees reached: enrolled in a cohort that a graduate of the session leads, "
               "in a programme the session qualified them for."))
    totals = {"trainers": [0, 0, 0], "cohorts_led": 0, "reached": [0, 0, 0]}
    for source, name, site, start in sessions:
        qualified, reached_ = pivot(trainers.get(source, {})), pivot(reached.get(source, {}))
        totals["trainers"] = [a + b for a, b in zip(totals["trainers"], qualified, strict=True)]
        totals["reached"] = [a + b for a, b in zip(totals["reached"], reached_, strict=True)]
        totals["cohorts_led"] += led_cohorts.get(source, 0)
        table.add_row({"session": name, "site": site, "start": start,
                       **by_sex("trainers", qualified), "cohorts_led": led_cohorts.get(source, 0),
                       **by_sex("reached", reached_)})
    table.set_footer({"session": _("Total"), **by_sex("trainers", totals["trainers"]),
                      "cohorts_led": totals["cohorts_led"],
                      **by_sex("reached", totals["reached"])})
    return table


def _not_cleared():
    return or_(Vetting.id.is_(None), Vetting.status != "cleared")


def count_unvetted(f: ReportFilter) -> int:
    """How many rows `unvetted_table(f)` lists, counted without building them."""
    s = scope(f)
    return db.session.scalar(
        select(func.count()).select_from(s).outerjoin(Vetting, Vetting.user_id == s.c.user_id)
        .where(_not_cleared())) or 0


def unvetted_table(f: ReportFilter) -> Table:
    """Trainees trained without "cleared" human-rights (Leahy) vetting: must be empty."""
    s = scope(f)
    status = func.coalesce(Vetting.status, "unknown")
    rows = db.session.execute(
        select(User.last_name, User.first_name, User.academy_number, User.service_number,
               User.sex, User.unit, User.rank, Cohort.name, Programme.code, status)
        .select_from(s).join(User, User.id == s.c.user_id)
        .join(Cohort, Cohort.id == s.c.cohort_id)
        .join(Programme, Programme.id == Cohort.programme_id)
        .outerjoin(Vetting, Vetting.user_id == s.c.user_id)
        .where(_not_cleared())
        .order_by(Cohort.name, User.last_name, User.first_name)).all()
    table = Table.keyed(
        "unvetted", _("Trained without cleared vetting"),
        person_columns() + [("cohort", _("Cohort")), ("programme", _("Programme")),
                            ("vetting", _("Vetting status"))],
        note=_("Leahy vetting: this list must be empty. Clear each person's vetting, or "
               "withdraw them, before training."))
    for last, first, academy, service, sex, unit, rank, cohort, code, state in rows:
        table.add_row({**person_values(first, last, academy, service, sex, unit, rank),
                       "cohort": cohort, "programme": programme_title(code),
                       "vetting": label(VETTING_STATUSES, state)})
    return table


def indicator_table(f: ReportFilter, enrolment: Table | None = None,
                    attendance: Table | None = None, cascade: Table | None = None,
                    gain: dict | None = None) -> Table:
    """The donors' key indicators, one row each, for women, men and in total.

    Tables already built for the same filter may be passed in so that nothing is counted twice.
    """
    enrolment = enrolment or enrolment_table(f, "programme")
    attendance = attendance or attendance_table(f)
    cascade = cascade or cascade_table(f)
    gain = gain or knowledge_gain(f)
    table = Table.keyed(
        "indicators", _("Key indicators"),
        [("measure", _("Indicator")), ("F", _("Women")), ("M", _("Men")), ("T", _("Total"))],
        note=_("Officers are counted once per cohort. Totals include officers whose sex is not "
               "recorded."))

    def add(label: str, values: list) -> None:
        table.add_row({"measure": label, **dict(zip(SEX_COLUMNS, values, strict=True))})

    def totals(source: Table, key: str) -> list:
        return [source.total(f"{key}_{sex}") or 0 for sex in SEX_COLUMNS]

    enrolled, completed = totals(enrolment, "enrolled"), totals(enrolment, "completed")
    add(_("Officers enrolled"), enrolled)
    add(_("Officers who completed"), completed)
    add(_("Officers certified"), totals(enrolment, "certified"))
    add(_("Completion rate (%)"), rates(completed, enrolled))
    add(_("Attendance rate (%)"), [attendance.total(f"rate_{sex}") for sex in SEX_COLUMNS])
    add(_("Trainees who sat both tests"), [gain[sex].both for sex in SEX_COLUMNS])
    add(_("Mean normalized gain g"), [gain[sex].mean_gain for sex in SEX_COLUMNS])
    add(_("Trainers qualified (train-the-trainer)"), totals(cascade, "trainers"))
    add(_("Trainees reached by those trainers"), totals(cascade, "reached"))
    return table
