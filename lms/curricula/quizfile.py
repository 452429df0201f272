"""Parse the body of a quiz or practical assessment file (see curricula/README.md)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from lms.curricula.essays import MARKING, parse_criterion, parse_marking
from lms.curricula.problems import Problems
from lms.curricula.render import render_markdown
from lms.i18n import lazy_message as _l
from lms.i18n import lazy_plural as _ln

QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "essay", "matching")
QUESTION_KEYS = {"type", "points", "match", "answer", "tolerance", "tags", "feedback"}
KINDS = ("quiz", "pre_test", "post_test", "practical")
FEEDBACK = ("immediate", "after_close", "never")
GRADING = ("best", "last")

_QUESTION = re.compile(r"^##\s+(?:Question)\s+([A-Za-z0-9_-]+)\s*$")
_CRITERION = re.compile(r"^##\s+(?:Criterion|Critère|Critere)\s+([A-Za-z0-9_-]+)\s*$")
_ATTR = re.compile(r"^([a-z_]+):\s*(.*?)\s*$")
_CHOICE = re.compile(r"^[-*]\s+\[([ xX])\]\s+(.+?)\s*$")
_FEEDBACK = re.compile(r"^\s+>\s?(.*)$")
_PAIR = re.compile(r"^[-*]\s+(.*?)\s*->\s*(.*?)\s*$")

Resolver = Callable[[str, int], str | None]


def _number(value, path, line, problems, key, minimum=0.0):
    """`value` as a number, else report that the YAML `key` needs one."""
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        problems.error(path, line, _l("%(key)s must be a number, not '%(value)s'", key=key,
                                      value=value))
        return None
    if number < minimum:
        problems.error(path, line, _l("%(key)s must be at least %(minimum)s", key=key,
                                      minimum=format(minimum, "g")))
        return None
    return number


def parse_settings(meta: dict, path: str, problems: Problems) -> dict:
    """Validate a quiz's front matter and return its settings with defaults."""
    kind = meta.get("kind", "quiz")
    if kind not in KINDS:
        problems.error(path, 2, _l("unknown kind '%(kind)s'; use one of %(kinds)s", kind=kind,
                                   kinds=", ".join(KINDS)))
        kind = "quiz"
    if not str(meta.get("title", "")).strip():
        problems.error(path, 2, _l("the front matter needs a title"))
    settings = {
        "kind": kind,
        "pass_mark": 50.0,
        "max_attempts": None,
        "time_limit": None,
        "shuffle_questions": False,
        "shuffle_choices": False,
        "feedback": "never" if kind == "pre_test" else "immediate",
        "grading": "best",
    }
    if "pass_mark" in meta:
        mark = _number(meta["pass_mark"], path, 2, problems, "pass_mark")
        if mark is not None and mark > 100:
            problems.error(path, 2, _l("pass_mark is a percentage: at most 100"))
        elif mark is not None:
            settings["pass_mark"] = mark
    for key in ("max_attempts", "time_limit"):
        if meta.get(key) is not None:
            if not isinstance(meta[key], int) or isinstance(meta[key], bool) or meta[key] < 1:
                problems.error(path, 2, _l("%(key)s must be a whole number of at least 1",
                                           key=key))
            else:
                settings[key] = meta[key]
    for key in ("shuffle_questions", "shuffle_choices"):
        if key in meta:
            if not isinstance(meta[key], bool):
                problems.error(path, 2, _l("%(key)s must be true or false", key=key))
            else:
                settings[key] = meta[key]
    if meta.get("draw") is not None:
        settings["draw"] = _parse_draw(meta["draw"], path, problems)
    for key, allowed in (("feedback", FEEDBACK), ("grading", GRADING)):
        if key in meta:
            if meta[key] not in allowed:
                problems.error(path, 2, _l("%(key)s must be one of %(allowed)s", key=key,
                                           allowed=", ".join(allowed)))
            else:
                settings[key] = meta[key]
    return settings


def _parse_draw(value, path: str, problems: Problems) -> dict[str, int]:
    """Validate `draw: {tag: N, ...}`: how many questions to draw from each tag."""
    if not isinstance(value, dict) or not value:
        problems.error(path, 2, _l("draw must list tags and counts, e.g. "
                                   "'draw: {sara: 2, loi: 1}'"))
        return {}
    draw = {}
    for tag, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            problems.error(path, 2, _l("draw: the count for tag '%(tag)s' must be a whole "
                                       "number of at least 1", tag=tag))
        else:
            draw[str(tag)] = count
    return draw


def check_draw(settings: dict, questions: list[dict], text: str, path: str,
               problems: Problems) -> None:
    """Each drawn tag must have at least as many tagged questions as it draws."""
    line = next((n for n, raw in enumerate(text.split("\n"), start=1)
                 if raw.startswith("draw:")), 2)
    for tag, count in settings.get("draw", {}).items():
        tagged = [q["id"] for q in questions if tag in q["tags"]]
        if len(tagged) < count:
            problems.error(path, line, _ln(
                "draw asks for %(num)d question tagged '%(tag)s' but only %(found)d have that "
                "tag (%(ids)s); add 'tags: %(tag)s' to more questions or draw fewer",
                "draw asks for %(num)d questions tagged '%(tag)s' but only %(found)d have that "
                "tag (%(ids)s); add 'tags: %(tag)s' to more questions or draw fewer",
                count, tag=tag, found=len(tagged), ids=", ".join(tagged) or _l("none")))


# A trainee who always picks the same place should not beat chance: warn when, among at least
# POSITION_MIN_QUESTIONS single-choice and true/false questions, one place holds the right
# answer in more than POSITION_MAX_SHARE of them.
POSITION_MIN_QUESTIONS = 4
POSITION_MAX_SHARE = 0.5


def check_answer_positions(questions: list[dict], path: str, problems: Problems) -> None:
    """Warn when a quiz puts the right answer in the same place too often (see above)."""
    places: dict[int, list[dict]] = {}
    counted = 0
    for question in questions:
        if question["type"] not in ("single", "truefalse"):
            continue
        right = [i for i, c in enumerate(question.get("choices", [])) if c["correct"]]
        if len(right) == 1:
            counted += 1
            places.setdefault(right[0], []).append(question)
    if counted < POSITION_MIN_QUESTIONS:
        return
    place, same = max(places.items(), key=lambda item: len(item[1]))
    if len(same) > POSITION_MAX_SHARE * counted:
        problems.warning(path, same[0]["line"], _l(
            "the right answer is choice %(place)d in %(n)d of the %(total)d single-choice and "
            "true/false questions (%(ids)s): a trainee who always picks that place passes "
            "without knowing; move the right answers around (at most half in one place)",
            place=place + 1, n=len(same), total=counted,
            ids=", ".join(q["id"] for q in same)))


def draw_questions(questions: list[dict], draw: dict[str, int], rng) -> list[dict]:
    """The questions of one attempt: N at random per drawn tag, plus every undrawn question."""
    if not draw:
        return list(questions)
    chosen: set[str] = set()
    for tag, count in draw.items():
        pool = [q["id"] for q in questions if tag in q["tags"] and q["id"] not in chosen]
        chosen.update(rng.sample(pool, min(count, len(pool))))
    drawn_tags = set(draw)
    return [q for q in questions
            if q["id"] in chosen or not drawn_tags.intersection(q["tags"])]


def parse_quiz_body(body: str, first_line: int, path: str, problems: Problems,
                    resolve: Resolver) -> tuple[str, list[dict]]:
    """Return (intro HTML, questions) from a quiz body."""
    intro, blocks = _blocks(body, first_line, _QUESTION, path, problems, "## Question <id>")
    questions, seen = [], {}
    for qid, line, lines in blocks:
        if qid in seen:
            problems.error(path, line, _l("duplicate question id '%(id)s' (first at line "
                                          "%(first)d)", id=qid, first=seen[qid]))
            continue
        seen[qid] = line
        question = _parse_question(qid, line, lines, path, problems, resolve)
        if question:
            questions.append(question)
    if not blocks:
        problems.error(path, first_line, _l("the quiz has no question ('## Question <id>')"))
    return render_markdown(intro, resolve), questions


def parse_practical_body(body: str, first_line: int, path: str, problems: Problems,
                         resolve: Resolver) -> tuple[str, list[dict]]:
    """Return (description HTML, rubric criteria) from a practical assessment body."""
    intro, blocks = _blocks(body, first_line, _CRITERION, path, problems,
                            _l("## Criterion <id>"))
    criteria, seen = [], set()
    for cid, line, lines in blocks:
        if cid in seen:
            problems.error(path, line, _l("duplicate criterion id '%(id)s'", id=cid))
            continue
        seen.add(cid)
        criterion = parse_criterion(cid, line, lines, path, problems, resolve)
        if criterion is not None:
            criteria.append(criterion)
    if not blocks:
        problems.error(path, first_line, _l("the practical assessment has no criterion "
                                            "('## Criterion <id>')"))
    return render_markdown(intro, resolve), criteria


def _blocks(body, first_line, heading, path, problems, expected):
    """Split a body into an intro and (id, line, [(line, text)]) blocks at `heading`."""
    intro, blocks = [], []
    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        match = heading.match(raw)
        if match:
            blocks.append((match.group(1), number, []))
        elif raw.startswith("## ") or raw.startswith("##\t"):
            problems.error(path, number, _l("bad heading '%(heading)s': expected '%(expected)s'",
                                            heading=raw.strip(), expected=expected))
            blocks.append((None, number, []))
        elif blocks:
            blocks[-1][2].append((number, raw))
        else:
            intro.append(raw)
    return "\n".join(intro), [b for b in blocks if b[0] is not None]


def _parse_question(qid, line, lines, path, problems, resolve):
    attrs, stem, choices, index = {}, [], [], 0
    while index < len(lines) and _ATTR.match(lines[index][1]):
        number, raw = lines[index]
        key, value = _ATTR.match(raw).groups()
        if key not in QUESTION_KEYS:
            problems.error(path, number, _l("unknown question key '%(key)s'", key=key))
        attrs[key] = (value, number)
        index += 1
    qtype, type_line = attrs.get("type", (None, line))
    marking = next((at for at in range(index, len(lines)) if MARKING.match(lines[at][1])),
                   len(lines))
    pairs: list[dict] = []
    for number, raw in lines[index:marking]:
        choice = _CHOICE.match(raw)
        feedback = _FEEDBACK.match(raw)
        pair = _PAIR.match(raw) if qtype == "matching" else None
        if pair and not choice:
            pairs.append({"item": pair.group(1), "answer": pair.group(2), "line": number})
        elif pairs and raw.strip():
            problems.error(path, number, _l("text after the pairs: put the question text "
                                            "before the list of pairs ('- item -> answer')"))
        elif choice:
            choices.append({"correct": choice.group(1) != " ", "text": choice.group(2),
                            "feedback": [], "line": number})
        elif choices and feedback:
            choices[-1]["feedback"].append(feedback.group(1))
        elif choices and raw.startswith("  ") and raw.strip():
            choices[-1]["text"] += " " + raw.strip()
        elif choices and raw.strip():
            problems.error(path, number, _l("text after the choices: put the question text "
                                            "before the list of choices"))
        elif not choices:
            stem.append(raw)
    if qtype is None:
        problems.error(path, line, _l("question '%(id)s' has no 'type:' line", id=qid))
        return None
    if qtype not in QUESTION_TYPES:
        problems.error(path, type_line, _l("unknown question type '%(type)s'; use one of "
                                           "%(types)s", type=qtype,
                                           types=", ".join(QUESTION_TYPES)))
        return None
    points = 1.0
    if "points" in attrs:
        value, number = attrs["points"]
        points = _number(value, path, number, problems, "points")
        if points is None:
            return None
        if points <= 0:
            problems.error(path, number, _l("points must be more than 0"))
    if not "\n".join(stem).strip():
        problems.error(path, line, _l("question '%(id)s' has no text", id=qid))
    question = {
        "id": qid, "type": qtype, "points": points, "line": line,
        "stem_html": render_markdown("\n".join(stem), resolve),
        "tags": [t.strip() for t in attrs.get("tags", ("", 0))[0].split(",") if t.strip()],
        "feedback_html": render_markdown(attrs["feedback"][0], inline=True)
        if "feedback" in attrs else "",
    }
    if qtype == "matching":
        _check_pairs(question, pairs, choices, path, problems)
    else:
        _check_choices(question, choices, attrs, path, problems)
    if marking < len(lines):
        parse_marking(question, lines[marking:], path, problems, resolve)
    return question


def _check_choices(question, choices, attrs, path, problems):
    qid, qtype, line = question["id"], question["type"], question["line"]
    correct = sum(c["correct"] for c in choices)
    if qtype in ("single", "multiple", "truefalse"):
        question["choices"] = [
            {"html": render_markdown(c["text"], inline=True), "correct": c["correct"],
             "feedback_html": render_markdown(" ".join(c["feedback"]), inline=True)}
            for c in choices]
        if len(choices) < 2:
            problems.error(path, line, _l("question '%(id)s' needs at least two choices",
                                          id=qid))
        if qtype == "truefalse" and len(choices) != 2:
            problems.error(path, line, _l("true/false question '%(id)s' must have exactly two "
                                          "choices", id=qid))
        if correct == 0:
            problems.error(path, line, _l("question '%(id)s' has no correct answer: mark one "
                                          "choice with [x]", id=qid))
        elif correct > 1 and qtype != "multiple":
            second = [c["line"] for c in choices if c["correct"]][1]
            problems.error(path, second, _l("question '%(id)s' (type: %(type)s) has more than "
                                            "one choice marked correct", id=qid, type=qtype))
    elif qtype == "short":
        question["accepted"] = [c["text"] for c in choices if c["correct"]]
        match, number = attrs.get("match", ("loose", line))
        if match not in ("loose", "exact"):
            problems.error(path, number, _l("match must be 'loose' or 'exact'"))
        question["match"] = match
        if not question["accepted"]:
            problems.error(path, line, _l("short-answer question '%(id)s' has no accepted "
                                          "answer ('- [x] answer')", id=qid))
    elif qtype == "numeric":
        if "answer" not in attrs:
            problems.error(path, line, _l("numeric question '%(id)s' has no 'answer:' line",
                                          id=qid))
            return
        value, number = attrs["answer"]
        question["answer"] = _number(value, path, number, problems, "answer", float("-inf"))
        tol, tol_line = attrs.get("tolerance", ("0", number))
        question["tolerance"] = _number(tol, path, tol_line, problems, "tolerance") or 0.0
        if choices:
            problems.error(path, line, _l("numeric question '%(id)s' takes 'answer:', not "
                                          "choices", id=qid))
    elif qtype == "essay" and choices:
        problems.error(path, line, _l("essay question '%(id)s' cannot have choices: a trainer "
                                      "grades it", id=qid))


def _plain_text(markdown: str) -> str:
    """The words of one line of Markdown, without formatting (a <select> shows only text)."""
    import nh3

    return " ".join(html.unescape(nh3.clean(render_markdown(markdown, inline=True),
                                            tags=set())).split())


def _check_pairs(question, pairs, choices, path, problems):
    """Matching: `- item -> answer` lines; `- -> answer` adds a wrong answer to choose from."""
    qid, line = question["id"], question["line"]
    if choices:
        problems.error(path, choices[0]["line"], _l("matching question '%(id)s' takes pairs "
                                                    "('- item -> answer'), not choices", id=qid))
    answers: list[str] = []
    question["pairs"], question["answers"] = [], answers
    seen: dict[str, int] = {}
    for pair in pairs:
        text = _plain_text(pair["answer"])
        if not text:
            problems.error(path, pair["line"], _l("a pair needs an answer after '->'"))
            continue
        if text not in answers:
            answers.append(text)
        if not pair["item"]:
            continue
        item = _plain_text(pair["item"])
        if item in seen:
            problems.error(path, pair["line"], _l("the item '%(item)s' is already paired at "
                                                  "line %(line)d", item=item, line=seen[item]))
            continue
        seen[item] = pair["line"]
        question["pairs"].append({"html": render_markdown(pair["item"], inline=True),
                                  "answer": answers.index(text)})
    if len(question["pairs"]) < 2:
        problems.error(path, line, _l("matching question '%(id)s' needs at least two pairs "
                                      "('- item -> answer')", id=qid))
