"""Texts of a GIFT file in Moodle's formats ([html], [moodle], [plain], [markdown]) as safe
Markdown for the curriculum's quiz files.

HTML is first cleaned with nh3 (scripts, styles and unknown tags go; their text stays where
it is harmless), then its common tags become Markdown: paragraphs, line breaks, bold, italics,
lists, links, code; an image becomes its description, since the file itself is not in GIFT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK = {"p", "div", "blockquote", "table", "tr", "dl", "dt", "dd", "figure", "figcaption",
          "caption", "section", "article", "header", "footer", "center", "details", "summary",
          "hr"}
_HEADING = {"h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE = {"b", "strong", "i", "em", "code", "tt", "kbd", "samp", "sub", "sup", "a"}
_KEPT = _BLOCK | _HEADING | _INLINE | {"br", "ul", "ol", "li", "img", "pre", "td", "th"}
_SPECIAL = re.compile(r"([\\`*_\[\]<~|])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(#|>|[-+*](\s|$)|[-=]+\s*$)")
_ORDERED = re.compile(r"^(\d+)([.)])(?=\s|$)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_CHOICE = re.compile(r"^(\s*)([-*]\s+\[[ xX]\])")
_SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.I)
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPT = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")


@dataclass
class Markdown:
    """Converted text, and the descriptions of the images it showed (not carried over)."""

    text: str
    images: list[str] = field(default_factory=list)


def escape_markdown(text: str) -> str:
    """Backslash the characters Markdown (or a matching pair's '->') would read as syntax."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text)).replace("->", "-\\>")


def _safe_line(line: str) -> str:
    """Keep a line from starting a heading, list, quote or rule."""
    if _LINE_START.match(line):
        return "\\" + line
    return _ORDERED.sub(r"\1\\\2", line)


def to_markdown(text: str, fmt: str, inline: bool = False, image_text: str = "({alt})"
                ) -> Markdown:
    """Convert GIFT text of format `fmt` to Markdown; `inline` gives one line (for a choice)."""
    if fmt == "markdown":
        return Markdown(_from_markdown(text, inline))
    if fmt == "plain":
        return Markdown(_from_plain(text, inline))
    if fmt == "moodle":  # Moodle's auto-format: HTML where there is some, a new line is a break
        text = text.replace("\n", "<br>")
    return _from_html(text, inline, image_text)


def _from_plain(text: str, inline: bool) -> str:
    lines = [escape_markdown(" ".join(line.split())) for line in text.split("\n")]
    return _assemble([("p", "", "\n".join(lines))], inline)


def _from_markdown(text: str, inline: bool) -> str:
    lines = []
    for line in text.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading:  # a heading would end the question in the quiz file
            line = f"**{heading.group(1)}**" if heading.group(1) else ""
        lines.append(_MD_CHOICE.sub(r"\1\\\2", line.rstrip()))
    if inline:
        return " ".join(" ".join(lines).split())
    return "\n".join(lines).strip("\n")


def _from_html(text: str, inline: bool, image_text: str) -> Markdown:
    import nh3  # at the first import or export, not in every web worker

    cleaned = nh3.clean(text, tags=_KEPT, attributes={"a": {"href"}, "img": {"alt", "src"}},
                        url_schemes={"http", "https", "mailto"}, link_rel=None)
    converter = _Converter(image_text)
    converter.feed(cleaned)
    converter.close()
    converter.flush()
    return Markdown(_assemble(converter.blocks, inline), converter.images)


def _assemble(blocks: list[tuple[str, str, str]], inline: bool) -> str:
    """Join (kind, list prefix, text) blocks: paragraphs, list items and code."""
    if inline:
        words = " ".join(text if kind != "pre" else f"`{' '.join(text.split())}`"
                         for kind, _prefix, text in blocks)
        return " ".join(words.replace("\\\n", " ").split())
    out: list[str] = []
    previous = ""
    for kind, prefix, text in blocks:
        if kind == "pre":
            body = "\n".join("    " + line for line in text.strip("\n").split("\n"))
        else:
            paragraphs = _paragraphs(text)
            if not paragraphs:
                continue
            body = "\n\n".join(paragraphs)
            if prefix:
                body = prefix + body.replace("\n", "\n" + " " * len(prefix))
        if out:
            out.append("\n" if kind == previous == "li" else "\n\n")
        out.append(body)
        previous = kind
    return "".join(out)


def _paragraphs(text: str) -> list[str]:
    """Lines of a block as Markdown paragraphs; single line breaks become hard breaks."""
    paragraphs, lines = [], []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if line:
            lines.append(_safe_line(line))
        elif lines:
            paragraphs.append("\\\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\\\n".join(lines))
    return paragraphs


def _wrap(inner: str, mark: str) -> str:
    """`mark` around the text, with its surrounding spaces kept outside."""
    core = inner.strip()
    if not core:
        return inner
    lead = inner[:len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{mark}{core}{mark}{trail}"


class _Converter(HTMLParser):
    """Walks cleaned HTML and collects Markdown blocks."""

    def __init__(self, image_text: str):
        super().__init__(convert_charrefs=True)
        self.image_text = image_text
        self.blocks: list[tuple[str, str, str]] = []
        self.images: list[str] = []
        self.pieces: list[str] = []
        self.marks: list[tuple[str, int, str]] = []
        self.lists: list[list] = []  # open lists, outermost first
        self.prefix = ""
        self.kind = "p"
        self.pre: list[str] | None = None
        self.code = 0

    def flush(self) -> None:
        text = "".join(self.pieces)
        self.pieces, self.marks = [], []
        if text.strip():
            self.blocks.append((self.kind, self.prefix, text))
        self.prefix, self.kind = "", "p"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.pre is not None:
            if tag == "br":
                self.pre.append("\n")
            return
        if tag == "br":
            self.pieces.append("\n")
        elif tag in _BLOCK or tag in _HEADING:
            self.flush()
            if tag in _HEADING:
                self.marks.append(("heading", 0, ""))
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.append([tag, 0, 0])  # kind, items so far, width of the item marker
        elif tag == "li":
            self.flush()
            if not self.lists:
                self.lists.append(["ul", 0, 0])
            level = self.lists[-1]
            level[1] += 1
            marker = "- " if level[0] == "ul" else f"{level[1]}. "
            level[2] = len(marker)
            indent = " " * sum(width for _kind, _count, width in self.lists[:-1])
            self.prefix = indent + marker
            self.kind = "li"
        elif tag == "pre":
            self.flush()
            self.pre = []
        elif tag in ("td", "th"):
            if self.pieces and not self.pieces[-1].endswith(" "):
                self.pieces.append(" · ")
        elif tag == "img":
            alt = " ".join((attrs.get("alt") or "").split())
            name = (attrs.get("src") or "").rsplit("/", 1)[-1]
            self.images.append(alt or name)
            if alt:
                self.pieces.append(" *" + escape_markdown(self.image_text.format(alt=alt)) + "* ")
        elif tag in _INLINE:
            if tag in ("code", "tt", "kbd", "samp"):
                self.code += 1
            self.marks.append((tag, len(self.pieces), (attrs.get("href") or "").strip()))

    def handle_endtag(self, tag):
        if tag == "pre" and self.pre is not None:
            text = "".join(self.pre).replace("\t", "    ")
            self.pre = None
            if text.strip():
                self.blocks.append(("pre", "", text))
            return
        if self.pre is not None:
            return
        if tag in _HEADING and self.marks and self.marks[-1][0] == "heading":
            self.marks.pop()
            self.pieces = [_wrap("".join(self.pieces), "**")]
            self.flush()
        elif tag in _BLOCK or tag in _HEADING or tag == "li":
            self.flush()
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag in _INLINE:
            self._close_inline(tag)

    def _close_inline(self, tag: str) -> None:
        index = next((i for i in range(len(self.marks) - 1, -1, -1)
                      if self.marks[i][0] == tag), None)
        if tag in ("code", "tt", "kbd", "samp"):
            self.code = max(0, self.code - 1)
        if index is None:
            return
        _tag, start, href = self.marks.pop(index)
        inner = "".join(self.pieces[start:])
        del self.pieces[start:]
        if tag in ("b", "strong"):
            inner = _wrap(inner, "**")
        elif tag in ("i", "em"):
            inner = _wrap(inner, "*")
        elif tag in ("code", "tt", "kbd", "samp"):
            ticks = "``" if "`" in inner else "`"
            inner = _wrap(" ".join(inner.split()), ticks) if inner.strip() else inner
        elif tag == "sup":
            inner = inner.translate(_SUPERSCRIPT) if inner.strip().isdigit() else inner
        elif tag == "sub":
            inner = inner.translate(_SUBSCRIPT) if inner.strip().isdigit() else inner
        elif tag == "a" and inner.strip() and _SAFE_LINK.match(href):
            target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
            inner = f"[{inner.strip()}]({target})"
        self.pieces.append(inner)

    def handle_data(self, data):
        if self.pre is not None:
            self.pre.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        self.pieces.append(text if self.code else escape_markdown(text))
