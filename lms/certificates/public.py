"""What the academy publishes for third parties: status lists, and the look-up rate limit."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from lms.base import LMSError, utcnow
from lms.certificates import signing, status
from lms.certificates.models import Certificate, CertificateLookup
from lms.extensions import db

# Statuses set in the revocation list: a replaced certificate no longer proves anything either.
NOT_VALID = ("revoked", "superseded")


class LookupThrottled(LMSError):
    """Too many certificate look-ups from one address; the message says how long to wait."""


def status_list_keys() -> list[str]:
    """The signing keys that have a status list: every key that signed a certificate."""
    return list(db.session.scalars(select(Certificate.key_id).where(
        Certificate.status_index.is_not(None)).distinct().order_by(Certificate.key_id)))


def not_valid_indices(kid: str) -> list[int]:
    """The status-list entries of key `kid` whose certificates are revoked or replaced."""
    return list(db.session.scalars(select(Certificate.status_index).where(
        Certificate.key_id == kid, Certificate.status.in_(NOT_VALID),
        Certificate.status_index.is_not(None))))


def status_list_document(kid: str, url: str, private_key, now: datetime | None = None) -> dict:
    """The signed status list of key `kid`, as of `now`, to be published at `url`."""
    moment = (now or utcnow()).isoformat(timespec="seconds").replace("+00:00", "Z")
    return status.list_credential(url, not_valid_indices(kid), private_key, moment)


def _lookup_limit() -> tuple[int, timedelta]:
    config = current_app.config
    return (config["LMS_CERTIFICATE_LOOKUPS_PER_WINDOW"],
            timedelta(minutes=config["LMS_CERTIFICATE_LOOKUP_WINDOW_MINUTES"]))


def count_lookup(address: str, now: datetime | None = None) -> None:
    """Count one look-up from `address`; raise LookupThrottled past the limit.

    The row is written first and then counted, in one transaction: concurrent requests each
    see the others that committed, in any worker process.
    """
    now = now or utcnow()
    limit, window = _lookup_limit()
    db.session.execute(delete(CertificateLookup).where(CertificateLookup.at < now - window))
    db.session.add(CertificateLookup(address=address[:64], at=now))
    db.session.commit()
    count, oldest = db.session.execute(
        select(func.count(), func.min(CertificateLookup.at))
        .where(CertificateLookup.address == address[:64],
               CertificateLookup.at > now - window)).one()
    if count > limit:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        seconds = max(1, math.ceil((oldest + window - now).total_seconds()))
        raise LookupThrottled(ngettext(
            "Too many certificate checks from your network. Wait %(num)d second, then try "
            "again.", "Too many certificate checks from your network. Wait %(num)d seconds, "
            "then try again.", seconds))


def key_set() -> dict:
    """The academy's public keys (JWKS shape) for verifiers."""
    from lms.certificates.services import key_folder

    return signing.read_key_set(key_folder())
