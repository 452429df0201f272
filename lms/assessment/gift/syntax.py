"""GIFT's syntax: escaped characters, separators, [format] prefixes."""

from __future__ import annotations

import re

ESCAPABLE = "~=#{}:"
BLANK = "_____"  # Moodle's blank in the text of a missing-word question
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.I)


def find(text: str, token: str, start: int = 0) -> int:
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


def rfind(text: str, token: str) -> int:
    """Index of the last unescaped `token`, or -1."""
    found, index = -1, find(text, token)
    while index >= 0:
        found, index = index, find(text, token, index + 1)
    return found


def split(text: str, separators: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator, text after it), ...]."""
    parts: list[tuple[str, str]] = []
    current: list[str] = []
    sep, index = "", 0
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


def text_format(text: str, default: str) -> tuple[str, str]:
    """(format, text without its [format] prefix); Moodle's default is the enclosing one."""
    match = _FORMAT.match(text)
    if match:
        return match.group(1).lower(), text[match.end():]
    return default, text


def feedback_split(text: str) -> tuple[str, str]:
    """Split 'answer#feedback' at the first unescaped '#'."""
    at = find(text, "#")
    if at < 0:
        return text, ""
    return text[:at], text[at + 1:]
