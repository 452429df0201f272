"""A report table as shown, exported and printed, and the helpers that split figures by sex."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from lms.curricula.models import Programme
from lms.extensions import db
from lms.i18n import current_locale

SEX_COLUMNS = ("F", "M", "T")


@dataclass
class Table:
    """A report table as shown, exported to CSV/XLSX and printed.

    `keys` names each column for code (``enrolled_F``, ``pass_rate_T``): views, templates and
    tests read figures by key, never by position, so a new column cannot shift them.
    """

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    footer: list | None = None  # a totals row
    total_rows: int | None = None  # rows before a display limit, when one was applied
    keys: list[str] = field(default_factory=list)

    @classmethod
    def keyed(cls, key: str, title: str, columns: list[tuple[str, str]], note: str = ""
              ) -> Table:
        """A table whose columns are given as (key, header) pairs."""
        return cls(key, title, [header for _key, header in columns], note=note,
                   keys=[column_key for column_key, _header in columns])

    def position(self, key: str) -> int:
        """The index of the column named `key`."""
        return self.keys.index(key)

    def column(self, key: str) -> list:
        """The values of one column, in row order (totals row excluded)."""
        index = self.position(key)
        return [row[index] for row in self.rows]

    def total(self, key: str):
        """The totals row's value in the column named `key`."""
        return self.footer[self.position(key)] if self.footer else None

    def add_row(self, values: Mapping[str, object]) -> None:
        """Append a row given as {column key: value}; every column must have a value."""
        self.rows.append([values[key] for key in self.keys])

    def set_footer(self, values: Mapping[str, object]) -> None:
        """Set the totals row from {column key: value}; columns not given stay blank."""
        self.footer = [values.get(key, "") for key in self.keys]

    def records(self) -> list[dict]:
        """The rows as {column key: value} dicts."""
        return [dict(zip(self.keys, row, strict=True)) for row in self.rows]

    def totals(self) -> dict:
        """The totals row as a {column key: value} dict (empty without one)."""
        return dict(zip(self.keys, self.footer, strict=True)) if self.footer else {}


def sex_headers(label: str) -> list[str]:
    """`label` split into women, men and total columns."""
    return [_("%(label)s: women", label=label), _("%(label)s: men", label=label),
            _("%(label)s: total", label=label)]


def sex_columns(key: str, label: str) -> list[tuple[str, str]]:
    """(key, header) pairs for `label` split by sex: `key_F`, `key_M` and `key_T`."""
    return list(zip([f"{key}_{sex}" for sex in SEX_COLUMNS], sex_headers(label), strict=True))


def by_sex(key: str, values: list) -> dict[str, object]:
    """{`key_F`: women, `key_M`: men, `key_T`: total} from a women/men/total triple."""
    return {f"{key}_{sex}": value for sex, value in zip(SEX_COLUMNS, values, strict=True)}


def pivot(counts: dict[str | None, float]) -> list:
    """[women, men, total] from counts by sex; the total includes sex not recorded."""
    women, men = counts.get("F", 0) or 0, counts.get("M", 0) or 0
    return [women, men, sum(v or 0 for v in counts.values())]


def percent(part: float, whole: float) -> float | None:
    """Part of whole in percent, one decimal; None when whole is zero."""
    return round(100 * part / whole, 1) if whole else None


def person_columns() -> list[tuple[str, str]]:
    """(key, header) pairs of the columns that name an officer in a list of people."""
    return [("name", _("Name")), ("academy_number", _("Academy number")),
            ("service_number", _("Service number")), ("sex", _("Sex")), ("unit", _("Unit")),
            ("rank", _("Rank"))]


def person_values(first: str, last: str, academy: str, service: str | None, sex: str | None,
                  unit: str | None, rank: str | None) -> dict[str, str]:
    """The values of `person_columns()` for one officer."""
    return {"name": f"{first} {last.upper()}", "academy_number": academy,
            "service_number": service or "", "sex": sex or "", "unit": unit or "",
            "rank": rank or ""}


def rates(parts: list, wholes: list) -> list:
    """`percent` of each part of its whole (women, men, total)."""
    return [percent(p, w) for p, w in zip(parts, wholes, strict=True)]


def programme_title(code: str) -> str:
    """A programme's title in the current language (tables show titles, not codes)."""
    lang = current_locale()
    titles = db.session.info.setdefault(("lms_programme_titles", lang), {})
    if code not in titles:  # one query per programme and session, not per row
        programme = db.session.scalar(select(Programme).where(Programme.code == code))
        titles[code] = programme.title_in(lang) if programme is not None else code
    return titles[code]
