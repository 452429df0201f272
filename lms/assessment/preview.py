"""A trainer tries a quiz as a trainee sees it: same questions, same widgets, shuffled the same
way; the answers are scored in memory and shown with the key. Nothing is written to the
database, so a preview never appears in attempts, gradebooks or statistics."""

from __future__ import annotations

import random
import secrets

from lms.curricula.quizfile import draw_questions
from lms.learning.choices import InvalidChoice, choice_values, decode_values
from lms.learning.scoring import QUESTION_TYPES


def new_preview_key() -> str:
    """A random key for one preview: it seeds the shuffle and keys the choice values."""
    return secrets.token_hex(8)


def preview_questions(quiz: dict, key: str) -> list[dict]:
    """The questions of one sitting, laid out as an attempt would be (from the preview key),
    each with `layout` and, for choice questions, `shown`: [(index, form value, html)]."""
    seed = random.Random(key)
    drawn = draw_questions(quiz["questions"], quiz["settings"].get("draw") or {}, seed)
    if quiz["settings"]["shuffle_questions"]:
        seed.shuffle(drawn)
    laid_out = []
    for question in drawn:
        layout = QUESTION_TYPES[question["type"]].layout(
            question, quiz["settings"]["shuffle_choices"], seed)
        entry = {**question, "layout": layout}
        if question.get("choices"):
            values = choice_values(key, question)
            entry["shown"] = [(i, values[i], question["choices"][i]["html"]) for i in layout]
        elif question["type"] == "matching":
            entry.update(QUESTION_TYPES["matching"].rows(question, layout, None))
        laid_out.append(entry)
    return laid_out


def score_preview(questions: list[dict], key: str, form: dict[str, list[str]]) -> dict:
    """Score posted answers in memory: {question id: {"answer", "score"}} and the total
    (essays count as awaiting a trainer). Nothing is stored."""
    results, total, pending = {}, 0.0, 0
    for question in questions:
        values = form.get(f"answer-{question['id']}", [])
        try:
            values = decode_values(key, question, values)
        except InvalidChoice:
            values = []
        qtype = QUESTION_TYPES[question["type"]]
        answer = qtype.read(question, values, question["layout"])
        score = qtype.score(question, answer)
        if score is None:
            pending += 1
        else:
            total += score
        results[question["id"]] = {"answer": answer or {}, "score": score}
    return {"questions": results, "total": round(total, 2), "pending": pending,
            "max_score": sum(q["points"] for q in questions)}
