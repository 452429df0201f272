"""Read a Moodle GIFT file into the curriculum's Markdown quiz format.

Follows Moodle's own importer (question/format/gift/format.php): questions are separated by
blank lines, `//` lines are comments, `::title::` names a question, `[html]`, `[moodle]`,
`[plain]` or `[markdown]` gives the format of a text, and the answer block `{...}` decides the
type: empty is an essay, `#` numeric, any `~` multiple choice, `=a -> b` matching, T/F
true/false, otherwise short answer. Text after the answer block makes a missing-word question:
its text shows a blank `_____` where the answers were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.assessment.gift import build
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


class Unsupported(Exception):
    """A question that cannot be converted; `message` says why."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


def about_question(qid: str, message: Message) -> Message:
    """A message about question `qid`."""
    return _l("question '%(id)s': %(message)s", id=qid, message=message)


class QuestionConverter:
    """What every Moodle reader's question converter shares: its id, the images it met, and
    problems reported at the line where the question starts."""

    def __init__(self, line: int, lang: str, problems: list[GiftProblem]):
        self.line, self.lang, self.problems = line, lang, problems
        self.qid = ""
        self.renamed: Message | None = None
        self.images: list[str] = []

    def report(self, message: Message, line: int | None = None) -> None:
        """Report something changed or left out, at the question's line or at `line`."""
        self.problems.append(GiftProblem(line or self.line, about_question(self.qid, message)))

    def choose_id(self, title: str, ids: dict[str, int]) -> None:
        """Take the question's id from its title; the renaming is reported once it converts."""
        self.qid, self.renamed = build.new_id(title, ids)

    def keep_id(self, ids: dict[str, int]) -> None:
        """Record the converted question's id, and report how it differs from the title."""
        ids[self.qid] = self.line
        if self.renamed is not None:
            self.report(self.renamed)

    def unsupported(self, message: Message) -> Unsupported:
        """The question cannot be converted, for the reason `message`."""
        return Unsupported(about_question(self.qid, message))


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
    ids: dict[str, int] = {}
    category = ""
    blocks: list[tuple[str, _Block]] = []
    for entry in _blocks(_decode(text)):
        if isinstance(entry, tuple):
            category = build.category_name(entry[1])
        else:
            blocks.append((category, entry))
    categories = list(dict.fromkeys(category for category, _block in blocks if category))
    for category, block in blocks:
        # Categories tell questions apart for question pools: one for all of them says nothing.
        tag = build.slug(category).lower() if len(categories) > 1 else ""
        try:
            questions.append(_Question(block, lang, problems).markdown(tag, ids))
        except Unsupported as exc:
            problems.append(GiftProblem(block.line, exc.message))
    category_title = categories[0] if categories else ""
    title = title or category_title or build.default_title(lang)
    return GiftResult(build.quiz_head(title) + "".join(questions), len(questions), problems)


# One question -----------------------------------------------------------------------------------

class _Question(QuestionConverter):
    """Converts one GIFT question; problems are reported at its first line."""

    def __init__(self, block: _Block, lang: str, problems: list[GiftProblem]):
        super().__init__(block.line, lang, problems)
        self.block = block

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
        return build.plain_words(unescape(body), fmt)

    def markdown(self, tag: str, ids: dict[str, int]) -> str:
        text, name = "\n".join(self.block.lines).strip(), ""
        if text.startswith("::"):
            end = find(text, "::", 2)
            if end < 0:
                raise Unsupported(_l("the title opened with '::' is never closed"))
            name, text = unescape(text[2:end]).strip(), text[end + 2:].strip()
        fmt, text = text_format(text, "moodle")
        opened = find(text, "{")
        if opened < 0:
            raise Unsupported(_l("a description without answers ('{...}') cannot be "
                                  "converted; put the text in the quiz introduction"))
        closed = find(text, "}", opened)
        if closed < 0:
            raise Unsupported(_l("the answers opened with '{' are never closed with '}'"))
        inside, after = text[opened + 1:closed].strip(), text[closed + 1:]
        if find(after, "{") >= 0:
            raise Unsupported(_l("a question can have only one answer block '{...}' "
                                  "(several blanks are Moodle's Cloze format, not GIFT)"))
        blank = BLANK if fmt != "markdown" else escape_markdown(BLANK)
        stem_raw = text[:opened] + blank + after if after.strip() else text[:opened]
        self.choose_id(name, ids)
        general = ""
        general_at = rfind(inside, "####")
        if general_at >= 0:
            general = self.md(inside[general_at + 4:], fmt, inline=True)
            inside = inside[:general_at].strip()
        stem = self.md(stem_raw, fmt)
        if not stem.strip():
            raise Unsupported(_l("question '%(id)s' has no text", id=self.qid))
        qtype, attrs, lines = self.answers(inside, fmt)
        self.keep_id(ids)
        tags = [tag] if tag else []
        for comment in self.block.comments:
            tags += [build.slug(t.replace("\\]", "]")).lower()
                     for t in _MOODLE_TAG.findall(comment)]
        if self.images:
            self.report(_l("images are not part of a GIFT file; their description is shown "
                           "instead (%(images)s): add the images to the lesson",
                           images=", ".join(self.images)))
        return build.question_block(self.qid, qtype, attrs, tags, general, stem, lines)

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
        labels = LABELS.get(self.lang, LABELS["en"])
        return "truefalse", [], build.truefalse_lines(true, labels, right_fb, wrong_fb)

    def short(self, parts: list[tuple[str, str]], fmt: str) -> tuple[str, list[str], list[str]]:
        answers, feedback = [], False
        for _sep, raw in parts:
            weight, raw = _weight(raw.strip(), 100.0)
            text, fb = feedback_split(raw)
            feedback = feedback or bool(fb.strip())
            answers.append((weight, self.text_only(text, fmt)))
        return "short", [], build.short_lines(answers, feedback, self.report, self.unsupported)

    def choice(self, parts: list[tuple[str, str]], fmt: str) -> tuple[str, list[str], list[str]]:
        answers = []
        for sep, raw in parts:
            raw = raw.strip()
            if not sep:
                self.report(_l("'%(text)s' before the first '~' or '=' is taken as a wrong "
                               "answer, as Moodle does", text=_one_line(raw)))
            weight, raw = _weight(raw, 100.0 if sep == "=" else 0.0)
            text, fb = feedback_split(raw)
            answers.append(build.Choice(100.0 if sep == "=" else weight,
                                        self.md(text, fmt, inline=True),
                                        self.md(fb, fmt, inline=True)))
        single = any(sep == "=" for sep, _raw in parts)
        qtype, lines = build.choice_lines(answers, single, self.report, self.unsupported)
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
        attrs = build.numeric_attrs(choices, feedback, self.report, self.unsupported)
        return "numeric", attrs, []


def _weight(raw: str, default: float) -> tuple[float, str]:
    """A leading '%50%' weight and the text after it."""
    match = _WEIGHT.match(raw)
    if match:
        return float(match.group(1)), raw[match.end():]
    return default, raw

