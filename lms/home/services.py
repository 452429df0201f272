"""What each role's home page lists: counts of work waiting, computed without a request."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.assessment.models import QuizSchedule
from lms.assessment.services import grading_queue
from lms.audit import AuditRecord
from lms.auth.models import User
from lms.auth.throttle import LoginFailure
from lms.base import utcnow
from lms.certificates import validity
from lms.extensions import db
from lms.learning.services import as_utc
from lms.sync.models import SyncConflict, SyncPeer
from lms.training.models import ClassMeeting, Cohort, CohortClass, CohortTrainer, PendingImport
from lms.training.progress import TraineeProgress, cohort_overview

# Audit actions an administrator should hear about: rights, accounts, certificates, grades.
SENSITIVE_ACTIONS = ("user.roles", "user.active", "auth.reset_code", "certificate.revoke",
                     "certificate.reissue", "grade.change", "qualification.override",
                     "curriculum.publish", "quiz.regrade", "sync.import")
RECENT_DAYS = 7
CERTIFY_WINDOW_DAYS = 60  # cohorts ended this recently (or ending soon) are checked for issue


@dataclass
class QuizWindow:
    """A quiz opening or closing in the coming week for one cohort."""

    cohort: Cohort
    item_key: str
    title: str
    opens_at: datetime | None
    closes_at: datetime | None
    opening: bool  # True: opens this week; False: closes this week


@dataclass
class TrainerHome:
    """A trainer's day: meetings, answers to grade, trainees at risk, quiz windows."""

    meetings: list[ClassMeeting]
    to_grade: int
    at_risk: list[TraineeProgress]
    windows: list[QuizWindow]


@dataclass
class RunningCohort:
    """A cohort under way, its trainees' mean progress against the calendar."""

    cohort: Cohort
    trainees: int
    percent: int
    expected: int
    at_risk: int


@dataclass
class StaffHome:
    """Academy staff's desk: cohorts, certificates, imports, labs and conflicts."""

    running: list[RunningCohort]
    ready_to_issue: list[tuple[Cohort, int]]
    imports: list[PendingImport]
    labs: list[tuple[SyncPeer, int | None]]  # peer, days since its last bundle arrived
    conflicts: int
    expiring: list = field(default_factory=list)  # certificates expiring in the next 90 days


@dataclass
class AdminHome:
    """An administrator's watch: locked accounts and recent sensitive changes."""

    locked: list[User]
    disabled: int
    recent: list[AuditRecord]


def academy_today() -> date:
    """Today's date on the academy's calendar (LMS_TIMEZONE)."""
    return datetime.now(zoneinfo.ZoneInfo(current_app.config["LMS_TIMEZONE"])).date()


def taught_cohorts(user: User) -> list[Cohort]:
    """Cohorts the user leads or teaches a class of (whatever other roles they hold)."""
    ids = (select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id)
           .union(select(CohortClass.cohort_id).where(CohortClass.trainer_id == user.id)))
    return list(db.session.scalars(select(Cohort).where(Cohort.id.in_(ids))
                                   .options(selectinload(Cohort.programme))
                                   .order_by(Cohort.start_date.desc())))


def meetings_on(user: User, day: date) -> list[ClassMeeting]:
    """The class meetings the user leads on `day` (theirs, or their class's without another)."""
    query = (select(ClassMeeting).join(CohortClass, ClassMeeting.class_id == CohortClass.id)
             .where(ClassMeeting.day == day,
                    (ClassMeeting.trainer_id == user.id)
                    | ((ClassMeeting.trainer_id.is_(None)) & (CohortClass.trainer_id == user.id)))
             .options(selectinload(ClassMeeting.cohort_class).selectinload(CohortClass.cohort))
             .order_by(ClassMeeting.start_time))
    return list(db.session.scalars(query))


def _my_trainees_at_risk(user: User, cohort: Cohort, lang: str, today: date
                         ) -> list[TraineeProgress]:
    """Trainees at risk in the user's classes of `cohort` (all of it when it has no classes
    led by them)."""
    mine = {c.id for c in cohort.classes if c.trainer_id == user.id}
    return [t for t in cohort_overview(cohort, lang, today).at_risk
            if not mine or t.enrolment.class_id in mine]


def quiz_windows(cohorts: list[Cohort], lang: str, now: datetime, days: int = 7
                 ) -> list[QuizWindow]:
    """Quizzes of these cohorts opening or closing within `days` from `now`."""
    if not cohorts:
        return []
    end = now + timedelta(days=days)
    by_id = {c.id: c for c in cohorts}
    found = []
    for schedule in db.session.scalars(select(QuizSchedule).where(
            QuizSchedule.cohort_id.in_(by_id)).order_by(QuizSchedule.opens_at)):
        opens, closes = as_utc(schedule.opens_at), as_utc(schedule.closes_at)
        opening = opens is not None and now <= opens <= end
        closing = closes is not None and now <= closes <= end
        if not (opening or closing):
            continue
        cohort = by_id[schedule.cohort_id]
        variants = cohort.curriculum_version.structure["assessments"].get(schedule.item_key, {})
        quiz = variants.get(lang) or next(iter(variants.values()), {})
        found.append(QuizWindow(cohort, schedule.item_key, quiz.get("title", schedule.item_key),
                                opens, closes, opening))
    return found


def trainer_home(user: User, lang: str, today: date, now: datetime | None = None
                 ) -> TrainerHome:
    """What a trainer has to do today."""
    now = now or utcnow()
    cohorts = taught_cohorts(user)
    running = [c for c in cohorts if c.start_date <= today <= c.end_date]
    to_grade = sum(len(grading_queue(user, c.id)) for c in cohorts)
    at_risk = [t for c in running for t in _my_trainees_at_risk(user, c, lang, today)]
    return TrainerHome(meetings_on(user, today), to_grade, at_risk,
                       quiz_windows(running, lang, now))


def running_cohorts(lang: str, today: date) -> list[RunningCohort]:
    """Cohorts under way today with their trainees' mean progress."""
    cohorts = db.session.scalars(select(Cohort).where(
        Cohort.start_date <= today, Cohort.end_date >= today).order_by(Cohort.start_date))
    result = []
    for cohort in cohorts:
        overview = cohort_overview(cohort, lang, today)
        count = len(overview.trainees)
        mean = round(sum(t.percent for t in overview.trainees) / count) if count else 0
        result.append(RunningCohort(cohort, count, mean, overview.expected_percent,
                                    len(overview.at_risk)))
    return result


def ready_to_issue(lang: str, today: date) -> list[tuple[Cohort, int]]:
    """Recently ended (or ending) cohorts with trainees eligible for a certificate not issued."""
    from lms.certificates.services import eligibility, valid_certificate  # it imports views

    window = timedelta(days=CERTIFY_WINDOW_DAYS)
    cohorts = db.session.scalars(select(Cohort).where(
        Cohort.end_date >= today - window, Cohort.end_date <= today + timedelta(days=14))
        .order_by(Cohort.end_date))
    found = []
    for cohort in cohorts:
        count = sum(1 for e in cohort.enrolments
                    if valid_certificate(e) is None and eligibility(e, lang).eligible)
        if count:
            found.append((cohort, count))
    return found


def imports_waiting(now: datetime | None = None) -> list[PendingImport]:
    """Roster imports previewed but not yet confirmed or cancelled (they expire after a day)."""
    # Imported here: the roster module imports the auth blueprint, whose views reach this module.
    from lms.training.roster import PENDING_LIFETIME

    since = (now or utcnow()) - PENDING_LIFETIME
    return list(db.session.scalars(select(PendingImport).where(PendingImport.created_at > since)
                                   .order_by(PendingImport.created_at)))


def labs_last_sync(now: datetime | None = None) -> list[tuple[SyncPeer, int | None]]:
    """Each lab server and how many calendar days ago its last bundle was imported (None:
    never)."""
    zone = zoneinfo.ZoneInfo(current_app.config["LMS_TIMEZONE"])
    today = (now or utcnow()).astimezone(zone).date()
    peers = db.session.scalars(select(SyncPeer).where(SyncPeer.role == "lab")
                               .order_by(SyncPeer.name))
    return [(p, (today - as_utc(p.last_import_at).astimezone(zone).date()).days
             if p.last_import_at else None) for p in peers]


def certificates_expiring_soon(today: date, days: int = 90) -> list:
    """Certificates whose validity ends within `days` and that nothing renews, soonest first."""
    return validity.list_expiring(today, days)


def staff_home(lang: str, today: date, now: datetime | None = None) -> StaffHome:
    """What academy staff have to do today."""
    return StaffHome(
        running=running_cohorts(lang, today), ready_to_issue=ready_to_issue(lang, today),
        imports=imports_waiting(now), labs=labs_last_sync(now),
        conflicts=db.session.scalar(select(func.count()).select_from(SyncConflict).where(
            SyncConflict.resolved_at.is_(None))) or 0,
        expiring=certificates_expiring_soon(today))


def locked_accounts(now: datetime | None = None) -> list[User]:
    """Accounts refused sign-in right now after too many failures."""
    now = now or utcnow()
    config = current_app.config
    since = now - timedelta(minutes=config["LMS_LOGIN_WINDOW_MINUTES"])
    logins = db.session.scalars(
        select(LoginFailure.login).where(LoginFailure.at > since).group_by(LoginFailure.login)
        .having(func.count() >= config["LMS_LOGIN_MAX_FAILURES_ACCOUNT"]))
    users = [User.by_login(login) for login in logins]
    return [u for u in users if u is not None]


def admin_home(now: datetime | None = None) -> AdminHome:
    """What an administrator should look at."""
    now = now or utcnow()
    recent = list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.action.in_(SENSITIVE_ACTIONS),
                                  AuditRecord.at > now - timedelta(days=RECENT_DAYS))
        .order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(8)))
    disabled = db.session.scalar(select(func.count()).select_from(User).where(
        User.active.is_(False))) or 0
    return AdminHome(locked_accounts(now), disabled, recent)


def home_for(user: User, lang: str, today: date, now: datetime | None = None) -> dict:
    """Each part of the home page the user's roles call for (a person may hold several)."""
    roles = user.roles
    parts: dict = {}
    if "trainer" in roles:
        parts["trainer"] = trainer_home(user, lang, today, now)
    if roles & {"staff", "admin"}:
        parts["staff"] = staff_home(lang, today, now)
    if "admin" in roles:
        parts["admin"] = admin_home(now)
    return parts
