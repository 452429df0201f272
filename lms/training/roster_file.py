"""Reading a roster file: a spreadsheet (CSV, XLSX, old Excel .xls or OpenDocument .ods) as the
field sends it (lms/training/spreadsheets.py), its column titles in French or English, and the
problems each row has on its own.

A title or a few notes above the column titles are skipped; the row numbers shown are the
spreadsheet's own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.auth.services import normalise_number
from lms.training.spreadsheets import MAX_ROWS, RosterError, read_table

HEADER_SEARCH = 10  # rows looked at for the column titles

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
    # Names a person who already has an account (a recruit without a matricule yet).
    "academy_number": ("numero academie", "numero d academie", "n academie", "no academie",
                       "n d academie", "no d academie", "num academie", "matricule academie",
                       "numero academique", "academy number", "academy no", "academy n",
                       "academy num", "academy id"),
}
REQUIRED = ("last_name", "first_name", "sex")
LIMITS = {"service_number": 40, "academy_number": 40, "last_name": 100, "middle_name": 100,
          "first_name": 100, "rank": 60, "unit": 120, "phone": 40}
SEX_VALUES = {"f": "F", "femme": "F", "feminin": "F", "female": "F", "fem": "F",
              "m": "M", "h": "M", "homme": "M", "masculin": "M", "male": "M", "masc": "M"}


def plain(text: str) -> str:
    """Lower case, accents removed, punctuation as single spaces: 'Prénom(s)' -> 'prenom s'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.lower())
    return " ".join(cleaned.split())


_ALIASES = {plain(alias): name for name, aliases in HEADERS.items() for alias in aliases}
_ALIASES["prenom s"] = "first_name"


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
        name = _ALIASES.get(plain(title))
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
                            "prénom, sexe, grade, unité, téléphone, n° académie.",
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
        check_row(row, parsed)
    if not parsed.rows:
        raise RosterError(_("The file has column titles but no trainees."))
    return parsed


def check_row(row: dict, parsed: ParsedRoster) -> None:
    """Add the problems of one row on its own (no database), and tidy its values."""
    line = row["line"]
    names = {"last_name": _("last name"), "first_name": _("first name"), "sex": _("sex")}
    for name in REQUIRED:
        if not row.get(name):
            parsed.add(line, _("The %(field)s is missing.", field=names[name]))
    raw_sex = row.get("sex", "")
    if raw_sex:
        sex = SEX_VALUES.get(plain(raw_sex))
        if sex is None:
            parsed.add(line, _("Unknown sex value “%(value)s”: write F or M.", value=raw_sex))
        row["sex"] = sex or raw_sex
    for name in ("service_number", "academy_number"):
        if name in row:
            row[name] = normalise_number(row[name])
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
