"""Moodle GIFT files: convert them to the curriculum's Markdown quiz format, and back.

Supported: multiple choice (=/~, weights ~%50% make a multiple-answer question), true/false,
short answer, numeric (tolerance and ranges), essay, per-answer and general feedback, titles,
comments, categories (become tags), escaped characters and the [html]/[markdown]/[plain]/[moodle]
formats. Matching and missing-word questions have no equivalent in the Markdown format: they
are reported by line and left out.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field

import nh3

ESCAPABLE = "~=#{}:"
_TF = re.compile(r"^(T|F|TRUE|FALSE)\s*(#.*)?$", re.S)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.I)
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
LABELS = {"fr": ("Vrai", "Faux"), "en": ("True", "False")}


@dataclass
class GiftProblem:
    """Something in a GIFT file that could not be converted, at a line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class GiftResult:
    """The Markdown quiz text and what could not be converted."""

    markdown: str
    converted: int
    problems: list[GiftProblem] = field(default_factory=list)


# Reading GIFT ------------------------------------------------------------------------------------

def _find(text: str, token: str, start: int = 0) -> int:
    """Index of the first unescaped `token` at or after `start`, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(token, index):
            return index
        index += 1
    return -1


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator, text after it), ...]."""
    parts: list[tuple[str, str]] = []
    current, sep, index = [], "", 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text):
            current.append(text[index:index + 2])
            index += 2
            continue
        if ch in separators:
            if sep or "".join(current).strip():
                parts.append((sep, "".join(current)))
            current, sep = [], ch
        else:
            current.append(ch)
        index += 1
    if sep or "".join(current).strip():
        parts.append((sep, "".join(current)))
    return parts


def unescape(text: str) -> str:
    """GIFT escapes: \\: \\= \\~ \\# \\{ \\} \\\\ and \\n (a new line)."""
    out, index = [], 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            out.append("\n" if nxt == "n" else nxt if nxt in ESCAPABLE + "\\" else ch + nxt)
            index += 2
            continue
        out.append(ch)
        index += 1
    return "".join(out)


def _plain(text: str, fmt: str) -> str:
    """Text of a GIFT field in Markdown: HTML is reduced to its text."""
    text = unescape(text).strip()
    if fmt == "html":
        text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</div>", "\n", text)
        text = html.unescape(nh3.clean(text, tags=set()))
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _feedback(text: str) -> tuple[str, str]:
    """Split 'answer#feedback' at the first unescaped '#'."""
    at = _find(text, "#")
    if at < 0:
        return text, ""
    return text[:at], text[at + 1:]


def _slug(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in bare if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", bare).strip("-")[:40]


def _blocks(text: str):
    """Yield (first line, [lines]) of each question, and category changes as ('$', line, name)."""
    block, start = [], 0
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            continue
        if stripped.upper().startswith("$CATEGORY:"):
            if block:
                yield start, block
                block = []
            yield "$", number, stripped.split(":", 1)[1].strip()
            continue
        if not stripped:
            if block and _balanced("\n".join(block)):
                yield start, block
                block = []
            continue
        if not block:
            start = number
        block.append(raw)
    if block:
        yield start, block


def _balanced(text: str) -> bool:
    """A question ends at a blank line only once its answer braces are closed."""
    opened = _find(text, "{")
    return opened < 0 or _find(text, "}", opened) >= 0


def parse_gift(text: str | bytes, title: str = "", lang: str = "fr") -> GiftResult:
    """Convert a GIFT file (any line endings, optional BOM) to a Markdown quiz."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = text.decode("cp1252")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    problems: list[GiftProblem] = []
    questions: list[str] = []
    ids: set[str] = set()
    tag = category_title = ""
    for entry in _blocks(text):
        if entry[0] == "$":
            _sep, _line, name = entry
            leaf = name.replace("$course$/", "").replace("$system$/", "").split("/")[-1]
            category_title = category_title or leaf
            tag = _slug(leaf).lower()
            continue
        line, lines = entry
        try:
            questions.append(_question(line, "\n".join(lines), tag, ids, lang, problems))
        except _Unsupported as exc:
            problems.append(GiftProblem(line, str(exc)))
    title = title or category_title or ("Quiz importé" if lang == "fr" else "Imported quiz")
    head = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nkind: quiz\n---\n"
    return GiftResult(head + "".join(questions), len(questions), problems)


class _Unsupported(Exception):
    pass


def _question(line: int, text: str, tag: str, ids: set[str], lang: str,
              problems: list[GiftProblem]) -> str:
    name = ""
    if text.lstrip().startswith("::"):
        text = text.lstrip()[2:]
        end = _find(text, "::")
        if end < 0:
            raise _Unsupported("the title opened with '::' is never closed")
        name, text = unescape(text[:end]).strip(), text[end + 2:]
    fmt = "moodle"
    match = _FORMAT.match(text)
    if match:
        fmt, text = match.group(1).lower(), text[match.end():]
    opened = _find(text, "{")
    if opened < 0:
        raise _Unsupported("a description without answers ('{...}') cannot be converted; "
                           "put the text in the quiz introduction")
    closed = _find(text, "}", opened)
    if closed < 0:
        raise _Unsupported("the answers opened with '{' are never closed with '}'")
    before, inside, after = text[:opened], text[opened + 1:closed], text[closed + 1:]
    if after.strip():
        raise _Unsupported("missing-word questions (text after the answers) are not supported: "
                           "move the answers to the end of the question")
    answer_fmt = fmt
    match = _FORMAT.match(inside)
    if match:
        answer_fmt, inside = match.group(1).lower(), inside[match.end():]
    stem = _plain(before, fmt)
    if not stem:
        raise _Unsupported("the question has no text")
    qid = _slug(name) if name and _slug(name) and _slug(name) not in ids else ""
    qid = qid or next(f"q{n}" for n in range(1, 10_000) if f"q{n}" not in ids)
    ids.add(qid)
    general_at = _find(inside, "####")
    general = ""
    if general_at >= 0:
        inside, general = inside[:general_at], _plain(inside[general_at + 4:], answer_fmt)
    body = _answers(line, qid, inside.strip(), answer_fmt, lang, problems)
    attrs = [f"type: {body[0]}"]
    attrs += body[1]
    if tag:
        attrs.append(f"tags: {tag}")
    if general:
        attrs.append(f"feedback: {_one_line(general)}")
    out = [f"\n## Question {qid}", *attrs, "", _markdown_block(stem), ""]
    out += body[2]
    return "\n".join(out).rstrip("\n") + "\n"


def _answers(line, qid, inside, fmt, lang, problems) -> tuple[str, list[str], list[str]]:
    """(type, attribute lines, answer lines) from the text between the braces."""
    if not inside:
        return "essay", [], []
    if inside.startswith("#"):
        return _numeric(line, qid, inside[1:], problems)
    tf = _TF.match(inside)
    if tf:
        true = tf.group(1) in ("T", "TRUE")
        feedbacks = [_plain(f, fmt) for _sep, f in _split(tf.group(2) or "", "#")]
        wrong_fb = feedbacks[0] if feedbacks else ""
        right_fb = feedbacks[1] if len(feedbacks) > 1 else ""
        yes, no = LABELS.get(lang, LABELS["en"])
        lines = [f"- [{'x' if true else ' '}] {yes}", *_fb(right_fb if true else wrong_fb),
                 f"- [{' ' if true else 'x'}] {no}", *_fb(wrong_fb if true else right_fb)]
        return "truefalse", [], lines
    answers = []
    for sep, raw in _split(inside, "=~"):
        if not sep:
            raise _Unsupported(f"question '{qid}': answers must start with '=' or '~'")
        if "->" in raw:
            raise _Unsupported("matching questions ('a -> b') are not supported by the "
                               "Markdown quiz format")
        weight = None
        match = _WEIGHT.match(raw.strip())
        if match:
            weight, raw = float(match.group(1)), raw.strip()[match.end():]
        text, fb = _feedback(raw)
        answers.append({"right": sep == "=", "weight": weight, "text": _one_line(_plain(text, fmt)),
                        "feedback": _plain(fb, fmt)})
    if not answers:
        return "essay", [], []
    if all(a["right"] for a in answers):
        accepted = [a for a in answers if a["weight"] is None or a["weight"] >= 100]
        if len(accepted) < len(answers):
            problems.append(GiftProblem(line, f"question '{qid}': partial-credit answers were "
                                              "left out; only full-credit answers are accepted"))
        if any(a["feedback"] for a in answers):
            problems.append(GiftProblem(line, f"question '{qid}': per-answer feedback of a "
                                              "short-answer question was left out"))
        return "short", [], [f"- [x] {a['text']}" for a in accepted]
    weighted = any(a["weight"] is not None for a in answers)
    for a in answers:
        a["correct"] = a["right"] or (a["weight"] or 0) > 0
    correct = [a for a in answers if a["correct"]]
    qtype = "multiple" if weighted or len(correct) > 1 else "single"
    if qtype == "multiple":
        positive = {round(a["weight"] or 100 / len(correct), 3) for a in correct}
        if len(positive) > 1:
            problems.append(GiftProblem(line, f"question '{qid}': unequal weights became equal "
                                              "shares for each correct choice"))
    lines = []
    for a in answers:
        lines.append(f"- [{'x' if a['correct'] else ' '}] {a['text']}")
        lines += _fb(a["feedback"])
    return qtype, [], lines


def _numeric(line, qid, inside, problems) -> tuple[str, list[str], list[str]]:
    parts = _split(inside, "=") if inside.lstrip().startswith("=") else [("=", inside)]
    choices = []
    for _sep, raw in parts:
        raw, _fb_text = _feedback(raw)
        raw = raw.strip()
        weight = 100.0
        match = _WEIGHT.match(raw)
        if match:
            weight, raw = float(match.group(1)), raw[match.end():].strip()
        ranged = re.fullmatch(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})", raw)
        tolerant = re.fullmatch(rf"({_NUMBER})(?:\s*:\s*({_NUMBER}))?", raw)
        if ranged:
            low, high = sorted((float(ranged.group(1)), float(ranged.group(2))))
            choices.append((weight, (low + high) / 2, (high - low) / 2))
        elif tolerant:
            choices.append((weight, float(tolerant.group(1)), float(tolerant.group(2) or 0)))
        else:
            raise _Unsupported(f"question '{qid}': '{raw}' is not a number, 'n:tolerance' or "
                               "'low..high'")
    full = [c for c in choices if c[0] >= 100]
    if not full:
        raise _Unsupported(f"question '{qid}': no full-credit numeric answer")
    if len(choices) > 1:
        problems.append(GiftProblem(line, f"question '{qid}': only the first full-credit number "
                                          "was kept"))
    _weight, answer, tolerance = full[0]
    return "numeric", [f"answer: {answer:g}", f"tolerance: {tolerance:g}"], []


def _fb(text: str) -> list[str]:
    return [f"  > {_one_line(text)}"] if text else []


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _markdown_block(text: str) -> str:
    """Keep stem lines from being read as headings, choices or 'key: value' lines."""
    lines = []
    for raw in text.split("\n"):
        if re.match(r"^(#|[-*+]\s|\d+[.)]\s)", raw):
            raw = "\\" + raw
        lines.append(raw)
    return "\n".join(lines)


# Writing GIFT ------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Escape GIFT's special characters."""
    text = text.replace("\\", "\\\\")
    for ch in ESCAPABLE:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def export_gift(quiz: dict, origin: str = "") -> str:
    """A quiz of a curriculum structure as GIFT text (texts in [html] format)."""
    out = []
    if origin:
        out.append(f"// {origin}")
    out.append(f"// {quiz['title']}")
    out.append("")
    for q in quiz["questions"]:
        head = f"::{q['id']}::[html]{escape(q['stem_html'].strip())}"
        answers = _export_answers(q)
        if q.get("feedback_html"):
            answers.append(f"\t####{escape(q['feedback_html'])}")
        out.append(head + " {" + ("\n" + "\n".join(answers) + "\n" if answers else "") + "}")
        out.append("")
    return "\n".join(out)


def _export_answers(q: dict) -> list[str]:
    kind = q["type"]
    if kind == "essay":
        return []
    if kind == "numeric":
        return [f"\t#{q['answer']:g}:{q.get('tolerance', 0):g}"]
    if kind == "short":
        return [f"\t={escape(a)}" for a in q["accepted"]]
    choices = q["choices"]

    def feedback(choice: dict) -> str:
        return f"#{escape(choice['feedback_html'])}" if choice.get("feedback_html") else ""

    if kind == "truefalse" and choices and choices[0]["correct"] != choices[1]["correct"]:
        true = choices[0]["correct"]
        right, wrong = (choices[0], choices[1]) if true else (choices[1], choices[0])
        first = feedback(wrong) or ("#" if feedback(right) else "")
        return [f"\t{'TRUE' if true else 'FALSE'}{first}{feedback(right)}"]
    if kind == "multiple":
        share = 100 / max(1, sum(c["correct"] for c in choices))
        return [f"\t~%{_weight(share if c['correct'] else -share)}%{escape(c['html'])}"
                f"{feedback(c)}" for c in choices]
    return [f"\t{'=' if c['correct'] else '~'}{escape(c['html'])}{feedback(c)}"
            for c in choices]


def read_markdown_quiz(text: str, path: str = "quiz.md") -> tuple[dict | None, list]:
    """Parse one Markdown quiz file as the curriculum checker does: (quiz, problems)."""
    from lms.curricula.frontmatter import split_front_matter
    from lms.curricula.problems import Problems
    from lms.curricula.quizfile import check_draw, parse_quiz_body, parse_settings

    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    problems = Problems()
    meta, body, first = split_front_matter(text, path, problems)
    settings = parse_settings(meta, path, problems)
    if settings["kind"] == "practical":
        problems.error(path, 2, "a practical assessment has no questions to export")
        return None, problems.items
    intro, questions = parse_quiz_body(body, first, path, problems, lambda href, line: None)
    check_draw(settings, questions, text, path, problems)
    quiz = {"title": str(meta.get("title", "")), "settings": settings, "intro_html": intro,
            "questions": questions}
    return (None if problems.errors else quiz), problems.items
