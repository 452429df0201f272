"""Laying a newer answer key over the question a trainee saw, and saying what changed.

A regrade scores the answers a trainee gave, as they saw the question (its choices in their
order, its text), against the answer key of a newer curriculum version: choices are matched
by index when their text is unchanged, otherwise by text; what cannot be matched is reported.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

CHOICE_TYPES = ("single", "multiple", "truefalse")
TEXT_TYPES = ("short", "numeric")


def _text(html: str) -> str:
    return Markup(html).striptags()


def choice_mapping(old: dict, new: dict) -> list[int | None]:
    """For each choice of `old`, its index in `new`: the same index when the text is unchanged,
    else the one choice with the same text; None when there is none (or it is taken)."""
    new_choices = new.get("choices", [])
    mapping: list[int | None] = []
    for index, choice in enumerate(old.get("choices", [])):
        if index < len(new_choices) and new_choices[index]["html"] == choice["html"]:
            mapping.append(index)
            continue
        same = [j for j, c in enumerate(new_choices) if c["html"] == choice["html"]]
        mapping.append(same[0] if len(same) == 1 else None)
    taken: set[int] = set()
    for index, target in enumerate(mapping):
        if target is not None and target in taken:
            mapping[index] = None
        elif target is not None:
            taken.add(target)
    return mapping


def corrected_question(old: dict, new: dict) -> tuple[dict | None, str | None]:
    """The question as the trainee saw it (`old`) with the answer key of `new`.

    Returns (question, None), or (None, reason) when the key cannot be laid over it.
    """
    if "essay" in (old["type"], new["type"]):
        return None, "essay"
    same_shape = ({old["type"], new["type"]} <= set(CHOICE_TYPES)
                  or {old["type"], new["type"]} <= set(TEXT_TYPES))
    if not same_shape:
        return None, "type"
    corrected = {**old, "type": new["type"], "points": new["points"]}
    if new["type"] in CHOICE_TYPES:
        mapping = choice_mapping(old, new)
        seen = {m for m in mapping if m is not None}
        if any(c["correct"] and j not in seen for j, c in enumerate(new["choices"])):
            return None, "new_correct_choice"
        corrected["choices"] = [
            {**choice, "correct": m is not None and new["choices"][m]["correct"], "mapped": m}
            for choice, m in zip(old["choices"], mapping, strict=True)]
    else:
        corrected.pop("choices", None)
        for key in ("accepted", "match", "answer", "tolerance"):
            corrected.pop(key, None)
            if key in new:
                corrected[key] = new[key]
    return corrected, None


def answer_key(question: dict) -> tuple:
    """What scoring depends on: type, points and the key of the question's type."""
    qtype = question["type"]
    if qtype in CHOICE_TYPES:
        key = tuple(bool(c["correct"]) for c in question["choices"])
    elif qtype == "short":
        key = (tuple(sorted(question.get("accepted", []))), question.get("match", "loose"))
    elif qtype == "numeric":
        key = (question.get("answer"), question.get("tolerance", 0))
    else:
        key = ()
    return qtype, float(question["points"]), key


def key_changes(before: dict, after: dict) -> list[dict]:
    """What differs between two keys of the same question, as data (see `describe_change`)."""
    changes = []
    if before["type"] != after["type"]:
        changes.append({"what": "type", "before": before["type"], "after": after["type"]})
    if float(before["points"]) != float(after["points"]):
        changes.append({"what": "points", "before": before["points"], "after": after["points"]})
    if after["type"] in CHOICE_TYPES:
        for old, new in zip(before["choices"], after["choices"], strict=True):
            if bool(old["correct"]) != bool(new["correct"]):
                changes.append({"what": "choice", "choice": _text(old["html"]),
                                "after": bool(new["correct"])})
    elif after["type"] == "short":
        if sorted(before.get("accepted", [])) != sorted(after.get("accepted", [])):
            changes.append({"what": "accepted", "before": before.get("accepted", []),
                            "after": after.get("accepted", [])})
        if before.get("match", "loose") != after.get("match", "loose"):
            changes.append({"what": "match", "before": before.get("match", "loose"),
                            "after": after.get("match", "loose")})
    elif after["type"] == "numeric":
        old = (before.get("answer"), before.get("tolerance", 0))
        new = (after.get("answer"), after.get("tolerance", 0))
        if old != new:
            changes.append({"what": "numeric", "before": list(old), "after": list(new)})
    return changes


def _number(value) -> str:
    return format_decimal(value, format="0.######") if value is not None else "—"


def _label(value: str) -> str:
    """A question type or a matching rule, in words."""
    return {"single": _("single choice"), "multiple": _("multiple choice"),
            "truefalse": _("true or false"), "short": _("short answer"),
            "numeric": _("number"), "loose": _("loose (accents and capitals ignored)"),
            "exact": _("exact")}.get(value, value)


def describe_change(change: dict) -> str:
    """One change of an answer key, in words for staff."""
    what = change["what"]
    if what == "type":
        return _("Question type: %(before)s → %(after)s.", before=_label(change["before"]),
                 after=_label(change["after"]))
    if what == "points":
        return _("Points: %(before)s → %(after)s.", before=_number(change["before"]),
                 after=_number(change["after"]))
    if what == "choice" and change["after"]:
        return _("“%(choice)s” is now a correct answer.", choice=change["choice"])
    if what == "choice":
        return _("“%(choice)s” is no longer a correct answer.", choice=change["choice"])
    if what == "accepted":
        return _("Accepted answers: %(before)s → %(after)s.",
                 before=", ".join(change["before"]) or "—", after=", ".join(change["after"]))
    if what == "match":
        return _("Matching of answers: %(before)s → %(after)s.",
                 before=_label(change["before"]), after=_label(change["after"]))
    if what == "numeric":
        (old, old_tol), (new, new_tol) = change["before"], change["after"]
        before = f"{_number(old)} ± {_number(old_tol)}"
        after = f"{_number(new)} ± {_number(new_tol)}"
        return _("Expected answer: %(before)s → %(after)s.", before=before, after=after)
    return what


def describe_problem(reason: str, version: str = "") -> str:
    """Why a question or an answer was left as it was, in words for staff."""
    return {
        "essay": _("Written answer graded by hand: never regraded."),
        "type": _("The question type changed too much to compare the answers: not regraded."),
        "new_correct_choice": _("A correct choice was added or reworded that trainees never "
                                "saw: the answers cannot be matched, not regraded."),
        "removed": _("This question is no longer in version %(version)s: its score is kept.",
                     version=version),
        "choice_unmatched": _("The choice this trainee picked was reworded or removed in "
                              "version %(version)s: this answer is not regraded.",
                              version=version),
    }.get(reason, reason)
