"""Marking written answers: an essay question's guide, model answer and rubric in the quiz file.

Under an essay question's text, `### Guide` (what a good answer holds), `### Model answer` and
`### Criterion <id>` sections (levels `- <points>: <description>`, as in a practical assessment)
tell the grader how to mark; with criteria, the score is the sum of the levels chosen. See
curricula/README.md, "Marking written answers".
"""

from __future__ import annotations

import re

from lms.curricula.problems import Problems
from lms.curricula.render import render_markdown
from lms.i18n import lazy_message as _l

_LEVEL = re.compile(r"^[-*]\s+(\d+(?:[.,]\d+)?)\s*:\s*(.+?)\s*$")
MARKING = re.compile(r"^###\s+(Guide|Marking guide|Grille|Model answer|Réponse modèle|"
                     r"Reponse modele|Criterion|Critère|Critere)\b\s*([A-Za-z0-9_-]*)\s*$")
_GUIDE = {"Guide", "Marking guide", "Grille"}
_MODEL = {"Model answer", "Réponse modèle", "Reponse modele"}


def parse_criterion(cid: str, line: int, lines: list[tuple[int, str]], path: str,
                    problems: Problems, resolve) -> dict | None:
    """One rubric criterion: its text and levels (`- <points>: <description>`), or None."""
    text, levels = [], []
    for _line, raw in lines:
        match = _LEVEL.match(raw)
        if match:
            try:
                points = float(match.group(1).replace(",", "."))
            except ValueError:  # pragma: no cover - the pattern admits numbers only
                continue
            levels.append({"points": points,
                           "html": render_markdown(match.group(2), inline=True)})
        elif raw.strip():
            text.append(raw)
    if len(levels) < 2:
        problems.error(path, line, _l("criterion '%(id)s' needs at least two levels "
                                      "('- <points>: <description>')", id=cid))
        return None
    return {"id": cid, "html": render_markdown("\n".join(text), resolve),
            "levels": levels, "max_points": max(lv["points"] for lv in levels)}


def parse_marking(question: dict, lines: list[tuple[int, str]], path: str, problems: Problems,
                  resolve) -> None:
    """Add `guide_html`, `model_html` and `criteria` to an essay question from its sections."""
    sections: list[tuple[str, str, int, list]] = []
    for number, raw in lines:
        heading = MARKING.match(raw)
        if heading:
            sections.append((heading.group(1), heading.group(2), number, []))
        elif sections:
            sections[-1][3].append((number, raw))
    if question["type"] != "essay":
        problems.error(path, sections[0][2], _l(
            "only an essay question can have a marking guide, a model answer or criteria "
            "(question '%(id)s' is %(type)s)", id=question["id"], type=question["type"]))
        return
    guide, model, criteria, seen = [], [], [], set()
    for name, cid, number, body in sections:
        if name in _GUIDE:
            guide += [raw for _n, raw in body]
        elif name in _MODEL:
            model += [raw for _n, raw in body]
        elif not cid:
            problems.error(path, number, _l("a criterion needs an id: '### Criterion <id>'"))
        elif cid in seen:
            problems.error(path, number, _l("duplicate criterion id '%(id)s'", id=cid))
        else:
            seen.add(cid)
            criterion = parse_criterion(cid, number, body, path, problems, resolve)
            if criterion is not None:
                criteria.append(criterion)
    question["guide_html"] = render_markdown("\n".join(guide), resolve) if guide else ""
    question["model_html"] = render_markdown("\n".join(model), resolve) if model else ""
    question["criteria"] = criteria
    total = sum(c["max_points"] for c in criteria)
    if criteria and abs(total - question["points"]) > 1e-9:
        problems.error(path, question["line"], _l(
            "the criteria of essay question '%(id)s' add up to %(total)s points but the "
            "question is worth %(points)s: make the top levels add up to its points",
            id=question["id"], total=format(total, "g"), points=format(question["points"], "g")))


def rubric_score(question: dict, levels: dict[str, str]) -> tuple[dict[str, float], list[str]]:
    """({criterion id: points chosen}, ids of criteria left without a valid level)."""
    chosen, missing = {}, []
    for criterion in question.get("criteria", []):
        allowed = {lv["points"] for lv in criterion["levels"]}
        try:
            points = float(str(levels.get(criterion["id"], "")).replace(",", "."))
        except ValueError:
            points = None
        if points not in allowed:
            missing.append(criterion["id"])
        else:
            chosen[criterion["id"]] = points
    return chosen, missing
