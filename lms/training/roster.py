"""Roster import: read a spreadsheet (roster_file.py), preview its problems and the people it
names who already have an account (roster_people.py), commit.

The parsed rows wait in a pending import (keyed by a random token) between the preview and the
staff member's decision, so the file is sent once. Committing is one transaction.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select

from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.auth.services import create_user
from lms.base import utcnow
from lms.extensions import db
from lms.training.models import Cohort, CohortClass, PendingImport
from lms.training.roster_file import ParsedRoster, RosterError, check_row, parse_roster
from lms.training.roster_people import apply_changes, match_people
from lms.training.services import enrol

__all__ = ["RosterError", "parse_roster"]  # also read from here by the views and tests

PENDING_LIFETIME = timedelta(hours=24)
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


def prepare_import(cohort: Cohort, actor: User, filename: str, data: bytes) -> PendingImport:
    """Parse and check a roster file and keep the result for the preview."""
    parsed = parse_roster(filename, data)
    match_people(parsed, cohort)
    # Not evaluated on loaded rows: SQLite hands back naive times, which Python cannot compare.
    db.session.execute(delete(PendingImport).where(
        PendingImport.created_at < utcnow() - PENDING_LIFETIME).execution_options(
        synchronize_session=False))
    pending = PendingImport(token=secrets.token_urlsafe(24), cohort=cohort,
                            created_by_id=actor.id, filename=filename[:200], rows=parsed.rows,
                            problems={str(k): v for k, v in parsed.problems.items()})
    db.session.add(pending)
    db.session.commit()
    return pending


def get_pending(token: str, actor: User) -> PendingImport | None:
    """The actor's pending import with this token, unless expired."""
    pending = db.session.scalar(select(PendingImport).where(PendingImport.token == token))
    if pending is None or pending.created_by_id != actor.id:
        return None
    created = pending.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=utcnow().tzinfo)
    if created < utcnow() - PENDING_LIFETIME:
        return None
    return pending


def problems_of(pending: PendingImport) -> dict[int, list[str]]:
    """Problems by line number, as ints."""
    return {int(k): v for k, v in pending.problems.items()}


def new_password() -> str:
    """A one-time password easy to copy from paper: xxxx-xxxx."""
    chars = [secrets.choice(PASSWORD_ALPHABET) for _ in range(8)]
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


@dataclass
class Credential:
    """An enrolled person and their one-time password, shown once on the printable class list
    (empty for a person who already had an account and signs in as before)."""

    user: User
    password: str


def commit_import(pending: PendingImport, actor: User, mode: str,
                  cohort_class: CohortClass | None = None) -> list[Credential]:
    """Create and enrol the trainees of a pending import in one transaction; a row naming a
    person who already has an account enrols that person and brings their rank, unit and
    phone up to date (unless their record is kept as it is, see roster_people.py).

    mode "valid": every row without a problem; mode "all": every row, or nothing at all if any
    row has a problem. Rows are checked again, in case the database changed since the preview.
    """
    if mode not in ("valid", "all"):
        raise RosterError(_("Choose what to import."))
    cohort = pending.cohort
    parsed = ParsedRoster(rows=[dict(r) for r in pending.rows])
    for row in parsed.rows:
        check_row(row, parsed)
    match_people(parsed, cohort)
    if mode == "all" and parsed.problems:
        raise RosterError(ngettext(
            "Nothing was imported: %(num)d row has a problem. Correct the file and send it "
            "again, or import only the valid rows.",
            "Nothing was imported: %(num)d rows have problems. Correct the file and send it "
            "again, or import only the valid rows.", len(parsed.problems)))
    rows = [r for r in parsed.rows if r["line"] not in parsed.problems]
    if not rows:
        raise RosterError(_("No row can be imported. Correct the file and send it again."))
    returning = [row for row in rows if row.get("existing_id")]
    rows = [row for row in rows if not row.get("existing_id")]
    passwords = [new_password() for _row in rows]
    # Argon2 is slow on purpose; hash the whole intake on every core (the C code frees the GIL).
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        hashes = list(pool.map(hash_password, passwords))
    credentials = []
    try:
        for row, password, password_hash in zip(rows, passwords, hashes, strict=True):
            last = " ".join(p for p in (row.get("last_name"), row.get("middle_name")) if p)
            user = create_user(first_name=row["first_name"], last_name=last, sex=row["sex"],
                               service_number=row.get("service_number"),
                               rank=row.get("rank", ""), unit=row.get("unit", ""),
                               phone=row.get("phone", ""), site=cohort.site,
                               password_hash=password_hash, must_change_password=True,
                               actor=actor, commit=False)
            enrol(user, cohort, actor=actor, cohort_class=cohort_class)
            credentials.append(Credential(user, password))
        for row in returning:
            user = db.session.get(User, row["existing_id"])
            apply_changes(row, user, actor)
            enrol(user, cohort, actor=actor, cohort_class=cohort_class)
            credentials.append(Credential(user, ""))  # signs in as before
        db.session.delete(pending)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return credentials
