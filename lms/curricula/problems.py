"""Problems found in a curriculum, each with file and line."""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.base import LMSError


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at a place in a curriculum file."""

    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class Problems:
    """Collects problems without stopping at the first."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.items.append(Problem(path, max(line, 1), message, "error"))

    def warning(self, path: str, line: int, message: str) -> None:
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
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the curriculum:\n"
                         + "\n".join(str(p) for p in errors))
