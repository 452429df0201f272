"""Problems found in a curriculum, each with file and line.

Messages are lazy (`lms.i18n.Message`): they are translated when shown, so the same problems
read in French on the command line and in each person's language on a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from lms.base import LMSError
from lms.i18n import Message


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at a place in a curriculum file."""

    path: str
    line: int
    message: Message | str
    severity: str = "error"  # error | warning

    @property
    def text(self) -> str:
        """The message in the current language."""
        return str(self.message)

    def __str__(self) -> str:
        if self.severity == "error":
            said = _("error: %(message)s", message=self.message)
        else:
            said = _("warning: %(message)s", message=self.message)
        return f"{self.path}:{self.line}: {said}"


@dataclass
class Problems:
    """Collects problems without stopping at the first."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: Message | str) -> None:
        self.items.append(Problem(path, max(line, 1), message, "error"))

    def warning(self, path: str, line: int, message: Message | str) -> None:
        self.items.append(Problem(path, max(line, 1), message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]


class CurriculumInvalid(LMSError):
    """The curriculum has errors; `problems` lists them all."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        """Every error with file and line, in the language of whoever reads it."""
        errors = [p for p in self.problems if p.severity == "error"]
        head = ngettext("%(num)d error in the curriculum:", "%(num)d errors in the curriculum:",
                        len(errors))
        return "\n".join([head, *map(str, errors)])
