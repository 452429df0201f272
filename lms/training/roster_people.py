"""Roster rows that name people who already have an account: who each one is (by service
number, or by academy number when the row gives no service number), whether they may join the
cohort, and what the row changes in their record (rank, unit, phone; an empty cell keeps the
value). Nothing is written here but the changes of a committed import (`apply_changes`)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.auth.models import User
from lms.extensions import db
from lms.sync.owners import owner_elsewhere
from lms.training.models import Cohort, Enrolment
from lms.training.roster_file import ParsedRoster, plain

UPDATABLE = ("rank", "unit", "phone")
MARKS = ("existing_id", "existing_name", "changes", "kept")


def same_person(row: dict, user: User) -> bool:
    """True unless the row's names clearly differ from the account's (order, accents and case
    do not matter; the post-name may be missing on one side)."""
    theirs = set(plain(f"{user.first_name} {user.last_name}").split())
    last = set(plain(f"{row.get('last_name', '')} {row.get('middle_name', '')}").split())
    first = set(plain(row.get("first_name", "")).split())
    return bool(last & theirs) and bool(first & theirs)


def _left_out_twice(parsed: ParsedRoster, column: str, message: str) -> set[int]:
    """The lines repeating a number of an earlier row, each with its problem (the first one
    stays valid: "import the valid rows" keeps it)."""
    first_line: dict[str, int] = {}
    repeated = set()
    for row in parsed.rows:
        number = row.get(column)
        if not number:
            continue
        if number in first_line:
            parsed.add(row["line"], message % {"n": number, "other": first_line[number]})
            repeated.add(row["line"])
        else:
            first_line[number] = row["line"]
    return repeated


def _holders(parsed: ParsedRoster) -> dict[str, User]:
    """Service or academy number -> the person here who has it, for every number in the file."""
    numbers = sorted({row[c] for row in parsed.rows for c in ("service_number", "academy_number")
                      if row.get(c)})
    found: dict[str, User] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for user in db.session.scalars(select(User).where(
                User.service_number.in_(chunk) | User.academy_number.in_(chunk))):
            found[user.academy_number] = user
            if user.service_number:
                found[user.service_number] = user
    return found


def _identify(row: dict, holders: dict[str, User], parsed: ParsedRoster) -> User | None:
    """The person a row names, or None for a new one; a per-row problem if the numbers do not
    fit (an academy number no one has, or one that is not the service number's person)."""
    number, academy = row.get("service_number") or "", row.get("academy_number") or ""
    by_number = holders.get(number) if number else None
    if not academy:
        return by_number
    by_academy = holders.get(academy)
    if by_academy is None or by_academy.academy_number != academy:
        parsed.add(row["line"], _("No one has academy number %(n)s: check the number, or "
                                  "leave the cell empty for a new trainee.", n=academy))
        return None
    if number and by_number is not by_academy:
        parsed.add(row["line"], _("Academy number %(a)s belongs to %(name)s, but service "
                                  "number %(n)s does not: check both numbers.", a=academy,
                                  name=by_academy.display_name, n=number))
        return None
    return by_academy


def changes_of(row: dict, user: User) -> list[list[str]]:
    """[field, before, after] for each rank, unit or phone the row gives differently."""
    changes = []
    for name in UPDATABLE:
        after, before = (row.get(name) or "").strip(), getattr(user, name) or ""
        if after and after != before:
            changes.append([name, before, after])
    return changes


def match_people(parsed: ParsedRoster, cohort: Cohort) -> None:
    """Add the problems that depend on the database and on the whole file, and mark the rows
    that enrol a person who already has an account: `existing_id`, `existing_name`, the
    `changes` the row makes to their record and, when this server may not make them, why they
    are `kept` as they are."""
    for row in parsed.rows:
        for mark in MARKS:
            row.pop(mark, None)
    repeated = _left_out_twice(parsed, "service_number", _(
        "Service number %(n)s is already on line %(other)d: this row is left out."))
    repeated |= _left_out_twice(parsed, "academy_number", _(
        "Academy number %(n)s is already on line %(other)d: this row is left out."))
    holders = _holders(parsed) if any(row.get("service_number") or row.get("academy_number")
                                      for row in parsed.rows) else {}
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == cohort.id))) if holders else set()
    seen: dict[int, int] = {}  # person -> the line that names them first
    for row in parsed.rows:
        if row["line"] in repeated:
            continue
        user = _identify(row, holders, parsed)
        if user is None:
            continue
        if user.id in seen:
            parsed.add(row["line"], _("%(name)s is already on line %(other)d: this row is left "
                                      "out.", name=user.display_name, other=seen[user.id]))
            continue
        seen[user.id] = row["line"]
        _check_person(row, user, user.id in enrolled, parsed)


def _check_person(row: dict, user: User, enrolled: bool, parsed: ParsedRoster) -> None:
    number = row.get("service_number") or row.get("academy_number")
    if enrolled:
        parsed.add(row["line"], _("%(name)s (%(n)s) is already enrolled in this cohort.",
                                  name=user.display_name, n=number))
    elif not same_person(row, user) and row.get("service_number"):
        parsed.add(row["line"], _("Service number %(n)s already belongs to %(name)s, whose "
                                  "name differs from this row's: check the number and the "
                                  "name.", n=number, name=user.display_name))
    elif not same_person(row, user):
        parsed.add(row["line"], _("Academy number %(n)s belongs to %(name)s, whose name "
                                  "differs from this row's: check the number and the name.",
                                  n=number, name=user.display_name))
    elif not user.active:
        parsed.add(row["line"], _("The account of %(name)s is disabled: an administrator must "
                                  "enable it before they can be enrolled.",
                                  name=user.display_name))
    else:
        row["existing_id"], row["existing_name"] = user.id, user.display_name
        changes = changes_of(row, user)
        if changes:
            row["changes"] = changes
            owner = owner_elsewhere(user)
            if owner:
                row["kept"] = _("the record of this person belongs to %(site)s, whose server "
                                "alone can change it (a change made here would never reach "
                                "the other servers): ask its staff or the academy.", site=owner)


def apply_changes(row: dict, user: User, actor: User) -> None:
    """Write a committed row's changes to the person's record, with an audit record (inside
    the import's transaction)."""
    if not row.get("changes") or row.get("kept"):
        return
    before, after = {}, {}
    for name, old, new in row["changes"]:
        before[name], after[name] = old, new
        setattr(user, name, new)
    audit.record(actor, "user.details", user, before=before, after=after)
