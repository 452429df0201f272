"""Validity and renewal of certificates, the chain of trainers, and what expires soon."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.training.models import ClassMeeting, CohortTrainer, Enrolment, Qualification

RULE_KEYS = ("modules_passed", "post_test_passed", "attendance_min", "practicals_passed")


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_months(structure: dict) -> int | None:
    """The manifest's `certificate: validity_months:`, or None when certificates never expire."""
    months = (structure.get("certificate") or {}).get("validity_months")
    return months if isinstance(months, int) and not isinstance(months, bool) and months > 0 \
        else None


def valid_until(structure: dict, issued: date) -> date | None:
    """The last day a certificate issued on `issued` is valid, or None."""
    months = validity_months(structure)
    return add_months(issued, months) - timedelta(days=1) if months else None


def verdict(cert: Certificate, today: date) -> str:
    """What a certificate is worth today: valid, expired, revoked or superseded."""
    if cert.status != "valid":
        return cert.status
    return "expired" if cert.expired_on(today) else "valid"


def renewed_certificate(enrolment: Enrolment) -> Certificate | None:
    """The trainee's latest earlier certificate this enrolment renews (same programme, or the
    programme named by the manifest's `certificate: renews:`), if any and not revoked."""
    structure = enrolment.curriculum_version.structure
    codes = {enrolment.curriculum_version.programme.code}
    renews = (structure.get("certificate") or {}).get("renews")
    codes.update([renews] if isinstance(renews, str) else renews or [])
    return db.session.scalar(
        select(Certificate).where(Certificate.user_id == enrolment.user_id,
                                  Certificate.enrolment_id != enrolment.id,
                                  Certificate.programme_code.in_(codes),
                                  Certificate.status == "valid")
        .order_by(Certificate.issued_at.desc()).limit(1))


def _qualification_entry(user: User, programme_id: int) -> dict:
    """The qualification a trainer holds for a programme, as printed on a certificate."""
    qualification = db.session.scalar(
        select(Qualification).where(Qualification.user_id == user.id,
                                    Qualification.programme_id == programme_id)
        .options(joinedload(Qualification.source_cohort)))
    if qualification is None:
        return {}
    source = qualification.source_cohort
    tot_certificate = None
    if source is not None:
        tot_certificate = db.session.scalar(
            select(Certificate).where(Certificate.user_id == user.id,
                                      Certificate.cohort_id == source.id,
                                      Certificate.status == "valid"))
    return {"programme": qualification.programme.code,
            "granted_on": qualification.granted_on.isoformat(),
            "expires_on": qualification.expires_on.isoformat() if qualification.expires_on
            else "",
            "source": source.name if source is not None else "",
            "certificate": tot_certificate.display_serial if tot_certificate else ""}


def trainer_chain(enrolment: Enrolment) -> list[dict]:
    """The trainers who led the trainee's classes (class lead, meetings' trainers, else the
    cohort's trainers), each with the qualification they held for the programme."""
    ids: list[int] = []
    cohort_class = enrolment.cohort_class
    if cohort_class is not None:
        if cohort_class.trainer_id:
            ids.append(cohort_class.trainer_id)
        ids += [t for t in db.session.scalars(select(ClassMeeting.trainer_id).where(
            ClassMeeting.class_id == cohort_class.id, ClassMeeting.trainer_id.is_not(None)))]
    if not ids:
        ids = list(db.session.scalars(select(CohortTrainer.user_id).where(
            CohortTrainer.cohort_id == enrolment.cohort_id)))
    chain = []
    for user_id in dict.fromkeys(ids):
        if user_id == enrolment.user_id:
            continue
        user = db.session.get(User, user_id)
        chain.append({"name": user.display_name,
                      "qualification": _qualification_entry(user, enrolment.cohort.programme_id)})
    return chain


@dataclass
class Expiring:
    """A certificate that expires soon, with its holder's site and unit."""

    certificate: Certificate
    site: str
    unit: str


def list_expiring(today: date, days: int = 90, site_id: int | None = None,
                  unit: str = "") -> list[Expiring]:
    """Valid certificates whose validity ends in the next `days` days and that no later
    certificate renews, by date; filtered by the holder's site and unit."""
    renewed = select(Certificate.renews_serial).where(Certificate.renews_serial != "",
                                                      Certificate.status == "valid")
    query = (select(Certificate).join(Certificate.user)
             .where(Certificate.status == "valid", Certificate.valid_until.is_not(None),
                    Certificate.valid_until >= today,
                    Certificate.valid_until <= today + timedelta(days=days),
                    Certificate.serial.not_in(renewed))
             .options(joinedload(Certificate.user).joinedload(User.site))
             .order_by(Certificate.valid_until, Certificate.name))
    if site_id:
        query = query.where(User.site_id == site_id)
    if unit:
        query = query.where(User.unit == unit)
    return [Expiring(c, c.user.site.name if c.user.site else c.site_name, c.user.unit)
            for c in db.session.scalars(query).unique()]
