"""Read a Moodle GIFT file into the curriculum's Markdown quiz format.

Follows Moodle's own importer (question/format/gift/format.php): questions are separated by
blank lines, `//` lines are comments, `::title::` names a question, `[html]`, `[moodle]`,
`[plain]` or `[markdown]` gives the format of a text, and the answer block `{...}` decides the
type: empty is an essay, `#` numeric, any `~` multiple choice, `=a -> b` matching, T/F
true/false, otherwise short answer. Text after the answer block makes a missing-word question:
its text shows a blank `_____` where the answers were.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.assessment.gift.markup import escape_markdown, to_markdown
from lms.assessment.gift.syntax import (
    BLANK,
    feedback_split,
    find,
    rfind,
    split,
    text_format,
    unescape,
)
from lms.i18n import Message
from lms.i18n import lazy_message as _l

LABELS = {"fr": ("Vrai", "Faux"), "en": ("True", "False")}
IMAGE_TEXT = {"fr": "(image : {alt})", "en": "(image: {alt})"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")
_MOODLE_TAG = re.compile(r"\[tag:((?:\\]|[^\]<>`])+)\]")


@dataclass
class GiftProblem:
    """Something in a GIFT file that could not be converted, at a line.

    The message is translated when shown (`str(problem.message)`), in the reader's language.
    """

    line: int
    message: Message

    @property
    def text(self) -> str:
        """The message in the current language."""
        return str(self.message)

    def __str__(self) -> str:
        return _("line %(n)s: %(message)s", n=self.line, message=self.message)


@dataclass
class GiftResult:
    """The Markdown quiz text and what could not be converted."""

    markdown: str
    converted: int
    problems: list[GiftProblem] = field(default_factory=list)


class _Unsupported(Exception):
    """A question that cannot be converted; `message` says why."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


def _about(qid: str, message: Message) -> Message:
    """A message about question `qid`."""
    return _l("question '%(id)s': %(message)s", id=qid, message=message)


def _slug(text: str) -> str:
    bare = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in bare if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", bare).strip("-")[:40]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _number(value: float) -> str:
    return format(value, ".12g")


# The file ---------------------------------------------------------------------------------------

@dataclass
class _Block:
    """The lines of one question, with the comment lines written before or inside it."""

    line: int
    lines: list[str]
    comments: list[str]


def _blocks(text: str):
    """Yield each question as a _Block, and category changes as ('$', name)."""
    block: _Block | None = None
    comments: list[str] = []
    blank = False
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            (block.comments if block else comments).append(stripped)
            continue
        if stripped.upper().startswith("$CATEGORY:"):
            if block:
                yield block
                block = None
            comments = []
            yield "$", stripped.split(":", 1)[1].strip()
            continue
        # A blank line ends a question once its answers are closed; a title after a blank line
        # starts a new one even if they are not (the broken question alone is reported).
        title = stripped.startswith("::")
        if block and (not stripped or title) and (
                title and blank or _balanced("\n".join(block.lines))):
            yield block
            block = None
        blank = not stripped
        if blank:
            continue
        if block is None:
            block, comments = _Block(number, [], comments), []
        block.lines.append(raw)
    if block:
        yield block


def _balanced(text: str) -> bool:
    """A question ends (at a blank line or a new title) only once its answer block is closed."""
    opened = find(text, "{")
    return opened < 0 or find(text, "}", opened) >= 0


def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = text.decode("cp1252")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_gift(text: str | bytes, title: str = "", lang: str = "fr") -> GiftResult:
    """Convert a GIFT file (any line endings, optional BOM) to a Markdown quiz."""
    problems: list[GiftProblem] = []
    questions: list[str] = []
    ids: set[str] = set()
    category = ""
    blocks: list[tuple[str, _Block]] = []
    for entry in _blocks(_decode(text)):
        if isinstance(entry, tuple):
            category = entry[1].replace("$course$/", "").replace("$system$/", "").split("/")[-1]
        else:
            blocks.append((category, entry))
    categories = list(dict.fromkeys(category for category, _block in blocks if category))
    for category, block in blocks:
        # Categories tell questions apart for question pools: one for all of them says nothing.
        tag = _slug(category).lower() if len(categories) > 1 else ""
        try:
            questions.append(_Question(block, lang, problems).markdown(tag, ids))
        except _Unsupported as exc:
            problems.append(GiftProblem(block.line, exc.message))
    category_title = categories[0] if categories else ""
    title = title or category_title or ("Quiz importé" if lang == "fr" else "Imported quiz")
    head = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nkind: quiz\n---\n"
    return GiftResult(head + "".join(questions), len(questions), problems)


# One question -----------------------------------------------------------------------------------

class _Question:
    """Converts one GIFT question; problems are reported at its first line."""

    def __init__(self, block: _Block, lang: str, problems: list[GiftProblem]):
        self.block, self.lang, self.problems = block, lang, problems
        self.qid = ""
        self.images: list[str] = []

    def report(self, message: Message) -> None:
        self.problems.append(GiftProblem(self.block.line, _about(self.qid, message)))

    def unsupported(self, message: Message) -> _Unsupported:
        """The question cannot be converted, for the reason `message`."""
        return _Unsupported(_about(self.qid, message))

    def md(self, raw: str, default: str, inline: bool = False) -> str:
        """A GIFT text (with its optional [format]) as Markdown."""
        fmt, body = text_format(raw.strip(), default)
        image_text = IMAGE_TEXT.get(self.lang, IMAGE_TEXT["en"])
        result = to_markdown(unescape(body).strip(), fmt, inline, image_text)
        self.images += result.images
        return result.text

    @staticmethod
    def text_only(raw: str, default: str) -> str:
        """A GIFT text as plain words (short answers are compared as typed)."""
        fmt, body = text_format(raw.strip(), default)
        body = unescape(body)
        if fmt in ("html", "moodle") and "<" in body:
            import nh3

            body = html.unescape(nh3.clean(body, tags=set()))
        return _one_line(body)

    def markdown(self, tag: str, ids: set[str]) -> str:
        text, name = "\n".join(self.block.lines).strip(), ""
        if text.startswith("::"):
            end = find(text, "::", 2)
            if end < 0:
                raise _Unsupported(_l("the title opened with '::' is never closed"))
            name, text = unescape(text[2:end]).strip(), text[end + 2:].strip()
        fmt, text = text_format(text, "moodle")
        opened = find(text, "{")
        if opened < 0:
            raise _Unsupported(_l("a description without answers ('{...}') cannot be "
                                  "converted; put the text in the quiz introduction"))
        closed = find(text, "}", opened)
        if closed < 0:
            raise _Unsupported(_l("the answers opened with '{' are never closed with '}'"))
        inside, after = text[opened + 1:closed].strip(), text[closed + 1:]
        if find(after, "{") >= 0:
            raise _Unsupported(_l("a question can have only one answer block '{...}' "
                                  "(several blanks are Moodle's Cloze format, not GIFT)"))
        blank = BLANK if fmt != "markdown" else escape_markdown(BLANK)
        stem_raw = text[:opened] + blank + after if after.strip() else text[:opened]
        slug = _slug(name)
        self.qid = slug if slug and slug not in ids else next(
            f"q{n}" for n in range(1, 10_000) if f"q{n}" not in ids)
        general = ""
        general_at = rfind(inside, "####")
        if general_at >= 0:
            general = self.md(inside[general_at + 4:], fmt, inline=True)
            inside = inside[:general_at].strip()
        stem = self.md(stem_raw, fmt)
        if not stem.strip():
            raise _Unsupported(_l("question '%(id)s' has no text", id=self.qid))
        qtype, attrs, lines = self.answers(inside, fmt)
        ids.add(self.qid)
        tags = [tag] if tag else []
        for comment in self.block.comments:
            tags += [_slug(t.replace("\\]", "]")).lower() for t in _MOODLE_TAG.findall(comment)]
        tags = [t for i, t in enumerate(tags) if t and t not in tags[:i]]
        if self.images:
            self.report(_l("images are not part of a GIFT file; their description is shown "
                           "instead (%(images)s): add the images to the lesson",
                           images=", ".join(self.images)))
        head = [f"\n## Question {self.qid}", f"type: {qtype}", *attrs]
        if tags:
            head.append(f"tags: {', '.join(tags)}")
        if general:
            head.append(f"feedback: {general}")
        return "\n".join([*head, "", stem, "", *lines]).rstrip("\n") + "\n"

    def answers(self, inside: str, fmt: str) -> tuple[str, list[str], list[str]]:
        """(type, attribute lines, answer lines) from the text between the braces."""
        if not inside:
            return "essay", [], []
        if inside.startswith("#"):
            return self.numeric(inside[1:])
        parts = split(inside, "=~")
        if any(sep == "~" for sep, _raw in parts):
            return self.choice(parts, fmt)
        if "->" in inside and any(sep == "=" for sep, _raw in parts):
            return self.matching(parts, fmt)
        truth, _sep, _rest = inside.partition("#")
        if truth.strip().upper() in _TRUE + _FALSE:
            return self.truefalse(inside, fmt)
        return self.short(split(inside, "="), fmt)

    def truefalse(self, inside: str, fmt: str) -> tuple[str, list[str], list[str]]:
        parts = split(inside, "#")
        true = parts[0][1].strip().upper() in _TRUE
        feedbacks = [self.md(text, fmt, inline=True) for _sep, text in parts[1:3]]
        wrong_fb = feedbacks[0] if feedbacks else ""
        right_fb = feedbacks[1] if len(feedbacks) > 1 else ""
        yes, no = LABELS.get(self.lang, LABELS["en"])
        lines = [f"- [{'x' if true else ' '}] {yes}", *_fb(right_fb if true else wrong_fb),
                 f"- [{' ' if true else 'x'}] {no}", *_fb(wrong_fb if true else right_fb)]
        return "truefalse", [], lines

    def short(self, parts: list[tuple[str, str]], fmt: str) -> tuple[str, list[str], list[str]]:
        accepted, left_out, feedback = [], 0, False
        for _sep, raw in parts:
            raw = raw.strip()
            weight, raw = _weight(raw, 100.0)
            text, fb = feedback_split(raw)
            text = self.text_only(text, fmt)
            feedback = feedback or bool(fb.strip())
            if weight >= 100 and text:
                accepted.append(text)
            else:
                left_out += 1
        if not accepted:
            raise self.unsupported(_l("no short answer gives full credit"))
        if left_out:
            self.report(_l("answers giving less than full credit were left out; only "
                           "full-credit answers are accepted"))
        if any("*" in a for a in accepted):
            self.report(_l("Moodle's wildcard '*' is not supported: the answer must be typed "
                           "exactly as written"))
        if feedback:
            self.report(_l("per-answer feedback of a short-answer question was left out"))
        return "short", [], [f"- [x] {a}" for a in accepted]

    def choice(self, parts: list[tuple[str, str]], fmt: str) -> tuple[str, list[str], list[str]]:
        single = any(sep == "=" for sep, _raw in parts)
        answers = []
        for sep, raw in parts:
            raw = raw.strip()
            if not sep:
                self.report(_l("'%(text)s' before the first '~' or '=' is taken as a wrong "
                               "answer, as Moodle does", text=_one_line(raw)))
            weight, raw = _weight(raw, 100.0 if sep == "=" else 0.0)
            if sep == "=":
                weight = 100.0
            text, fb = feedback_split(raw)
            words = self.md(text, fmt, inline=True)
            if not words:
                raise self.unsupported(_l("an answer has no text (an image without a "
                                          "description?); write the answer in words"))
            answers.append({"weight": weight, "text": words,
                            "feedback": self.md(fb, fmt, inline=True)})
        if len(answers) < 2:
            raise self.unsupported(_l("a multiple-choice question needs at least two "
                                      "answers"))
        if single:
            full = [a for a in answers if a["weight"] >= 100]
            if len(full) > 1:
                self.report(_l("more than one answer gives full credit; only the first is "
                               "marked correct"))
            if any(0 < a["weight"] < 100 for a in answers):
                self.report(_l("partial-credit answers count as wrong: a single-answer "
                               "question gives full credit or none"))
            for a in answers:
                a["correct"] = a is full[0]
            qtype = "single"
        else:
            correct = [a for a in answers if a["weight"] > 0]
            if not correct:
                raise self.unsupported(_l("no answer has a positive weight"))
            share = 100 / len(correct)
            if any(abs(a["weight"] - share) > 0.01 for a in correct) or any(
                    a["weight"] < 0 and abs(a["weight"] + share) > 0.01 for a in answers):
                self.report(_l("weights became equal shares: each right choice ticked earns "
                               "1/%(n)d of the points, each wrong one loses as much",
                               n=len(correct)))
            for a in answers:
                a["correct"] = a["weight"] > 0
            qtype = "multiple"
        lines = []
        for a in answers:
            lines.append(f"- [{'x' if a['correct'] else ' '}] {a['text']}")
            lines += _fb(a["feedback"])
        return qtype, [], lines

    def matching(self, parts: list[tuple[str, str]], fmt: str
                 ) -> tuple[str, list[str], list[str]]:
        lines, items = [], 0
        for _sep, raw in parts:
            at = raw.find("->")
            if at < 0:
                raise self.unsupported(_l("'%(pair)s' has no '->': each pair of a matching "
                                          "question is '=item -> answer'",
                                          pair=_one_line(unescape(raw))))
            item = self.md(raw[:at], fmt, inline=True).replace("->", "-\\>")
            if raw[:at].strip() and not item:
                raise self.unsupported(_l("an item has no text (an image without a "
                                          "description?); write the item in words"))
            answer = escape_markdown(_one_line(unescape(raw[at + 2:])))
            if not answer:
                raise self.unsupported(_l("the pair '%(pair)s' has no answer after '->'",
                                          pair=_one_line(raw)))
            items += bool(item)
            lines.append(f"- {item} -> {answer}" if item else f"- -> {answer}")
        if items < 2:
            raise self.unsupported(_l("a matching question needs at least two pairs"))
        return "matching", [], lines

    def numeric(self, inside: str) -> tuple[str, list[str], list[str]]:
        tilde = find(inside, "~")  # Moodle: '~#text' is the feedback for any other number
        feedback = tilde >= 0
        if feedback:
            inside = inside[:tilde]
        parts = split(inside, "=") if inside.lstrip().startswith("=") else [("=", inside)]
        choices = []
        for _sep, raw in parts:
            raw, fb = feedback_split(raw.strip())
            feedback = feedback or bool(fb.strip())
            weight, raw = _weight(raw.strip(), 100.0)
            raw = unescape(raw).strip()
            ranged = re.fullmatch(rf"({_NUMBER})\s*\.\.\s*({_NUMBER})", raw)
            tolerant = re.fullmatch(rf"({_NUMBER})(?:\s*:\s*({_NUMBER}))?", raw)
            if ranged:
                low, high = sorted((float(ranged.group(1)), float(ranged.group(2))))
                choices.append((weight, (low + high) / 2, (high - low) / 2))
            elif tolerant:
                choices.append((weight, float(tolerant.group(1)),
                                abs(float(tolerant.group(2) or 0))))
            else:
                raise self.unsupported(_l("'%(value)s' is not a number, 'n:tolerance' or "
                                          "'low..high'", value=raw))
        full = [c for c in choices if c[0] >= 100]
        if not full:
            raise self.unsupported(_l("no full-credit numeric answer"))
        if len(choices) > 1:
            self.report(_l("only the first full-credit number was kept"))
        if feedback:
            self.report(_l("per-answer feedback of a numeric question was left out"))
        _full, answer, tolerance = full[0]
        return "numeric", [f"answer: {_number(answer)}", f"tolerance: {_number(tolerance)}"], []


def _weight(raw: str, default: float) -> tuple[float, str]:
    """A leading '%50%' weight and the text after it."""
    match = _WEIGHT.match(raw)
    if match:
        return float(match.group(1)), raw[match.end():]
    return default, raw


def _fb(text: str) -> list[str]:
    return [f"  > {text}"] if text else []
