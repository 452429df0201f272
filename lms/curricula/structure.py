"""The published curriculum structure: its shape, its format number, and how features read it.

A programme folder is parsed once, at publication (`lms.curricula.parser`), into the structure
below, stored with the version (`CurriculumVersion.structure`) with its HTML already rendered
and sanitised. Every feature reads it through this module, never by its own idea of the keys.

`FORMAT` is written into every structure. Raise it when the shape or the rendering changes,
then run `flask lms curricula rebuild`: published versions are parsed again from their stored
sources (their content hash does not change), so a fix to the parser or the sanitiser reaches
versions already published. A structure stored before format numbers has format 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

from lms.base import LMSError

# 1: first numbered format. 2: raw HTML removed from Markdown, not shown escaped; table column
# alignment kept as classes (issue #17, item 12).
FORMAT = 2

Lang = str
Translated = dict[Lang, str]  # {"fr": "...", "en": "..."}


class Settings(TypedDict):
    """An assessment's rules, from its front matter (`lms.curricula.quizfile.parse_settings`)."""

    kind: Literal["quiz", "pre_test", "post_test", "practical"]
    pass_mark: float
    max_attempts: int | None
    time_limit: int | None  # minutes
    shuffle_questions: bool
    shuffle_choices: bool
    feedback: str
    grading: Literal["best", "last"]
    draw: NotRequired[dict]


class Choice(TypedDict):
    """One choice of a multiple-choice question."""

    html: str
    correct: bool
    feedback_html: str


class Question(TypedDict):
    """One question of a quiz; the keys after `feedback_html` depend on its type."""

    id: str
    type: str  # a key of lms.learning.scoring.QUESTION_TYPES
    points: float
    line: int
    stem_html: str
    tags: list[str]
    feedback_html: str
    choices: NotRequired[list[Choice]]
    accepted: NotRequired[list[str]]  # short answers
    pairs: NotRequired[list[dict]]  # matching
    answers: NotRequired[list[str]]  # matching


class Assessment(TypedDict):
    """One language variant of a quiz or a practical assessment."""

    title: str
    settings: Settings
    intro_html: str
    max_points: float
    questions: NotRequired[list[Question]]  # quizzes
    criteria: NotRequired[list[dict]]  # practical assessments: {id, html, levels, max_points}


class Lesson(TypedDict):
    """One language variant of a lesson."""

    title: str
    duration: Any
    html: str


class ModuleItem(TypedDict):
    """An entry of a module, in course order."""

    id: str
    key: str  # "<module>/<item>": the key of `lessons` or `assessments`
    kind: str  # "lesson", or the assessment's kind


class Module(TypedDict):
    """A module of the programme and its items in order."""

    id: str
    title: Translated
    items: list[ModuleItem]


class ProgrammeStructure(TypedDict):
    """A published curriculum version as stored: every lesson and assessment in every language."""

    format: int
    id: str
    version: str
    languages: list[Lang]
    title: Translated
    description: Translated
    pre_test: str | None  # an item of the "evaluations" folder
    post_test: str | None
    certificate: dict
    modules: list[Module]
    lessons: dict[str, dict[Lang, Lesson]]
    assessments: dict[str, dict[Lang, Assessment]]


class UnknownItem(LMSError):
    """No such lesson, assessment or question in the pinned curriculum version."""


def format_of(structure: Mapping) -> int:
    """The format number a structure was written in (0: before format numbers)."""
    return int(structure.get("format", 0))


def _refuse(self, *args, **kwargs):
    raise TypeError("a published curriculum structure is read-only: copy the part to change")


class ReadOnlyDict(dict):
    """A dict that refuses changes; still a dict for JSON, templates and `{**part}`."""

    __slots__ = ()
    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self):
        return dict, (dict(self),)

    def __deepcopy__(self, memo):
        import copy

        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


class ReadOnlyList(list):
    """A list that refuses changes; still a list for JSON and templates."""

    __slots__ = ()
    __setitem__ = __delitem__ = append = extend = insert = pop = remove = _refuse
    clear = reverse = sort = __iadd__ = __imul__ = _refuse

    def __reduce__(self):
        return list, (list(self),)

    def __deepcopy__(self, memo):
        import copy

        return [copy.deepcopy(v, memo) for v in self]


def read_only(value):
    """A read-only copy of a structure (or any part of it), for the readers that share it."""
    if isinstance(value, dict) and not isinstance(value, ReadOnlyDict):
        return ReadOnlyDict({k: read_only(v) for k, v in value.items()})
    if isinstance(value, list) and not isinstance(value, ReadOnlyList):
        return ReadOnlyList(read_only(v) for v in value)
    return value


# Navigation -----------------------------------------------------------------------------------

def pick_language(variants: Mapping, lang: str, languages: list[str]) -> tuple[str, bool]:
    """The language to show: `lang` if available, else the programme's first; (lang, fallback)."""
    if lang in variants:
        return lang, False
    for candidate in languages:
        if candidate in variants:
            return candidate, True
    return next(iter(variants)), True


def lesson_for(structure: Mapping, item_key: str, lang: str) -> dict:
    """A lesson of a curriculum structure, in `lang` or its fallback."""
    variants = structure["lessons"].get(item_key)
    if variants is None:
        raise UnknownItem(item_key)
    shown, fallback = pick_language(variants, lang, structure["languages"])
    return {**variants[shown], "language": shown, "fallback": fallback, "key": item_key}


def assessment_for(structure: Mapping, item_key: str, lang: str) -> dict:
    """An assessment of a curriculum structure, in `lang` or its fallback."""
    variants = structure["assessments"].get(item_key)
    if variants is None:
        raise UnknownItem(item_key)
    shown, fallback = pick_language(variants, lang, structure["languages"])
    return {**variants[shown], "language": shown, "fallback": fallback, "key": item_key}


def ordered_items(structure: Mapping) -> list[dict]:
    """Every item in course order: pre-test, module items, post-test."""
    items = []
    if structure.get("pre_test"):
        items.append({"key": f"evaluations/{structure['pre_test']}", "kind": "pre_test",
                      "module": "evaluations"})
    for module in structure["modules"]:
        for item in module["items"]:
            items.append({**item, "module": module["id"]})
    if structure.get("post_test"):
        items.append({"key": f"evaluations/{structure['post_test']}", "kind": "post_test",
                      "module": "evaluations"})
    return items


def neighbours(structure: Mapping, item_key: str) -> tuple[str | None, str | None]:
    """Keys of the items before and after `item_key`, in course order."""
    keys = [i["key"] for i in ordered_items(structure)]
    if item_key not in keys:
        return None, None
    index = keys.index(item_key)
    return (keys[index - 1] if index else None,
            keys[index + 1] if index + 1 < len(keys) else None)
