"""Markdown to safe HTML: markdown-it-py without raw HTML, then nh3 sanitising."""

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
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")



@functools.cache
def _markdown():
    """The parser, built at the first use: a web worker serving published pages never needs
    markdown-it (nor nh3), only publishing and the GIFT converter do."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "maxNesting": 20}).enable(
        ["table", "strikethrough"])


def is_internal_link(href: str) -> bool:
    """A link to another item of the programme: no scheme, not absolute, not an anchor."""
    return bool(href) and not _SCHEME.match(href) and not href.startswith(("/", "#", "\\"))


def render_markdown(text: str, resolve_link: Callable[[str, int], str | None] | None = None,
                    inline: bool = False) -> str:
    """Render Markdown to sanitised HTML; `resolve_link(href, line)` rewrites internal links."""
    env: dict = {}
    _md = _markdown()
    tokens = _md.parseInline(text, env) if inline else _md.parse(text, env)
    if resolve_link is not None:
        line = 0
        for token in tokens:
            if token.map:
                line = token.map[0]
            offset = 0  # line breaks seen so far inside this paragraph
            for child in token.children or ():
                if child.type in ("softbreak", "hardbreak"):
                    offset += 1
                href = child.attrGet("href") if child.type == "link_open" else None
                if href and is_internal_link(href):
                    new = resolve_link(href, line + offset)
                    if new is not None:
                        child.attrSet("href", new)
    html = _md.renderer.render(tokens, _md.options, env)
    return clean_html(html)


def clean_html(html: str) -> str:
    """Remove anything but safe formatting tags, and any script-bearing URL."""
    import nh3

    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")
