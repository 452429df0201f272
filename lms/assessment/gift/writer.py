"""Write a curriculum quiz as a Moodle GIFT file (texts in [html] format)."""

from __future__ import annotations

import re

from lms.assessment.gift.syntax import BLANK, ESCAPABLE
from lms.i18n import lazy_message as _l

_BLANK_IN_HTML = re.compile(r"(?<!_)" + BLANK + r"(?!_)")


def escape(text: str) -> str:
    """Escape GIFT's special characters."""
    text = text.replace("\\", "\\\\")
    for ch in ESCAPABLE:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _number(value: float) -> str:
    return format(value, ".12g")


def export_gift(quiz: dict, origin: str = "") -> str:
    """A quiz of a curriculum structure as GIFT text for Moodle's question bank import."""
    out = []
    if origin:
        out.append(f"// {origin}")
    out += [f"// {quiz['title']}", f"$CATEGORY: $course$/top/{quiz['title'].replace('/', '-')}",
            ""]
    for q in quiz["questions"]:
        answers = _export_answers(q)
        if q.get("feedback_html"):
            answers.append(f"\t####{escape(q['feedback_html'])}")
        block = "{" + ("\n" + "\n".join(answers) + "\n" if answers else "") + "}"
        stem = escape(q["stem_html"].strip())
        blanks = list(_BLANK_IN_HTML.finditer(stem))
        if len(blanks) == 1:  # a missing-word question: the answers go in place of the blank
            text = stem[:blanks[0].start()] + block + stem[blanks[0].end():]
        else:
            text = f"{stem} {block}"
        if q.get("tags"):
            out.append("// " + " ".join(f"[tag:{t}]" for t in q["tags"]))
        out += [f"::{q['id']}::[html]{text}", ""]
    return "\n".join(out)


def _export_answers(q: dict) -> list[str]:
    kind = q["type"]
    if kind == "essay":
        return []
    if kind == "numeric":
        return [f"\t#{_number(q['answer'])}:{_number(q.get('tolerance', 0))}"]
    if kind == "short":
        return [f"\t={escape(a)}" for a in q["accepted"]]
    if kind == "matching":
        used = {pair["answer"] for pair in q["pairs"]}
        lines = [f"\t={escape(pair['html'])} -> {escape(q['answers'][pair['answer']])}"
                 for pair in q["pairs"]]
        return lines + [f"\t= -> {escape(text)}" for index, text in enumerate(q["answers"])
                        if index not in used]
    choices = q["choices"]

    def feedback(choice: dict) -> str:
        return f"#{escape(choice['feedback_html'])}" if choice.get("feedback_html") else ""

    if kind == "truefalse" and choices and choices[0]["correct"] != choices[1]["correct"]:
        true = choices[0]["correct"]
        right, wrong = (choices[0], choices[1]) if true else (choices[1], choices[0])
        first = feedback(wrong) or ("#" if feedback(right) else "")
        return [f"\t{'TRUE' if true else 'FALSE'}{first}{feedback(right)}"]
    if kind == "multiple":
        share = 100 / max(1, sum(c["correct"] for c in choices))
        return [f"\t~%{_weight(share if c['correct'] else -share)}%{escape(c['html'])}"
                f"{feedback(c)}" for c in choices]
    return [f"\t{'=' if c['correct'] else '~'}{escape(c['html'])}{feedback(c)}"
            for c in choices]


def read_markdown_quiz(text: str, path: str = "quiz.md") -> tuple[dict | None, list]:
    """Parse one Markdown quiz file as the curriculum checker does: (quiz, problems)."""
    from lms.curricula.frontmatter import split_front_matter
    from lms.curricula.problems import Problems
    from lms.curricula.quizfile import check_draw, parse_quiz_body, parse_settings

    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    problems = Problems()
    meta, body, first = split_front_matter(text, path, problems)
    settings = parse_settings(meta, path, problems)
    if settings["kind"] == "practical":
        problems.error(path, 2, _l("a practical assessment has no questions to export"))
        return None, problems.items
    intro, questions = parse_quiz_body(body, first, path, problems, lambda href, line: None)
    check_draw(settings, questions, text, path, problems)
    quiz = {"title": str(meta.get("title", "")), "settings": settings, "intro_html": intro,
            "questions": questions}
    return (None if problems.errors else quiz), problems.items
