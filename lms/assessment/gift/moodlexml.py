"""Read a Moodle XML question export into the curriculum's Markdown quiz format.

Moodle XML is what Moodle's question bank exports by default. This follows Moodle's own
importer (question/format/xml/format.php) for the types that have an equivalent here:
multichoice (one answer or several with weights), truefalse, shortanswer, numerical, matching
and essay, with their names, texts in any of Moodle's formats, per-answer and general feedback,
default marks (points), tags and categories. Other types (Cloze, calculated, drag and drop,
descriptions...) are reported by line and left out, as is anything the file cannot carry here
(images, units).

The file is parsed with defusedxml: a document declaring entities or fetching anything from
elsewhere is refused.
"""

from __future__ import annotations

import re
import xml.sax
from dataclasses import dataclass, field

from lms.assessment.gift import build
from lms.assessment.gift.markup import escape_markdown, to_markdown
from lms.assessment.gift.reader import (
    IMAGE_TEXT,
    LABELS,
    GiftProblem,
    GiftResult,
    QuestionConverter,
    Unsupported,
)
from lms.i18n import lazy_message as _l

_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain",
            "markdown": "markdown"}
_UNSUPPORTED = {
    "multianswer": _l("embedded answers (Cloze) have no equivalent here"),
    "calculated": _l("calculated questions have no equivalent here"),
    "calculatedsimple": _l("calculated questions have no equivalent here"),
    "calculatedmulti": _l("calculated questions have no equivalent here"),
    "ddwtos": _l("drag-and-drop questions have no equivalent here"),
    "ddimageortext": _l("drag-and-drop questions have no equivalent here"),
    "ddmarker": _l("drag-and-drop questions have no equivalent here"),
    "gapselect": _l("select-missing-words questions have no equivalent here"),
    "randomsamatch": _l("random short-answer matching draws from Moodle's question bank; "
                        "use a question pool ('draw:') instead"),
    "random": _l("a random question draws from Moodle's question bank; use a question pool "
                 "('draw:') instead"),
}
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class Node:
    """An XML element with the line it starts on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def content(self) -> str:
        """The text of its `<text>` child, or its own text (Moodle writes both), stripped."""
        inner = self.find("text")
        return (inner.text if inner is not None else self.text).strip()

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str, default: str = "") -> str:
        """The text of child `tag`, or of its `<text>` child (Moodle writes both)."""
        child = self.find(tag)
        return default if child is None else child.content


class _TreeBuilder(xml.sax.handler.ContentHandler):
    def __init__(self):
        super().__init__()
        self.root: Node | None = None
        self.stack: list[Node] = []

    def startElement(self, name, attrs):  # noqa: N802  (SAX's names)
        node = Node(name, dict(attrs), self._locator.getLineNumber() if self._locator else 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name):  # noqa: N802
        self.stack.pop()

    def characters(self, content):
        if self.stack:
            self.stack[-1].chunks.append(content)


def read_tree(data: str | bytes) -> Node:
    """The document as Nodes; raises ValueError (line, message) when it is not well-formed
    or declares entities."""
    import defusedxml
    import defusedxml.sax

    if isinstance(data, str):
        data = data.encode("utf-8")
    handler = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, handler, forbid_dtd=False, forbid_entities=True,
                                   forbid_external=True)
    except xml.sax.SAXParseException as exc:
        raise ValueError(exc.getLineNumber(), _l("this is not well-formed XML (%(error)s)",
                                                 error=exc.getMessage())) from exc
    except defusedxml.DefusedXmlException as exc:
        raise ValueError(1, _l("the file declares XML entities or external references, "
                               "which are refused for safety")) from exc
    if handler.root is None:
        raise ValueError(1, _l("the file is empty"))
    return handler.root


def looks_like_xml(data: str | bytes) -> bool:
    """True for a file that starts (after a byte-order mark and blanks) with '<'."""
    head = data[:200]
    if isinstance(head, bytes):
        head = head.decode("utf-8", errors="ignore")
    return head.lstrip("\ufeff \t\r\n").startswith("<")


def parse_moodle_xml(data: str | bytes, title: str = "", lang: str = "fr") -> GiftResult:
    """Convert a Moodle XML export to a Markdown quiz; what cannot be converted is reported."""
    try:
        root = read_tree(data)
    except ValueError as exc:
        line, message = exc.args
        return GiftResult(build.quiz_head(title or build.default_title(lang)), 0,
                          [GiftProblem(line, message)])
    problems: list[GiftProblem] = []
    if root.tag != "quiz":
        problems.append(GiftProblem(root.line, _l(
            "this is not a Moodle XML question file (it starts with <%(tag)s>, not <quiz>)",
            tag=root.tag)))
    category, entries = "", []
    for node in root.all("question"):
        if node.attrs.get("type") == "category":
            category = build.category_name(node.value("category"))
        else:
            entries.append((category, node))
    categories = list(dict.fromkeys(c for c, _node in entries if c))
    ids: dict[str, int] = {}
    questions = []
    for category, node in entries:
        tag = build.slug(category).lower() if len(categories) > 1 else ""
        question = _Question(node, lang, problems)
        try:
            questions.append(question.markdown(tag, ids))
        except Unsupported as exc:
            problems.append(GiftProblem(node.line, exc.message))
    title = title or (categories[0] if categories else "") or build.default_title(lang)
    return GiftResult(build.quiz_head(title) + "".join(questions), len(questions), problems)


class _Question(QuestionConverter):
    """Converts one <question>; problems are reported at its line."""

    def __init__(self, node: Node, lang: str, problems: list[GiftProblem]):
        super().__init__(node.line, lang, problems)
        self.node = node

    def md(self, node: Node | None, inline: bool = False, default_format: str = "html") -> str:
        """The Markdown of a Moodle text element (`<x format="..."><text>...</text></x>`)."""
        if node is None:
            return ""
        fmt = _FORMATS.get(node.attrs.get("format", default_format), "html")
        image_text = IMAGE_TEXT.get(self.lang, IMAGE_TEXT["en"])
        result = to_markdown(node.content.replace("\r\n", "\n"), fmt, inline, image_text)
        self.images += result.images
        return result.text

    @staticmethod
    def plain(node: Node | None) -> str:
        """A text as the words a trainee types or picks (short answers, matching answers)."""
        if node is None:
            return ""
        fmt = _FORMATS.get(node.attrs.get("format", "plain_text"), "html")
        return build.plain_words(node.content, fmt)

    def markdown(self, tag: str, ids: dict[str, int]) -> str:
        qtype = self.node.attrs.get("type", "")
        self.choose_id(self.node.value("name"), ids)
        if qtype in _UNSUPPORTED:
            raise self.unsupported(_UNSUPPORTED[qtype])
        if qtype == "description":
            raise self.unsupported(_l("a description has no answers and cannot be converted; "
                                      "put its text in the quiz introduction"))
        convert = {"multichoice": self.choice, "truefalse": self.truefalse,
                   "shortanswer": self.short, "numerical": self.numeric,
                   "match": self.matching, "matching": self.matching,
                   "essay": self.essay}.get(qtype)
        if convert is None:
            raise self.unsupported(_l("Moodle question type '%(type)s' has no equivalent "
                                      "here", type=qtype))
        stem = self.md(self.node.find("questiontext"))
        if not stem.strip():
            raise self.unsupported(_l("question '%(id)s' has no text", id=self.qid))
        kind, attrs, lines = convert()
        self.keep_id(ids)
        self.report_left_out()
        points = _float(self.node.value("defaultgrade"), 1.0)
        if points > 0 and abs(points - 1.0) > 1e-9:
            attrs = [f"points: {build.number(points)}", *attrs]
        tags = [tag] if tag else []
        tags_node = self.node.find("tags")
        for item in tags_node.all("tag") if tags_node is not None else []:
            tags.append(build.slug(item.content).lower())
        general = self.md(self.node.find("generalfeedback"), inline=True)
        if self.images:
            self.report(_l("images are not carried over; their description is shown instead "
                           "(%(images)s): add the images to the lesson",
                           images=", ".join(self.images)))
        return build.question_block(self.qid, kind, attrs, tags, general, stem, lines)

    def report_left_out(self) -> None:
        """Report, each at its line, the hints and combined feedback this format cannot hold
        (Moodle's standard wording of a combined feedback says nothing worth keeping)."""
        for hint in self.node.all("hint"):
            said = self.plain(_as_html(hint))
            if said:
                self.report(_l("a hint was left out (hints are shown between tries, which "
                               "quizzes here do not have): %(text)s", text=_excerpt(said)),
                            hint.line)
        for tag, message in _COMBINED.items():
            node = self.node.find(tag)
            said = self.plain(_as_html(node)) if node is not None else ""
            if said and said not in _STANDARD_FEEDBACK:
                self.report(message(_excerpt(said)), node.line)

    def answers(self) -> list[Node]:
        return self.node.all("answer")

    def choice(self) -> tuple[str, list[str], list[str]]:
        single = self.node.value("single", "true").lower() in ("true", "1")
        answers = [build.Choice(_float(a.attrs.get("fraction"), 0.0), self.md(a, inline=True),
                                self.md(a.find("feedback"), inline=True))
                   for a in self.answers()]
        qtype, lines = build.choice_lines(answers, single, self.report, self.unsupported)
        return qtype, [], lines

    def truefalse(self) -> tuple[str, list[str], list[str]]:
        right_fb = wrong_fb = ""
        true = None
        for answer in self.answers():
            says_true = answer.value("text").strip().lower() == "true"
            full = _float(answer.attrs.get("fraction"), 0.0) >= 100
            feedback = self.md(answer.find("feedback"), inline=True)
            if full:
                true, right_fb = says_true, feedback
            else:
                wrong_fb = feedback
        if true is None:
            raise self.unsupported(_l("neither true nor false gives full credit"))
        labels = LABELS.get(self.lang, LABELS["en"])
        return "truefalse", [], build.truefalse_lines(true, labels, right_fb, wrong_fb)

    def short(self) -> tuple[str, list[str], list[str]]:
        answers, feedback = [], False
        for answer in self.answers():
            answers.append((_float(answer.attrs.get("fraction"), 0.0), self.plain(answer)))
            feedback = feedback or bool(answer.value("feedback"))
        lines = build.short_lines(answers, feedback, self.report, self.unsupported)
        exact = self.node.value("usecase", "0") == "1"
        return "short", ["match: exact"] if exact else [], lines

    def numeric(self) -> tuple[str, list[str], list[str]]:
        choices, feedback = [], False
        for answer in self.answers():
            value = answer.value("text").replace(",", ".")
            weight = _float(answer.attrs.get("fraction"), 0.0)
            feedback = feedback or bool(answer.value("feedback"))
            if value == "*" and weight < 100:  # Moodle's "any other answer" with its feedback
                continue
            if not _NUMBER.fullmatch(value):
                raise self.unsupported(_l("'%(value)s' is not a number", value=value))
            tolerance = abs(_float(answer.value("tolerance").replace(",", "."), 0.0))
            choices.append((weight, float(value), tolerance))
        units = self.node.find("units")
        if units is not None and units.all("unit"):
            self.report(_l("units were left out: the trainee types the number only"))
        return "numeric", build.numeric_attrs(choices, feedback, self.report,
                                              self.unsupported), []

    def matching(self) -> tuple[str, list[str], list[str]]:
        lines, items = [], 0
        for pair in self.node.all("subquestion"):
            item = self.md(pair, inline=True).replace("->", "-\\>")
            answer = escape_markdown(self.plain(pair.find("answer")))
            if not answer:
                raise self.unsupported(_l("the pair '%(pair)s' has no answer after '->'",
                                          pair=item))
            items += bool(item)
            lines.append(f"- {item} -> {answer}" if item else f"- -> {answer}")
        if items < 2:
            raise self.unsupported(_l("a matching question needs at least two pairs"))
        return "matching", [], lines

    def essay(self) -> tuple[str, list[str], list[str]]:
        if self.node.value("graderinfo"):
            self.report(_l("the information for graders was left out; give it to the "
                           "trainers with the rubric"))
        return "essay", [], []


_COMBINED = {
    "correctfeedback": lambda text: _l(
        "the feedback for a correct answer was left out: %(text)s", text=text),
    "partiallycorrectfeedback": lambda text: _l(
        "the feedback for a partly correct answer was left out: %(text)s", text=text),
    "incorrectfeedback": lambda text: _l(
        "the feedback for an incorrect answer was left out: %(text)s", text=text),
}
# What Moodle writes in every new question's combined feedback, in English and French.
_STANDARD_FEEDBACK = {"Your answer is correct.", "Your answer is partially correct.",
                      "Your answer is incorrect.", "Votre réponse est correcte.",
                      "Votre réponse est partiellement correcte.",
                      "Votre réponse est incorrecte."}


def _as_html(node: Node) -> Node:
    """The node, read as HTML unless it says otherwise (hints and feedback are HTML)."""
    if "format" in node.attrs:
        return node
    return Node(node.tag, {**node.attrs, "format": "html"}, node.line, node.children,
                node.chunks)


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default
