"""Question types: how an answer is read from a form and scored. One small class per type."""

from __future__ import annotations

import unicodedata


class QuestionType:
    """Base: a question type reads a submitted answer and scores it."""

    auto_graded = True

    def read(self, question: dict, values: list[str]) -> dict | None:
        """Turn submitted form values into a stored answer, or None if blank or invalid."""
        raise NotImplementedError

    def score(self, question: dict, answer: dict | None) -> float | None:
        """Points earned; None means a trainer must grade it."""
        raise NotImplementedError


def _choice_indexes(question: dict, values: list[str]) -> list[int]:
    count = len(question.get("choices", []))
    indexes = set()
    for value in values:
        try:
            index = int(value)
        except (TypeError, ValueError):
            continue
        if 0 <= index < count:
            indexes.add(index)
    return sorted(indexes)


class SingleChoice(QuestionType):
    def read(self, question, values):
        indexes = _choice_indexes(question, values[:1])
        return {"choices": indexes} if indexes else None

    def score(self, question, answer):
        if not answer or len(answer.get("choices", [])) != 1:
            return 0.0
        choice = question["choices"][answer["choices"][0]]
        return float(question["points"]) if choice["correct"] else 0.0


class MultipleChoice(QuestionType):
    def read(self, question, values):
        indexes = _choice_indexes(question, values)
        return {"choices": indexes} if indexes else None

    def score(self, question, answer):
        """Each right choice ticked earns its share; each wrong one loses a share; never < 0."""
        if not answer:
            return 0.0
        correct = sum(1 for c in question["choices"] if c["correct"])
        share = question["points"] / correct
        earned = sum(share if question["choices"][i]["correct"] else -share
                     for i in answer.get("choices", []))
        return round(max(0.0, earned), 4)


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: "  Événement " -> "evenement"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


class ShortAnswer(QuestionType):
    def read(self, question, values):
        text = (values[0] if values else "").strip()
        return {"text": text[:500]} if text else None

    def score(self, question, answer):
        if not answer:
            return 0.0
        given = answer.get("text", "")
        if question.get("match") == "exact":
            ok = given.strip() in [a.strip() for a in question["accepted"]]
        else:
            ok = fold(given) in {fold(a) for a in question["accepted"]}
        return float(question["points"]) if ok else 0.0


def parse_number(text: str) -> float | None:
    """Read "3,5" or "3.5" or "1 000" as a number; None if it is not one."""
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


class Numeric(QuestionType):
    def read(self, question, values):
        text = (values[0] if values else "").strip()[:50]
        return {"text": text} if text else None

    def score(self, question, answer):
        value = parse_number(answer.get("text", "")) if answer else None
        if value is None or question.get("answer") is None:
            return 0.0
        ok = abs(value - question["answer"]) <= question.get("tolerance", 0) + 1e-9
        return float(question["points"]) if ok else 0.0


class Essay(QuestionType):
    auto_graded = False

    def read(self, question, values):
        text = (values[0] if values else "").strip()
        return {"text": text} if text else None

    def score(self, question, answer):
        return None if answer else 0.0


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": SingleChoice(),
    "truefalse": SingleChoice(),
    "multiple": MultipleChoice(),
    "short": ShortAnswer(),
    "numeric": Numeric(),
    "essay": Essay(),
}
