"""Rules shared by the Moodle importers (GIFT and Moodle XML): answers with Moodle's weights
become the curriculum's question types, and a question becomes its Markdown block.

Each rule takes `report` (a message about something changed or left out) and `fail` (returns
the exception that leaves the whole question out), so that both readers tell the user the same
thing in the same words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lms.i18n import Message
from lms.i18n import lazy_message as _l

Report = Callable[[Message], None]
Fail = Callable[[Message], Exception]


@dataclass
class Choice:
    """One answer of a Moodle question: its weight in percent, Markdown text and feedback."""

    weight: float
    text: str
    feedback: str = ""


def slug(text: str) -> str:
    """A question id (or tag) from a Moodle name: ASCII letters, digits, '-' and '_'."""
    bare = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in bare if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9_-]+", "-", bare).strip("-")[:40]


def question_id(title: str) -> str:
    """A question id from a Moodle title, as close to it as ids allow: letters (accents kept),
    digits, '-' and '_'; anything else becomes '-' ('CP-01 Rôle du CLSP' gives
    'CP-01-Rôle-du-CLSP')."""
    text = unicodedata.normalize("NFC", title)
    return re.sub(r"[^\w-]+", "-", text).strip("-")[:60].strip("-")


def new_id(title: str, ids: dict[str, int]) -> tuple[str, Message | None]:
    """The question's id and, when it is not the title as written, why (to report).

    `ids` maps the ids already given to the line of their question. A title used twice gives
    '<id>-2', '<id>-3'...; no title gives the first free 'q<n>'.
    """
    base = question_id(title)
    if not base:
        return next(f"q{n}" for n in range(1, 10_000) if f"q{n}" not in ids), None
    if base in ids:
        qid = next(f"{base}-{n}" for n in range(2, 10_000) if f"{base}-{n}" not in ids)
        return qid, _l("the title '%(title)s' is also the title of the question at line "
                       "%(line)d: this one's id is '%(id)s'", title=title.strip(),
                       line=ids[base], id=qid)
    if base != title.strip():
        return base, _l("the title '%(title)s' became the id '%(id)s' (an id holds letters, "
                        "digits, '-' and '_'; the quiz shows no title to trainees)",
                        title=title.strip(), id=base)
    return base, None


# The answer grades Moodle offers (percent) and accepts on import, with their negatives.
MOODLE_GRADES = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0)


def check_grades(weights: list[float], fail: Fail) -> None:
    """Refuse, as Moodle's importer does, an answer grade that is not one Moodle offers."""
    wrong = [w for w in weights if not any(abs(abs(w) - g) < 0.001 for g in MOODLE_GRADES)]
    if wrong:
        raise fail(_l("%(grades)s is not a grade Moodle allows, and Moodle refuses this question "
                      "too: use 100%%, 90%%, 83.33333%%, 80%%, 75%%, 70%%, 66.66667%%, 60%%, "
                      "50%%, 40%%, 33.33333%%, 30%%, 25%%, 20%%, 16.66667%%, 14.28571%%, "
                      "12.5%%, 11.11111%%, 10%%, 5%%, 0%% or their negatives",
                      grades=", ".join(f"{number(w)}%" for w in wrong)))


def plain_words(text: str, fmt: str) -> str:
    """A text as the plain words a trainee types or picks: HTML tags dropped, one line."""
    if fmt in ("html", "moodle") and "<" in text:
        import html

        import nh3

        text = html.unescape(nh3.clean(text, tags=set()))
    return " ".join(text.split())


def number(value: float) -> str:
    return format(value, ".12g")


def feedback_lines(text: str) -> list[str]:
    return [f"  > {text}"] if text else []


def choice_lines(answers: list[Choice], single: bool, report: Report, fail: Fail
                 ) -> tuple[str, list[str]]:
    """(type, answer lines) of a multiple-choice question with Moodle's weights."""
    if any(not a.text for a in answers):
        raise fail(_l("an answer has no text (an image without a description?); write the "
                      "answer in words"))
    if len(answers) < 2:
        raise fail(_l("a multiple-choice question needs at least two answers"))
    check_grades([a.weight for a in answers], fail)
    if single:
        full = [a for a in answers if a.weight >= 100]
        if not full:
            raise fail(_l("no answer gives full credit"))
        if len(full) > 1:
            report(_l("more than one answer gives full credit; only the first is marked "
                      "correct"))
        if any(0 < a.weight < 100 for a in answers):
            report(_l("partial-credit answers count as wrong: a single-answer question gives "
                      "full credit or none"))
        correct = [a is full[0] for a in answers]
        qtype = "single"
    else:
        right = [a for a in answers if a.weight > 0]
        if not right:
            raise fail(_l("no answer has a positive weight"))
        total = sum(a.weight for a in right)
        if round(total / 100, 2) != 1:  # Moodle's own test (qtype_multichoice)
            raise fail(_l("the positive grades add up to %(total)s%% instead of 100%%, which "
                          "Moodle refuses too", total=number(round(total, 5))))
        share = 100 / len(right)
        if any(abs(a.weight - share) > 0.01 for a in right) or any(
                a.weight < 0 and abs(a.weight + share) > 0.01 for a in answers):
            report(_l("weights became equal shares: each right choice ticked earns 1/%(n)d of "
                      "the points, each wrong one loses as much", n=len(right)))
        correct = [a.weight > 0 for a in answers]
        qtype = "multiple"
    lines = []
    for answer, right_one in zip(answers, correct, strict=True):
        lines.append(f"- [{'x' if right_one else ' '}] {answer.text}")
        lines += feedback_lines(answer.feedback)
    return qtype, lines


def truefalse_lines(true: bool, labels: tuple[str, str], right_feedback: str,
                    wrong_feedback: str) -> list[str]:
    """The two choices of a true/false question, each with the feedback shown when picked."""
    yes, no = labels
    return [f"- [{'x' if true else ' '}] {yes}",
            *feedback_lines(right_feedback if true else wrong_feedback),
            f"- [{' ' if true else 'x'}] {no}",
            *feedback_lines(wrong_feedback if true else right_feedback)]


def short_lines(answers: list[tuple[float, str]], had_feedback: bool, report: Report,
                fail: Fail) -> list[str]:
    """The accepted answers of a short-answer question: the full-credit ones, as typed."""
    check_grades([weight for weight, _text in answers], fail)
    accepted = [text for weight, text in answers if weight >= 100 and text]
    if not accepted:
        raise fail(_l("no short answer gives full credit"))
    if len(accepted) < len(answers):
        report(_l("answers giving less than full credit were left out; only full-credit "
                  "answers are accepted"))
    if any("*" in a for a in accepted):
        report(_l("Moodle's wildcard '*' is not supported: the answer must be typed exactly "
                  "as written"))
    if had_feedback:
        report(_l("per-answer feedback of a short-answer question was left out"))
    return [f"- [x] {a}" for a in accepted]


def numeric_attrs(choices: list[tuple[float, float, float]], had_feedback: bool,
                  report: Report, fail: Fail) -> list[str]:
    """`answer:` and `tolerance:` of a numeric question from (weight, value, tolerance)s."""
    check_grades([c[0] for c in choices], fail)
    full = [c for c in choices if c[0] >= 100]
    if not full:
        raise fail(_l("no full-credit numeric answer"))
    if len(choices) > 1:
        report(_l("only the first full-credit number was kept"))
    if had_feedback:
        report(_l("per-answer feedback of a numeric question was left out"))
    _weight, answer, tolerance = full[0]
    return [f"answer: {number(answer)}", f"tolerance: {number(tolerance)}"]


def question_block(qid: str, qtype: str, attrs: list[str], tags: list[str], general: str,
                   stem: str, lines: list[str]) -> str:
    """The question's Markdown: heading, `key: value` lines, text, then its answers."""
    tags = [t for i, t in enumerate(tags) if t and t not in tags[:i]]
    head = [f"\n## Question {qid}", f"type: {qtype}", *attrs]
    if tags:
        head.append(f"tags: {', '.join(tags)}")
    if general:
        head.append(f"feedback: {general}")
    return "\n".join([*head, "", stem, "", *lines]).rstrip("\n") + "\n"


def quiz_head(title: str) -> str:
    """The quiz file's front matter."""
    return f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nkind: quiz\n---\n"


def category_name(path: str) -> str:
    """The last part of a Moodle category path (`$course$/top/Loi` gives `Loi`)."""
    return path.replace("$course$/", "").replace("$system$/", "").split("/")[-1].strip()


def default_title(lang: str) -> str:
    return "Quiz importé" if lang == "fr" else "Imported quiz"
