"""Question types: how an answer is read from a form and scored. One small class per type."""

from __future__ import annotations

import random
import re
import unicodedata

_PICK = re.compile(r"(\d{1,4}):(\d{1,4})", re.ASCII)


class QuestionType:
    """Base: a question type reads a submitted answer and scores it."""

    auto_graded = True

    def read(self, question: dict, values: list[str], layout=None) -> dict | None:
        """Turn submitted form values into a stored answer, or None if blank or invalid.

        `layout` is how the attempt laid the question out (its `choice_order` entry).
        """
        raise NotImplementedError

    def score(self, question: dict, answer: dict | None) -> float | None:
        """Points earned; None means a trainer must grade it."""
        raise NotImplementedError

    def layout(self, question: dict, shuffle: bool, rng: random.Random) -> list[int] | dict:
        """The order of the question's choices in one attempt (stored, so stable on reload)."""
        order = list(range(len(question.get("choices", []))))
        if shuffle and question["type"] != "truefalse":
            rng.shuffle(order)
        return order


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
    def read(self, question, values, layout=None):
        indexes = _choice_indexes(question, values[:1])
        return {"choices": indexes} if indexes else None

    def score(self, question, answer):
        if not answer or len(answer.get("choices", [])) != 1:
            return 0.0
        choice = question["choices"][answer["choices"][0]]
        return float(question["points"]) if choice["correct"] else 0.0


class MultipleChoice(QuestionType):
    def read(self, question, values, layout=None):
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
    def read(self, question, values, layout=None):
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
    def read(self, question, values, layout=None):
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

    def read(self, question, values, layout=None):
        text = (values[0] if values else "").strip()
        return {"text": text} if text else None

    def score(self, question, answer):
        return None if answer else 0.0


class Matching(QuestionType):
    """One <select> per item; the answer is the index of the answer picked for each item.

    The options are listed in the attempt's shuffled order and sent as "item:position", so the
    page says nothing about which answer belongs to which item; the position is turned back
    into the answer's index here, with the attempt's order.
    """

    def read(self, question, values, layout=None):
        count = len(question.get("answers", []))
        order = layout.get("answers") if isinstance(layout, dict) else list(range(count))
        matches: list[int | None] = [None] * len(question.get("pairs", []))
        for value in values:
            picked = _PICK.fullmatch(str(value))
            if not picked:
                continue
            item, position = int(picked.group(1)), int(picked.group(2))
            if item < len(matches) and position < len(order) and 0 <= order[position] < count:
                matches[item] = order[position]
        return {"matches": matches} if any(m is not None for m in matches) else None

    def layout(self, question, shuffle, rng):
        """Answers always in a new order (in the file's order they would give the key away);
        items too when the quiz shuffles choices: {"items": [...], "answers": [...]}."""
        items = list(range(len(question["pairs"])))
        answers = list(range(len(question["answers"])))
        rng.shuffle(answers)
        if shuffle:
            rng.shuffle(items)
        return {"items": items, "answers": answers}

    @staticmethod
    def rows(question: dict, layout, answer: dict | None) -> dict:
        """What the page shows: `rows` (item index, item HTML, position picked or None) in the
        attempt's order, and `options` (position, answer text) to pick from."""
        layout = layout if isinstance(layout, dict) else {}
        order = layout.get("answers", [])
        position = {index: at for at, index in enumerate(order)}
        matches = (answer or {}).get("matches", [])
        rows = [(i, question["pairs"][i]["html"],
                 position.get(matches[i]) if i < len(matches) else None)
                for i in layout.get("items", [])]
        return {"rows": rows, "options": [(at, question["answers"][i])
                                          for at, i in enumerate(order)]}

    def score(self, question, answer):
        """Each item matched right earns its share of the points, as in Moodle."""
        pairs = question.get("pairs", [])
        if not answer or not pairs:
            return 0.0
        matches = answer.get("matches", [])
        right = sum(1 for i, pair in enumerate(pairs)
                    if i < len(matches) and matches[i] == pair["answer"])
        return round(question["points"] * right / len(pairs), 4)


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": SingleChoice(),
    "truefalse": SingleChoice(),
    "multiple": MultipleChoice(),
    "short": ShortAnswer(),
    "numeric": Numeric(),
    "essay": Essay(),
    "matching": Matching(),
}
