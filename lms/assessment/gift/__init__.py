"""Moodle GIFT files: convert them to the curriculum's Markdown quiz format, and back.

Covers what Moodle's GIFT documentation lists: multiple choice (one answer, or several with
`~%50%` weights), true/false, short answer, matching (`=item -> answer`), missing word (text
after the answer block), numeric (tolerance and ranges), essay, per-answer and general
feedback, titles, comments (Moodle's `[tag:...]` comments become tags), categories (tags too),
escaped characters and the [html]/[moodle]/[plain]/[markdown] formats, turned into safe
Markdown. What has no equivalent is reported by line.
"""

from lms.assessment.gift.reader import GiftProblem, GiftResult, parse_gift
from lms.assessment.gift.syntax import unescape
from lms.assessment.gift.writer import escape, export_gift, read_markdown_quiz

__all__ = ["GiftProblem", "GiftResult", "escape", "export_gift", "parse_gift",
           "read_markdown_quiz", "unescape"]
