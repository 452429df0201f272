"""Which records travel between servers, who owns them, and how they merge.

A record is matched by its global id (uuid), never by local keys. Foreign keys travel as the
referenced record's uuid (`<column>__uuid`). Modes:
- `mutable`: the newer change wins when only one side changed since the last exchange; when both
  sides changed, the newer one is kept and a SyncConflict lists both for staff to review;
- `append`: written once, never changed afterwards (history, audit): inserted if new.

Ownership, by site. A site owns its own record, the people whose site it is (`User.site_id`),
its cohorts and everything recorded in them (classes, enrolments, meetings, attendance,
schedules, lesson progress, attempts, answers, grades, certificates), and the qualifications
earned in its train-the-trainer cohorts (or, without one, those of its people). Programmes and
curriculum versions belong to the academy. A lab server speaks for its site only: records it
sends that another site owns (a trainer who lives in Kalemie, the Kasapa ToT cohort where a
qualification was earned, the curriculum) travel as references (`"__ref": true`): the receiver
adds them if it has never seen them and never changes its own copy from them, so a lab never
overwrites the owner's newer data. The central server holds every site's records and speaks for
the academy: what it sends is merged by the rules above (its staff may grade, correct or enrol
anywhere; the newer change wins and two-sided changes are listed).

A bundle is closed: with each record it carries the records it refers to (`Spec.refs` and the
foreign keys), unless the receiver is known to hold them (`track_known`: sent in a bundle the
receiver has acknowledged). Unique identifiers that clash with another record here are never an
error: the same fact recorded on two servers (`alias`: one site, programme or enrolment) is
merged into ours; two different people with one service or academy number (`aside`) are both
kept, the newcomer's number is held aside and the clash is listed for staff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, select

from lms.assessment.models import Grade, GradeHistory, QuizSchedule, Regrade, RegradeAttempt
from lms.auth.models import Site, User, UserRole
from lms.certificates.models import Certificate
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.learning.models import Attempt, LessonProgress, Response
from lms.training.models import (
    AttendanceChange,
    AttendanceRecord,
    ClassMeeting,
    Cohort,
    CohortClass,
    CohortTrainer,
    Enrolment,
    Qualification,
    TotProgramme,
    Vetting,
)


@dataclass
class Scope:
    """What one bundle covers: a site's data (lab bundles) or everything."""

    site_id: int | None

    def cohort_ids(self) -> Select:
        query = select(Cohort.id)
        return query.where(Cohort.site_id == self.site_id) if self.site_id else query

    def enrolment_ids(self) -> Select:
        return select(Enrolment.id).where(Enrolment.cohort_id.in_(self.cohort_ids()))

    def attempt_ids(self) -> Select:
        return select(Attempt.id).where(Attempt.enrolment_id.in_(self.enrolment_ids()))

    def user_ids(self) -> Select:
        enrolled = select(Enrolment.user_id).where(Enrolment.cohort_id.in_(self.cohort_ids()))
        trainers = select(CohortTrainer.user_id).where(
            CohortTrainer.cohort_id.in_(self.cohort_ids()))
        # Whoever graded a trainee here travels too: a grade always names its grader.
        graders = select(Grade.graded_by_id).where(Grade.enrolment_id.in_(self.enrolment_ids()))
        if self.site_id is None:
            return select(User.id)
        return select(User.id).where(User.id.in_(enrolled) | User.id.in_(trainers)
                                     | User.id.in_(graders) | (User.site_id == self.site_id))


def _certificate_in(certificate: Certificate, _data: dict, _index) -> None:
    """Refuse a second valid certificate for one enrolment (issued on two servers) with a
    message staff can act on, rather than the database's unique-index error."""
    from lms.sync.merge import MergeRefused

    if certificate.status != "valid":
        return
    # No autoflush: the new row must not be written before the check; the objects in the
    # session keep their unflushed status (an older certificate superseded in this bundle).
    with db.session.no_autoflush:
        held = [c for c in db.session.scalars(select(Certificate).where(
                    Certificate.enrolment_id == certificate.enrolment_id,
                    Certificate.status == "valid"))
                if c is not certificate and c.status == "valid"]
    if held:
        raise MergeRefused(_(
            "%(name)s already has a valid certificate %(serial)s here, and the bundle brings "
            "another one, %(other)s, for the same cohort. Revoke one of the two on its server, "
            "then carry the bundles again.", name=held[0].name,
            serial=held[0].display_serial, other=certificate.display_serial))


@dataclass
class Spec:
    """How one model travels."""

    model: type
    scope: Callable[[Scope], Select]  # rows to export
    mode: str = "mutable"
    local_only: frozenset[str] = frozenset()  # exported, but not compared (renumbered on clash)
    natural_key: tuple[str, ...] = ()  # another unique key: on clash, `on_clash` applies
    # alias (the same record: ours stands for it) | skip | renumber | conflict (keep ours, list
    # both; ours stands for it)
    on_clash: str = "alias"
    aside: tuple[str, ...] = ()  # unique columns: a clash with another record sets ours aside
    owned: Callable[[Scope], Select] | None = None  # ids a lab's site owns (default: scope)
    refs: Callable[[Select], list[tuple[str, Select]]] | None = None  # links beside foreign keys
    track_known: bool = False  # remember what the peer holds, to refer to it without carrying
    extra_out: Callable[[object], dict] | None = None
    extra_in: Callable[[object, dict, object], None] | None = None
    immutable: bool = False  # published content: never updated once present
    skip_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def table(self) -> str:
        return self.model.__tablename__


def _user_roles_out(user: User) -> dict:
    return {"roles": sorted(user.roles)}


def _user_roles_in(user: User, data: dict, _index) -> None:
    wanted = set(data.get("roles") or ["trainee"])
    for row in list(user.role_rows):
        if row.role not in wanted:
            user.role_rows.remove(row)
    have = {r.role for r in user.role_rows}
    user.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))


def _cohort_trainers_out(cohort: Cohort) -> dict:
    return {"trainers": sorted(row.user.uuid for row in cohort.trainer_rows),
            "tot_programmes": sorted(p.uuid for p in db.session.scalars(
                select(Programme).join(TotProgramme, TotProgramme.programme_id == Programme.id)
                .where(TotProgramme.cohort_id == cohort.id)))}


def _cohort_trainers_in(cohort: Cohort, data: dict, index) -> None:
    wanted = {index.id_of("lms_users", u) for u in data.get("trainers", [])} - {None}
    for row in list(cohort.trainer_rows):
        if row.user_id not in wanted:
            cohort.trainer_rows.remove(row)
    have = {row.user_id for row in cohort.trainer_rows}
    cohort.trainer_rows.extend(CohortTrainer(user_id=u) for u in sorted(wanted - have))
    if cohort.id is None:
        db.session.flush()
    programmes = {index.id_of("lms_programmes", u) for u in data.get("tot_programmes", [])}
    existing = set(db.session.scalars(select(TotProgramme.programme_id).where(
        TotProgramme.cohort_id == cohort.id)))
    for programme_id in sorted(programmes - existing - {None}):
        db.session.add(TotProgramme(cohort_id=cohort.id, programme_id=programme_id))


def _all(model):
    return lambda scope: select(model)


def _nothing(model):
    return lambda scope: select(model.id).where(model.id.is_(None))


def _cohort_refs(ids: Select) -> list[tuple[str, Select]]:
    return [("lms_users", select(CohortTrainer.user_id).where(CohortTrainer.cohort_id.in_(ids))),
            ("lms_programmes", select(TotProgramme.programme_id).where(
                TotProgramme.cohort_id.in_(ids)))]


def _owned_users(scope: Scope) -> Select:
    return select(User.id).where(User.site_id == scope.site_id)


def _owned_qualifications(scope: Scope) -> Select:
    at_site = select(Cohort.id).where(Cohort.site_id == scope.site_id)
    return select(Qualification.id).where(
        Qualification.source_cohort_id.in_(at_site)
        | (Qualification.source_cohort_id.is_(None) & Qualification.user_id.in_(
            _owned_users(scope))))


SPECS: list[Spec] = [
    Spec(Site, lambda s: select(Site).where(Site.id == s.site_id) if s.site_id
         else select(Site), natural_key=("code",), track_known=True),
    Spec(User, lambda s: select(User).where(User.id.in_(s.user_ids())),
         aside=("service_number", "academy_number"), owned=_owned_users,
         extra_out=_user_roles_out, extra_in=_user_roles_in,
         skip_columns=frozenset({"session_version"}), track_known=True),
    Spec(Programme, _all(Programme), natural_key=("code",), owned=_nothing(Programme),
         track_known=True),
    Spec(CurriculumVersion, _all(CurriculumVersion), immutable=True,
         natural_key=("programme_id", "version"), owned=_nothing(CurriculumVersion),
         track_known=True),
    Spec(Cohort, lambda s: select(Cohort).where(Cohort.id.in_(s.cohort_ids())),
         extra_out=_cohort_trainers_out, extra_in=_cohort_trainers_in, refs=_cohort_refs,
         track_known=True),
    Spec(CohortClass, lambda s: select(CohortClass).where(
        CohortClass.cohort_id.in_(s.cohort_ids())), natural_key=("cohort_id", "name"),
        on_clash="conflict", track_known=True),
    Spec(Enrolment, lambda s: select(Enrolment).where(Enrolment.id.in_(s.enrolment_ids())),
         natural_key=("user_id", "cohort_id"), on_clash="alias", track_known=True),
    Spec(ClassMeeting, lambda s: select(ClassMeeting).where(ClassMeeting.class_id.in_(
        select(CohortClass.id).where(CohortClass.cohort_id.in_(s.cohort_ids())))),
        track_known=True),
    Spec(AttendanceRecord, lambda s: select(AttendanceRecord).where(
        AttendanceRecord.enrolment_id.in_(s.enrolment_ids())),
        natural_key=("meeting_id", "enrolment_id"), on_clash="conflict"),
    Spec(AttendanceChange, lambda s: select(AttendanceChange).where(
        AttendanceChange.record_id.in_(select(AttendanceRecord.id).where(
            AttendanceRecord.enrolment_id.in_(s.enrolment_ids())))), mode="append"),
    Spec(Qualification, lambda s: select(Qualification).where(
        Qualification.user_id.in_(s.user_ids())), natural_key=("user_id", "programme_id"),
        on_clash="conflict", owned=_owned_qualifications),
    Spec(Vetting, lambda s: select(Vetting).where(Vetting.user_id.in_(s.user_ids())),
         natural_key=("user_id",), on_clash="conflict",
         owned=lambda s: select(Vetting.id).where(Vetting.user_id.in_(_owned_users(s)))),
    Spec(QuizSchedule, lambda s: select(QuizSchedule).where(
        QuizSchedule.cohort_id.in_(s.cohort_ids())), natural_key=("cohort_id", "item_key"),
        on_clash="conflict"),
    Spec(LessonProgress, lambda s: select(LessonProgress).where(
        LessonProgress.enrolment_id.in_(s.enrolment_ids())),
        natural_key=("enrolment_id", "item_key"), on_clash="skip"),
    Spec(Attempt, lambda s: select(Attempt).where(Attempt.id.in_(s.attempt_ids())),
         local_only=frozenset({"number"}), natural_key=("enrolment_id", "item_key", "number"),
         on_clash="renumber"),
    Spec(Response, lambda s: select(Response).where(Response.attempt_id.in_(s.attempt_ids())),
         natural_key=("attempt_id", "question_id"), on_clash="conflict"),
    Spec(Grade, lambda s: select(Grade).where(Grade.enrolment_id.in_(s.enrolment_ids())),
         natural_key=("subject",), on_clash="conflict", skip_columns=frozenset({"version"})),
    Spec(GradeHistory, lambda s: select(GradeHistory).where(GradeHistory.grade_id.in_(
        select(Grade.id).where(Grade.enrolment_id.in_(s.enrolment_ids())))), mode="append"),
    # Oldest first, so that a reissued certificate follows the one it supersedes (which is
    # marked superseded before the new valid one is written).
    Spec(Certificate, lambda s: select(Certificate).where(
        Certificate.enrolment_id.in_(s.enrolment_ids())).order_by(Certificate.id),
        natural_key=("serial",), on_clash="conflict", extra_in=_certificate_in),
    # A regrade travels with the attempts it changed; recorded once, never changed afterwards.
    Spec(Regrade, lambda s: select(Regrade).where(Regrade.id.in_(
        select(RegradeAttempt.regrade_id).where(RegradeAttempt.attempt_id.in_(
            s.attempt_ids())))).order_by(Regrade.id), mode="append"),
    Spec(RegradeAttempt, lambda s: select(RegradeAttempt).where(
        RegradeAttempt.attempt_id.in_(s.attempt_ids())), mode="append",
        natural_key=("attempt_id", "to_version_id"), on_clash="skip"),
]


def register(spec: Spec, after: str | None = None) -> None:
    """Add a model to sync (features call this); `after` names the table it must follow."""
    if any(s.model is spec.model for s in SPECS):
        return
    if after is None:
        SPECS.append(spec)
    else:
        index = next(i for i, s in enumerate(SPECS) if s.table == after)
        SPECS.insert(index + 1, spec)
