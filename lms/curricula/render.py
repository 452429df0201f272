"""Markdown to safe HTML: markdown-it-py, raw HTML removed, then nh3 sanitising.

Raw HTML in Markdown is removed (tags and blocks), not shown escaped; table column alignment
becomes a class (`align-right`), since the pages' content policy refuses inline styles.
`report(line, problem)` hears of what the author should know: "raw_html" (removed) and
"external_image" (an http(s) image, which the content policy blocks on the page).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
                      "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALIGNMENTS = ("left", "center", "right")
ALLOWED_CLASSES = {tag: {f"align-{a}" for a in ALIGNMENTS} for tag in ("th", "td")}
Report = Callable[[int, str], None]
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")



@functools.cache
def _markdown():
    """The parser, built at the first use: a web worker serving published pages never needs
    markdown-it (nor nh3), only publishing and the GIFT converter do."""
    from markdown_it import MarkdownIt

    # html: True so that raw HTML is recognised (as html_block / html_inline tokens) and
    # removed by `_remove_raw_html`, rather than shown as escaped text.
    return MarkdownIt("commonmark", {"html": True, "maxNesting": 20}).enable(
        ["table", "strikethrough"])


def is_internal_link(href: str) -> bool:
    """A link to another item of the programme: no scheme, not absolute, not an anchor."""
    return bool(href) and not _SCHEME.match(href) and not href.startswith(("/", "#", "\\"))


def render_markdown(text: str, resolve_link: Callable[[str, int], str | None] | None = None,
                    inline: bool = False, report: Report | None = None) -> str:
    """Render Markdown to sanitised HTML; `resolve_link(href, line)` rewrites internal links,
    `report(line, problem)` hears of raw HTML removed and external images (lines from 0)."""
    env: dict = {}
    _md = _markdown()
    tokens = _md.parseInline(text, env) if inline else _md.parse(text, env)
    tokens = _remove_raw_html(tokens, report)
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type in ("th_open", "td_open"):
            _align_as_class(token)
        offset = 0  # line breaks seen so far inside this paragraph
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            if child.type == "image" and report is not None \
                    and (child.attrGet("src") or "").strip().lower().startswith(
                        ("http://", "https://", "//")):
                report(line + offset, "external_image")
            href = child.attrGet("href") if child.type == "link_open" else None
            if resolve_link is not None and href and is_internal_link(href):
                new = resolve_link(href, line + offset)
                if new is not None:
                    child.attrSet("href", new)
    html = _md.renderer.render(tokens, _md.options, env)
    return clean_html(html)


def _remove_raw_html(tokens: list, report: Report | None) -> list:
    """The tokens without raw HTML blocks and inline tags, each reported at its line."""
    kept = []
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type == "html_block":
            if report is not None:
                report(line, "raw_html")
            continue
        if token.children:
            children, offset = [], 0
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                if child.type == "html_inline":
                    if report is not None:
                        report(line + offset, "raw_html")
                    continue
                children.append(child)
            token.children = children
        kept.append(token)
    return kept


def _align_as_class(token) -> None:
    """`style="text-align:right"` (from a table's `--:`) as `class="align-right"`."""
    style = token.attrGet("style") or ""
    if "style" in (token.attrs or {}):
        del token.attrs["style"]
    align = style.removeprefix("text-align:").strip()
    if align in ALIGNMENTS:
        token.attrSet("class", f"align-{align}")


def clean_html(html: str) -> str:
    """Remove anything but safe formatting tags, and any script-bearing URL."""
    import nh3

    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     allowed_classes=ALLOWED_CLASSES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")
