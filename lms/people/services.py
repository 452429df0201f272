"""Finding people, changing roles and access, reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.audit import AuditRecord
from lms.auth.models import ROLES, User, UserRole
from lms.base import LMSError
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.training.models import Cohort, Enrolment, Qualification

PAGE_SIZE = 50


class PeopleError(LMSError):
    """A change to a person was refused; the message says why."""


def search_people(text: str = "", role: str | None = None, page: int = 1) -> list[User]:
    """Users whose number or name contains `text`, optionally with a role, by name."""
    query = select(User).order_by(User.last_name, User.first_name)
    text = text.strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(User.service_number.ilike(like), User.academy_number.ilike(like),
                                User.last_name.ilike(like), User.first_name.ilike(like)))
    if role in ROLES:
        query = query.where(User.role_rows.any(UserRole.role == role))
    return list(db.session.scalars(query.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)))


def set_roles(actor: User, user: User, roles: list[str]) -> None:
    """Replace a user's roles (admins only); recorded in the audit log."""
    if not actor.has_role("admin"):
        raise PeopleError(_("Only an administrator can change roles."))
    roles = [r for r in ROLES if r in roles]
    if not roles:
        raise PeopleError(_("Keep at least one role."))
    if user.id == actor.id and "admin" not in roles:
        raise PeopleError(_("You cannot remove your own administrator role."))
    before = sorted(user.roles)
    for row in list(user.role_rows):
        if row.role not in roles:
            user.role_rows.remove(row)
    user.role_rows.extend(UserRole(role=r) for r in roles if r not in before)
    user.session_version += 1  # new rights take effect at the next sign-in
    audit.record(actor, "user.roles", user, before={"roles": before}, after={"roles": roles})
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    """Disable or re-enable an account (admins only); a disabled user is signed out."""
    if not actor.has_role("admin"):
        raise PeopleError(_("Only an administrator can disable an account."))
    if user.id == actor.id:
        raise PeopleError(_("You cannot disable your own account."))
    before = user.active
    user.active = active
    user.session_version += 1
    audit.record(actor, "user.active", user, before={"active": before}, after={"active": active})
    db.session.commit()


def list_audit(action: str = "", actor_text: str = "", page: int = 1) -> list[AuditRecord]:
    """Audit records, newest first, filtered by action prefix and actor."""
    query = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    if action:
        query = query.where(AuditRecord.action.startswith(action))
    if actor_text:
        like = f"%{actor_text.strip()}%"
        actors = select(User.id).where(or_(User.service_number.ilike(like),
                                           User.academy_number.ilike(like),
                                           User.last_name.ilike(like)))
        query = query.where(AuditRecord.actor_id.in_(actors))
    return list(db.session.scalars(query.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)))


def actors_by_id(records: list[AuditRecord]) -> dict[int, User]:
    """The users named in a page of audit records, in one query."""
    ids = {r.actor_id for r in records if r.actor_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass
class PersonRecord:
    """Everything a person did in the programme, at every site: enrolments, certificates,
    qualifications."""

    enrolments: list[Enrolment]
    certificates: list[Certificate]
    qualifications: list[Qualification]


def person_record(user: User) -> PersonRecord:
    """A person's enrolments (newest first), certificates and qualifications, across sites."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id)
        .options(selectinload(Enrolment.cohort).selectinload(Cohort.programme),
                 selectinload(Enrolment.cohort).selectinload(Cohort.site),
                 selectinload(Enrolment.cohort_class))
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()))
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    qualifications = db.session.scalars(
        select(Qualification).where(Qualification.user_id == user.id)
        .options(selectinload(Qualification.programme),
                 selectinload(Qualification.source_cohort).selectinload(Cohort.site))
        .order_by(Qualification.granted_on.desc()))
    return PersonRecord(list(enrolments), list(certificates), list(qualifications))
