"""Accounts: creating users, signing in and out, sessions that expire, passwords."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from lms import audit
from lms.auth.models import ROLES, SEXES, Site, User, UserRole
from lms.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from lms.auth.session import parse_session_id
from lms.base import LMSError, utcnow
from lms.extensions import db

MIN_PASSWORD_LENGTH = 8


class AccountError(LMSError):
    """A user could not be created or changed; the message says why."""


def normalise_number(value: str | None) -> str | None:
    """Service and academy numbers are stored upper-case, without surrounding spaces."""
    value = (value or "").strip().upper()
    return value or None


CENTRAL_PREFIX = "ACA"


def academy_number_prefix() -> str:
    """Who hands out this server's academy numbers: "ACA" on the academy's server (and on one
    not yet set up for sync); on a lab, the site's code and the lab's own short code
    (MBUJI-MAYI-K7M), so that numbers given on two servers, even two labs of one site, never
    collide. Numbers given before keep working to sign in."""
    from lms.sync.models import SyncIdentity  # sync builds on auth, not the other way round

    me = db.session.scalar(select(SyncIdentity))
    if me is None or me.role != "lab" or not me.site_code:
        return CENTRAL_PREFIX
    code = "".join(ch if ch.isalnum() else "-" for ch in me.site_code.upper()).strip("-")[:24]
    site = code if code and code != CENTRAL_PREFIX else f"LAB-{CENTRAL_PREFIX}"
    if not me.number_code:  # a lab set up before its numbers carried a code of its own
        me.number_code = new_number_code()
    return f"{site}-{me.number_code}"


def new_number_code() -> str:
    """A lab's short code for its academy numbers, easy to read on a certificate: "K7M"."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(3))


def next_academy_number(year: int, prefix: str | None = None) -> str:
    """A new academy number: ACA-2026-00042 (central) or KALEMIE-K7M-2026-00042 (a lab)."""
    prefix = f"{prefix or academy_number_prefix()}-{year}-"
    count = db.session.scalar(select(func.count()).select_from(User).where(
        User.academy_number.like(prefix + "%"))) or 0
    while True:
        count += 1
        candidate = f"{prefix}{count:05d}"
        if not db.session.scalar(select(User.id).where(User.academy_number == candidate)):
            return candidate


def create_user(*, first_name: str, last_name: str, sex: str, password: str | None = None,
                password_hash: str | None = None,
                roles: tuple[str, ...] | list[str] = ("trainee",),
                service_number: str | None = None,
                academy_number: str | None = None, rank: str = "", unit: str = "",
                site: Site | None = None, phone: str = "", locale: str | None = None,
                must_change_password: bool = False, actor=None, commit: bool = True) -> User:
    """Create a user; raise AccountError with a readable message if something is wrong.

    `password_hash` replaces `password` where the caller hashed a whole intake at once.
    """
    sex = (sex or "").strip().upper()[:1]
    if sex not in SEXES:
        raise AccountError(_("Sex must be F or M."))
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise AccountError(_("Unknown role: %(roles)s. Roles are %(known)s.",
                             roles=", ".join(sorted(unknown)) or "-", known=", ".join(ROLES)))
    if not first_name.strip() or not last_name.strip():
        raise AccountError(_("First and last name are required."))
    if password_hash is None and len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password needs at least %(n)d characters.",
                             n=MIN_PASSWORD_LENGTH))
    service_number = normalise_number(service_number)
    if service_number and User.by_login(service_number):
        raise AccountError(_("Service number %(n)s is already used.", n=service_number))
    academy_number = normalise_number(academy_number) or next_academy_number(time.gmtime().tm_year)
    if User.by_login(academy_number):
        raise AccountError(_("Academy number %(n)s is already used.", n=academy_number))
    user = User(first_name=first_name.strip(), last_name=last_name.strip(), sex=sex,
                service_number=service_number, academy_number=academy_number,
                rank=rank.strip(), unit=unit.strip(), phone=phone.strip(), site=site,
                locale=locale, password_hash=password_hash or hash_password(password),
                must_change_password=must_change_password,
                role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)])
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after={"login": user.login_id,
                                                     "roles": sorted(user.roles)})
    if commit:
        db.session.commit()
    return user


def authenticate(login: str, password: str, now: datetime | None = None) -> User | None:
    """Return the active user matching login and password, or None."""
    user = User.by_login(login or "")
    stored = user.password_hash if user is not None else DUMMY_HASH
    active, expires = (user.active, user.password_expires_at) if user is not None else (False,
                                                                                       None)
    # End the transaction before the 20 ms hash: a sign-in (a POST) holds SQLite's write lock
    # from its first query, and every other trainee's save would wait behind the hash.
    db.session.commit()
    if not verify_password(stored, password or "") or user is None or not active:
        return None
    if expires is not None and (now or utcnow()) > _as_utc(expires):
        raise AccountError(_("This one-time code has expired. Ask the academy staff for a "
                             "new one."))
    if needs_rehash(stored):
        # Hashed before touching the user again, which would take the write lock.
        fresh = hash_password(password)
        user.password_hash = fresh
        db.session.commit()
    return user


def start_session(user: User) -> None:
    """Sign the user in with a fresh session (no fixation, no remember-me)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=False)
    session["last_seen"] = int(time.time())
    session["csrf_nonce"] = secrets.token_hex(8)
    audit.record(user, "auth.login", user)
    db.session.commit()


def end_session(user: User | None = None) -> None:
    """Sign out and invalidate every copy of the session cookie."""
    if user is not None:
        user.session_version += 1
        audit.record(user, "auth.logout", user)
        db.session.commit()
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def session_expired(sess) -> bool:
    """True if the signed-in session has been idle too long (shared lab computers)."""
    now = int(time.time())
    idle = current_app.config["LMS_SESSION_IDLE_MINUTES"] * 60
    last = sess.get("last_seen", 0)
    if now - last > idle:
        return True
    if now - last > 30:  # avoid rewriting the cookie on every request
        sess["last_seen"] = now
    return False


def change_password(user: User, current: str, new: str) -> None:
    """Change a user's own password; every other session ends."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is wrong."))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The new password needs at least %(n)d characters.",
                             n=MIN_PASSWORD_LENGTH))
    if new == current:
        raise AccountError(_("Choose a new password different from the current one."))
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_expires_at = None
    user.session_version += 1
    audit.record(user, "auth.password_change", user)
    db.session.commit()


# Letters and digits that cannot be mistaken for each other when read aloud or written by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_one_time_code(length: int = 10) -> str:
    """A random code to read out or print, e.g. "K7MQ-X2P9-RT"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + 4] for i in range(0, length, 4))


def issue_one_time_code(actor: User, user: User, now: datetime | None = None,
                        commit: bool = True) -> str:
    """Replace a user's password with a one-time code (shown once) that must be changed."""
    if actor is not None and not actor.has_role("staff"):
        raise AccountError(_("Only academy staff can give a new code."))
    if user.has_role("admin") and actor is not None and not actor.has_role("admin"):
        raise AccountError(_("Only an administrator can reset an administrator's password."))
    code = new_one_time_code()
    hours = current_app.config["LMS_RESET_CODE_HOURS"]
    user.password_hash = hash_password(code)
    user.must_change_password = True
    user.password_expires_at = (now or utcnow()) + timedelta(hours=hours)
    user.session_version += 1
    audit.record(actor, "auth.reset_code", user, after={"login": user.login_id})
    if commit:
        db.session.commit()
    return code


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_WITHOUT_ROLES = [lazyload(User.role_rows)]  # built once


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: "<id>:<session version>"; a stale version signs out."""
    ids = parse_session_id(user_id)
    if ids is None:
        return None
    uid, version = ids
    # Roles are read when a page asks for them: saving an answer never does.
    user = db.session.get(User, uid, options=_WITHOUT_ROLES)
    if user is None or user.session_version != version or not user.active:
        return None
    return user
