"""Login throttling kept in the database, so the limit holds across worker processes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import DateTime, String, delete, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.base import LMSError, utcnow
from lms.extensions import db


class LoginFailure(db.Model):
    """One failed sign-in, by login and by network address."""

    __tablename__ = "lms_login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    login: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class LoginThrottled(LMSError):
    """Too many failed sign-ins; the message says how long to wait."""


def _limits() -> tuple[int, int, timedelta]:
    config = current_app.config
    return (config["LMS_LOGIN_MAX_FAILURES_ACCOUNT"], config["LMS_LOGIN_MAX_FAILURES_ADDRESS"],
            timedelta(minutes=config["LMS_LOGIN_WINDOW_MINUTES"]))


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def check_login_allowed(login: str, address: str, now: datetime | None = None) -> None:
    """Raise LoginThrottled if this account or address failed too often recently."""
    now = now or utcnow()
    per_account, per_address, window = _limits()
    since = now - window
    login = login.strip().upper()
    for column, value, limit in ((LoginFailure.login, login, per_account),
                                 (LoginFailure.address, address, per_address)):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at))
            .where(column == value, LoginFailure.at > since)).one()
        if count >= limit:
            wait = _as_utc(oldest) + window - now
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise LoginThrottled(ngettext(
                "Too many failed sign-ins. Wait %(num)d minute, then try again, or ask the "
                "academy staff for a new code.",
                "Too many failed sign-ins. Wait %(num)d minutes, then try again, or ask the "
                "academy staff for a new code.", minutes))


def reserve_login_attempt(login: str, address: str, now: datetime | None = None) -> int:
    """Count a sign-in as failed before its password is checked, if the limits allow one more.

    The count and the reservation are one step (SQLite's write lock, or PostgreSQL advisory
    locks on the account and the address), so a burst of concurrent attempts checks at most
    the limit against the password hash. Raise LoginThrottled; return the reservation's id, for
    `clear_login_failures` after a success.
    """
    from lms.transactions import write_transaction

    now = now or utcnow()
    key = login.strip().upper()[:40]
    with write_transaction():
        if db.session.get_bind().dialect.name == "postgresql":
            for lock in sorted((f"lms-login:{key}", f"lms-login-address:{address}")):
                db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                                   {"key": lock})
        check_login_allowed(key, address, now)
        _per_account, _per_address, window = _limits()
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
        failure = LoginFailure(login=key, address=address[:64], at=now)
        db.session.add(failure)
        db.session.flush()
        reservation = failure.id
    return reservation


def record_login_failure(login: str, address: str, now: datetime | None = None) -> None:
    """Remember a failed sign-in (and forget ones older than the window)."""
    now = now or utcnow()
    _per_account, _per_address, window = _limits()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    db.session.add(LoginFailure(login=login.strip().upper()[:40], address=address[:64], at=now))
    db.session.commit()


def clear_login_failures(login: str) -> None:
    """Forget an account's failures after it signs in."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.login == login.strip().upper()))
