"""Moodle question files: GIFT and Moodle XML to the curriculum's Markdown quiz format, and
the quiz back to GIFT.

Covers what Moodle's GIFT documentation lists: multiple choice (one answer, or several with
`~%50%` weights), true/false, short answer, matching (`=item -> answer`), missing word (text
after the answer block), numeric (tolerance and ranges), essay, per-answer and general
feedback, titles, comments (Moodle's `[tag:...]` comments become tags), categories (tags too),
escaped characters and the [html]/[moodle]/[plain]/[markdown] formats, turned into safe
Markdown. What has no equivalent is reported by line. Moodle XML exports (`moodlexml`) are
read with the same rules.
"""

from lms.assessment.gift.moodlexml import looks_like_xml, parse_moodle_xml
from lms.assessment.gift.reader import GiftProblem, GiftResult, parse_gift
from lms.assessment.gift.syntax import unescape
from lms.assessment.gift.writer import escape, export_gift, read_markdown_quiz

__all__ = ["GiftProblem", "GiftResult", "escape", "export_gift", "parse_gift",
           "parse_moodle_file", "parse_moodle_xml", "read_markdown_quiz", "unescape"]


def parse_moodle_file(data: str | bytes, title: str = "", lang: str = "fr") -> GiftResult:
    """Convert a Moodle question export, Moodle XML or GIFT (told apart by its content)."""
    if looks_like_xml(data):
        return parse_moodle_xml(data, title, lang)
    return parse_gift(data, title, lang)
