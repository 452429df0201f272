"""Roster import: read a spreadsheet (CSV, XLSX, old Excel .xls or OpenDocument .ods) as the
field sends it, preview its problems, commit.

A title or a few notes above the column titles are skipped; the row numbers shown are the
spreadsheet's own.

The parsed rows wait in a pending import (keyed by a random token) between the preview and the
staff member's decision, so the file is sent once. Committing is one transaction.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select

from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.auth.services import create_user, normalise_number
from lms.base import LMSError, utcnow
from lms.extensions import db
from lms.training.models import Cohort, CohortClass, Enrolment, PendingImport
from lms.training.services import enrol

MAX_ROWS = 5000
HEADER_SEARCH = 10  # rows looked at for the column titles
PENDING_LIFETIME = timedelta(hours=24)
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper

# Normalised header (no accents, lower case, single spaces) -> field.
HEADERS = {
    "service_number": ("matricule", "mat", "n matricule", "no matricule", "numero matricule",
                       "num matricule", "service number", "service no", "service n",
                       "service num", "matricule number", "police number"),
    "last_name": ("nom", "last name", "surname", "family name", "nom de famille", "lastname"),
    "middle_name": ("postnom", "post nom", "middle name", "middlename"),
    "first_name": ("prenom", "prenoms", "first name", "given name", "firstname", "given names"),
    "sex": ("sexe", "sex", "genre", "gender"),
    "rank": ("grade", "rank"),
    "unit": ("unite", "unit", "affectation", "unite d affectation"),
    "phone": ("telephone", "tel", "phone", "phone number", "numero de telephone", "gsm",
              "mobile", "n telephone", "no telephone"),
}
REQUIRED = ("last_name", "first_name", "sex")
LIMITS = {"service_number": 40, "last_name": 100, "middle_name": 100, "first_name": 100,
          "rank": 60, "unit": 120, "phone": 40}
SEX_VALUES = {"f": "F", "femme": "F", "feminin": "F", "female": "F", "fem": "F",
              "m": "M", "h": "M", "homme": "M", "masculin": "M", "male": "M", "masc": "M"}


class RosterError(LMSError):
    """The file cannot be read as a roster, or the import cannot be committed."""


def _plain(text: str) -> str:
    """Lower case, accents removed, punctuation as single spaces: 'Prénom(s)' -> 'prenom s'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.lower())
    return " ".join(cleaned.split())


_ALIASES = {_plain(alias): name for name, aliases in HEADERS.items() for alias in aliases}
_ALIASES["prenom s"] = "first_name"


# Reading files ----------------------------------------------------------------------------------

def decode_text(data: bytes) -> str:
    """Text of a CSV export: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A cut file (odd length) still reads: the broken end shows as "\ufffd" in its row.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined
        return data.decode("latin-1")


def detect_separator(text: str) -> str:
    """The separator of the header line: ';', ',' or tab, whichever appears most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The cells of the first sheet (XLSX, XLS, ODS) or of a CSV file, as text."""
    if not data:
        raise RosterError(_("The file is empty. Export the roster again and send it."))
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") and _is_ods(data) or name.endswith(".ods"):
        return _read_ods(data)
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        return _read_xls(data)
    if b"\x00" in data[:2048] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RosterError(_("This file is not a spreadsheet export. Send a CSV or XLSX file."))
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_separator(text))
    try:
        return [[cell.strip() for cell in row] for row in reader]
    except csv.Error as error:
        raise RosterError(_("The CSV file could not be read (%(error)s). Export it again "
                            "from the spreadsheet.", error=str(error))) from error


def _read_xlsx(data: bytes) -> list[list[str]]:
    import defusedxml  # noqa: F401  (openpyxl parses untrusted XML safely only with it)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise RosterError(_("The XLSX file could not be opened. Open it in the spreadsheet, "
                            "save it again as .xlsx (or CSV) and send it.")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _read_xls(data: bytes) -> list[list[str]]:
    """The first sheet of an old Excel (97-2003) workbook."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
        rows = []
        for index in range(min(sheet.nrows, MAX_ROWS + 2)):
            rows.append([_xls_cell(cell, book.datemode) for cell in sheet.row(index)])
        book.release_resources()
        return rows
    except Exception as error:  # noqa: BLE001  (xlrd raises many kinds for a damaged file)
        raise RosterError(_("The Excel file could not be opened. Open it in the spreadsheet, "
                            "save it again as .xlsx (or CSV) and send it.")) from error


def _xls_cell(cell, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell_text(cell.value)


_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
MAX_COLUMNS = 200


def _is_ods(data: bytes) -> bool:
    """An OpenDocument file stores its type first, uncompressed, in the member 'mimetype'."""
    return data[30:38] == b"mimetype" and _ODS_MIME in data[38:120]


def _read_ods(data: bytes) -> list[list[str]]:
    """The first sheet of an OpenDocument spreadsheet (LibreOffice, OnlyOffice, WPS)."""
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as xml:
            rows: list[list[str]] = []
            for _event, element in ElementTree.iterparse(xml, events=("end",)):
                if element.tag == f"{_TABLE}table-row":
                    repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                    cells = _ods_cells(element)
                    # A spreadsheet ends with one empty row repeated a million times.
                    rows += [cells] * min(repeat, MAX_ROWS + 2 - len(rows))
                    element.clear()
                    if len(rows) > MAX_ROWS + 1:
                        break
                elif element.tag == f"{_TABLE}table":
                    break  # the first sheet only
            return rows
    except Exception as error:  # noqa: BLE001  (a broken zip, a malformed or hostile XML)
        raise RosterError(_("The OpenDocument file could not be opened. Open it in the "
                            "spreadsheet, save it again as .ods, .xlsx or CSV and send it.")
                          ) from error


def _ods_cells(row) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            continue
        repeat = min(int(cell.get(f"{_TABLE}number-columns-repeated", "1")), MAX_COLUMNS)
        if cell.get(f"{_OFFICE}value-type") == "float":
            text = _cell_text(float(cell.get(f"{_OFFICE}value", "0")))
        else:
            text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{_TEXT}p")).strip()
        cells += [text] * repeat
        if len(cells) >= MAX_COLUMNS:
            break
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and matricules typed as numbers
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value).strip()


# Parsing and checking ---------------------------------------------------------------------------

@dataclass
class ParsedRoster:
    """The rows of a roster file and the problems found, by line number."""

    rows: list[dict] = field(default_factory=list)
    problems: dict[int, list[str]] = field(default_factory=dict)

    def add(self, line: int, message: str) -> None:
        self.problems.setdefault(line, []).append(message)


def map_headers(header: list[str]) -> dict[str, int]:
    """Field -> column index, from French or English column titles."""
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _ALIASES.get(_plain(title))
        if name and name not in mapping:
            mapping[name] = index
    return mapping


def parse_roster(filename: str, data: bytes) -> ParsedRoster:
    """Read a roster file into rows of trainee fields; raise RosterError if unreadable."""
    table = read_table(filename, data)
    filled = [index for index, row in enumerate(table) if any(cell.strip() for cell in row)]
    if not filled:
        raise RosterError(_("The file has no rows. Export the roster again and send it."))
    # The column titles: the first of the first rows that names the required columns (a title,
    # the training's name or a date often stand above them); else the first row with text.
    header = next((index for index in filled[:HEADER_SEARCH] if all(
        name in map_headers(table[index]) for name in REQUIRED)), filled[0])
    mapping = map_headers(table[header])
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        labels = {"last_name": _("last name (nom)"), "first_name": _("first name (prénom)"),
                  "sex": _("sex (sexe)")}
        raise RosterError(_("The columns need titles, in one of the first rows. Missing: "
                            "%(columns)s. Expected titles such as matricule, nom, postnom, "
                            "prénom, sexe, grade, unité, téléphone.",
                            columns=", ".join(labels[m] for m in missing)))
    body = table[header + 1:]
    if len(body) > MAX_ROWS:
        raise RosterError(_("The file has more than %(n)d rows: split it into smaller files.",
                            n=MAX_ROWS))
    parsed = ParsedRoster()
    for offset, cells in enumerate(body, start=header + 2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {"line": offset}
        for name, index in mapping.items():
            row[name] = cells[index].strip() if index < len(cells) else ""
        parsed.rows.append(row)
        _check_row(row, parsed)
    if not parsed.rows:
        raise RosterError(_("The file has column titles but no trainees."))
    return parsed


def _check_row(row: dict, parsed: ParsedRoster) -> None:
    line = row["line"]
    names = {"last_name": _("last name"), "first_name": _("first name"), "sex": _("sex")}
    for name in REQUIRED:
        if not row.get(name):
            parsed.add(line, _("The %(field)s is missing.", field=names[name]))
    raw_sex = row.get("sex", "")
    if raw_sex:
        sex = SEX_VALUES.get(_plain(raw_sex))
        if sex is None:
            parsed.add(line, _("Unknown sex value “%(value)s”: write F or M.", value=raw_sex))
        row["sex"] = sex or raw_sex
    if "service_number" in row:
        row["service_number"] = normalise_number(row["service_number"])
    for name, limit in LIMITS.items():
        if _looks_like_formula(row.get(name) or ""):
            parsed.add(line, _("The value in column %(field)s starts like a spreadsheet "
                               "formula (%(value)s): type the text itself, without = + - or "
                               "@ in front.", field=name, value=row[name][:40]))
        if len(row.get(name) or "") > limit:
            parsed.add(line, _("The value in column %(field)s is too long (at most %(n)d "
                               "characters).", field=name, n=limit))


def _looks_like_formula(value: str) -> bool:
    """True for text a spreadsheet would run: = or @ first, or + - before letters (a phone
    number such as +243 81 234 5678 is not one)."""
    if value.startswith(("=", "@", "\t", "\r")):
        return True
    return value.startswith(("+", "-")) and any(ch.isalpha() for ch in value)


def _same_person(row: dict, user: User) -> bool:
    """True unless the row's names clearly differ from the account's (order, accents and case
    do not matter; the post-name may be missing on one side)."""
    theirs = set(_plain(f"{user.first_name} {user.last_name}").split())
    last = set(_plain(f"{row.get('last_name', '')} {row.get('middle_name', '')}").split())
    first = set(_plain(row.get("first_name", "")).split())
    return bool(last & theirs) and bool(first & theirs)


def check_against(parsed: ParsedRoster, cohort: Cohort) -> None:
    """Add the problems that depend on the database and on the whole file, and mark the rows
    that enrol a person who already has an account (`existing_id`, `existing_name`)."""
    first_line: dict[str, int] = {}
    for row in parsed.rows:
        row.pop("existing_id", None)
        row.pop("existing_name", None)
        number = row.get("service_number")
        if not number:
            continue
        if number in first_line:  # the first row stays valid: "import the valid rows" keeps it
            parsed.add(row["line"], _("Service number %(n)s is already on line %(other)d: "
                                      "this row is left out.", n=number,
                                      other=first_line[number]))
        else:
            first_line[number] = row["line"]
    numbers = list(first_line)
    existing: dict[str, User] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        for user in db.session.scalars(select(User).where(
                User.service_number.in_(chunk) | User.academy_number.in_(chunk))):
            existing[user.service_number or user.academy_number] = user
            existing[user.academy_number] = user
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == cohort.id))) if existing else set()
    for row in parsed.rows:
        number = row.get("service_number") or ""
        user = existing.get(number)
        if user is None or first_line.get(number) != row["line"]:
            continue
        if user.id in enrolled:
            parsed.add(row["line"], _("%(name)s (%(n)s) is already enrolled in this cohort.",
                                      name=user.display_name, n=number))
        elif not _same_person(row, user):
            parsed.add(row["line"], _("Service number %(n)s already belongs to %(name)s, whose "
                                      "name differs from this row's: check the number and the "
                                      "name.", n=number, name=user.display_name))
        elif not user.active:
            parsed.add(row["line"], _("The account of %(name)s is disabled: an administrator "
                                      "must enable it before they can be enrolled.",
                                      name=user.display_name))
        else:
            row["existing_id"], row["existing_name"] = user.id, user.display_name


# Pending imports --------------------------------------------------------------------------------

def prepare_import(cohort: Cohort, actor: User, filename: str, data: bytes) -> PendingImport:
    """Parse and check a roster file and keep the result for the preview."""
    parsed = parse_roster(filename, data)
    check_against(parsed, cohort)
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
    person who already has an account enrols that person.

    mode "valid": every row without a problem; mode "all": every row, or nothing at all if any
    row has a problem. Rows are checked again, in case the database changed since the preview.
    """
    if mode not in ("valid", "all"):
        raise RosterError(_("Choose what to import."))
    cohort = pending.cohort
    parsed = ParsedRoster(rows=[dict(r) for r in pending.rows])
    for row in parsed.rows:
        _check_row(row, parsed)
    check_against(parsed, cohort)
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
            enrol(user, cohort, actor=actor, cohort_class=cohort_class)
            credentials.append(Credential(user, ""))  # signs in as before
        db.session.delete(pending)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return credentials
