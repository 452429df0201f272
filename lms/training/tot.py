"""Train-the-trainer: completing a session grants qualifications; the cascade that follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.auth.models import User, UserRole
from lms.base import utcnow
from lms.curricula.models import Programme
from lms.extensions import db
from lms.learning.models import Attempt
from lms.learning.services import attempt_passed, counted_attempt
from lms.training.models import (
    TOT_PROGRAMME,
    Cohort,
    CohortClass,
    CohortTrainer,
    Enrolment,
    Qualification,
)
from lms.training.services import TrainingError


def check_tot_rules(enrolment: Enrolment, actor=None) -> None:
    """Raise TrainingError unless the ToT programme's certificate rules are all met (one rule
    for the qualification and for the certificate), and the actor is not the trainee."""
    from lms.certificates.services import eligibility

    if actor is not None and getattr(actor, "id", None) == enrolment.user_id:
        raise TrainingError(_("You cannot complete or qualify your own enrolment: another "
                              "member of staff must do it."))
    result = eligibility(enrolment)
    if not result.eligible:
        reasons = "; ".join(r.rstrip(".") for rule in result.unmet
                            for r in (rule.reasons or [rule.label]))
        raise TrainingError(_("%(name)s cannot be qualified as a trainer: the train-the-trainer "
                              "certificate rules are not met (%(reasons)s).",
                              name=enrolment.user.display_name, reasons=reasons))


def grant_qualifications(enrolment: Enrolment, actor=None, on: date | None = None
                         ) -> list[Qualification]:
    """Qualify a ToT graduate for every programme their session covers; a later session
    renews a qualification (new validity from the ToT programme's `validity_months`)."""
    from lms.certificates.validity import valid_until

    cohort = enrolment.cohort
    if not cohort.is_tot:
        raise TrainingError(_("Only a train-the-trainer cohort qualifies trainers."))
    check_tot_rules(enrolment, actor)
    user = enrolment.user
    if "trainer" not in user.roles:
        user.role_rows.append(UserRole(role="trainer"))
    granted = []
    day = on or utcnow().date()
    expires = valid_until(enrolment.curriculum_version.structure, day)
    for programme in cohort.qualifies_for:
        existing = db.session.scalar(select(Qualification).where(
            Qualification.user_id == user.id, Qualification.programme_id == programme.id))
        if existing is not None:
            if existing.expires_on is not None and existing.source_cohort_id != cohort.id and (
                    expires is None or expires > existing.expires_on):
                before = {"expires_on": existing.expires_on.isoformat()}
                existing.granted_on, existing.expires_on = day, expires
                existing.source_cohort = cohort
                audit.record(actor, "qualification.renew", user, before=before, after={
                    "programme": programme.code, "cohort": cohort.name,
                    "expires_on": expires.isoformat() if expires else None})
                granted.append(existing)
            continue
        qualification = Qualification(user=user, programme=programme,
                                      granted_on=day, source_cohort=cohort, expires_on=expires,
                                      granted_by_id=getattr(actor, "id", None))
        db.session.add(qualification)
        granted.append(qualification)
        audit.record(actor, "qualification.grant", user, after={
            "programme": programme.code, "cohort": cohort.name})
    db.session.flush()
    return granted


def record_qualification(user: User, programme: Programme, on: date, actor=None,
                         source_cohort: Cohort | None = None) -> Qualification:
    """Record a qualification earned outside this system (e.g. a ToT held before it); audited."""
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise TrainingError(_("You cannot record your own qualification: another member of "
                              "staff must do it."))
    existing = db.session.scalar(select(Qualification).where(
        Qualification.user_id == user.id, Qualification.programme_id == programme.id))
    if existing is not None:
        return existing
    if "trainer" not in user.roles:
        user.role_rows.append(UserRole(role="trainer"))
    qualification = Qualification(user=user, programme=programme, granted_on=on,
                                  source_cohort=source_cohort,
                                  granted_by_id=getattr(actor, "id", None))
    db.session.add(qualification)
    db.session.flush()
    audit.record(actor, "qualification.record", user, after={"programme": programme.code,
                                                             "on": on.isoformat()})
    return qualification


def complete_enrolment(enrolment: Enrolment, actor=None, on: date | None = None
                       ) -> list[Qualification]:
    """Mark a trainee as having completed their cohort; a ToT graduate becomes qualified
    (only when the ToT programme's certificate rules are met: TrainingError otherwise)."""
    if enrolment.cohort.is_tot:
        check_tot_rules(enrolment, actor)
    if enrolment.status != "completed":
        enrolment.status = "completed"
        enrolment.completed_at = utcnow()
        audit.record(actor, "enrolment.complete", enrolment,
                     after={"user": enrolment.user.login_id})
    db.session.flush()
    if enrolment.cohort.is_tot:
        return grant_qualifications(enrolment, actor=actor, on=on)
    return []


def passed_post_test(enrolment: Enrolment) -> bool:
    """True if the counted attempt at the post-test is passed."""
    structure = enrolment.curriculum_version.structure
    if not structure.get("post_test"):
        return False
    key = f"evaluations/{structure['post_test']}"
    submitted = list(db.session.scalars(select(Attempt).where(
        Attempt.enrolment_id == enrolment.id, Attempt.item_key == key,
        Attempt.status == "submitted")))
    if not submitted:
        return False
    variants = structure["assessments"][key]
    settings = next(iter(variants.values()))["settings"]
    return bool(attempt_passed(counted_attempt(submitted, settings["grading"]),
                               settings["pass_mark"]))


def complete_by_post_test(cohort: Cohort, actor=None) -> list[Enrolment]:
    """Complete every enrolment of the cohort whose post-test is passed; return them."""
    done = []
    for enrolment in cohort.enrolments:
        if enrolment.status != "completed" and passed_post_test(enrolment):
            try:
                complete_enrolment(enrolment, actor=actor)
            except TrainingError:  # other rules unmet: the cohort page lists them
                continue
            done.append(enrolment)
    return done


def list_qualifications() -> list[Qualification]:
    """Every qualification, by trainer name then programme."""
    return list(db.session.scalars(
        select(Qualification).join(Qualification.user)
        .options(selectinload(Qualification.programme), selectinload(Qualification.source_cohort))
        .order_by(User.last_name, User.first_name, Qualification.granted_on)))


@dataclass
class CascadeCohort:
    """A cohort a ToT graduate led, with its trainee count."""

    cohort: Cohort
    trainees: int


@dataclass
class CascadeTrainer:
    """A ToT graduate and the cohorts they went on to lead."""

    user: User
    cohorts: list[CascadeCohort] = field(default_factory=list)
    lapsed_on: date | None = None  # the session's qualification has lapsed (last valid day)

    @property
    def trainees(self) -> int:
        return sum(c.trainees for c in self.cohorts)


@dataclass
class CascadeSession:
    """A ToT session, its graduates and what they did next."""

    cohort: Cohort
    trainers: list[CascadeTrainer] = field(default_factory=list)

    @property
    def cohort_count(self) -> int:
        return len({c.cohort.id for t in self.trainers for c in t.cohorts})

    @property
    def trainees(self) -> int:
        # A cohort led by two graduates of the same session counts its trainees once.
        seen = {c.cohort.id: c.trainees for t in self.trainers for c in t.cohorts}
        return sum(seen.values())


def cascade() -> list[CascadeSession]:
    """ToT session -> trainers it qualified -> cohorts they led -> trainees trained.

    A trainer belongs to a session if they hold a qualification it granted; they led a cohort if
    they are assigned to it or lead one of its classes, for a programme that session qualified
    them for.
    """
    sessions = list(db.session.scalars(
        select(Cohort).join(Cohort.programme).where(Programme.code == TOT_PROGRAMME)
        .order_by(Cohort.start_date)))
    quals = db.session.execute(select(
        Qualification.source_cohort_id, Qualification.user_id, Qualification.programme_id,
        Qualification.expires_on)
        .where(Qualification.source_cohort_id.is_not(None))).all()
    today = utcnow().date()
    led = db.session.execute(
        select(CohortTrainer.user_id, CohortTrainer.cohort_id)
        .union(select(CohortClass.trainer_id, CohortClass.cohort_id)
               .where(CohortClass.trainer_id.is_not(None)))).all()
    trainee_counts = dict(db.session.execute(
        select(Enrolment.cohort_id, func.count()).group_by(Enrolment.cohort_id)).all())
    led_by_user: dict[int, set[int]] = {}
    for user_id, cohort_id in led:
        led_by_user.setdefault(user_id, set()).add(cohort_id)
    cohort_ids = {cid for ids in led_by_user.values() for cid in ids}
    cohorts = {c.id: c for c in db.session.scalars(
        select(Cohort).where(Cohort.id.in_(cohort_ids)))} if cohort_ids else {}
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({q.user_id for q in quals})))} if quals else {}
    result = []
    for session in sessions:
        by_user: dict[int, set[int]] = {}
        lapsed: dict[int, date] = {}
        for source, user_id, programme_id, expires_on in quals:
            if source == session.id:
                by_user.setdefault(user_id, set()).add(programme_id)
                if expires_on is not None and today > expires_on:
                    lapsed[user_id] = expires_on
        entry = CascadeSession(cohort=session)
        for user_id in sorted(by_user, key=lambda u: (users[u].last_name, users[u].first_name)):
            trainer = CascadeTrainer(user=users[user_id], lapsed_on=lapsed.get(user_id))
            for cohort_id in sorted(led_by_user.get(user_id, ())):
                cohort = cohorts[cohort_id]
                if cohort.programme_id in by_user[user_id]:
                    trainer.cohorts.append(CascadeCohort(cohort, trainee_counts.get(cohort_id, 0)))
            entry.trainers.append(trainer)
        result.append(entry)
    return result
