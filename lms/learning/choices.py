"""Opaque choice values: what a question page sends for each choice, per attempt.

A choice's form value is not its position in the quiz file (where the right answer is often
first) but an HMAC of the attempt's uuid, the question id and the choice's index, keyed with the
application's secret key: the same choice has another value in every attempt, and the page's
source says nothing about the answer key. Both answer-save paths (the ORM view and
`lms.learning.answers`) turn the values back into indexes here, and refuse a value that is not
one of the question's choices (it would otherwise clear the saved answer).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app
from flask_babel import gettext as _

from lms.base import LMSError

CHOICE_TYPES = frozenset({"single", "truefalse", "multiple"})
_PICK = re.compile(r"(\d{1,4}):(\d{1,4})", re.ASCII)


class InvalidChoice(LMSError):
    """A posted value is not one of the question's choices."""


def choice_value(attempt_uuid: str, question_id: str, index: int) -> str:
    """The form value of one choice in one attempt: 16 hex digits, stable on reload."""
    key = str(current_app.secret_key or "").encode()
    message = f"{attempt_uuid}:{question_id}:{index}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def choice_values(attempt_uuid: str, question: dict) -> dict[int, str]:
    """Every choice's form value, by choice index."""
    return {index: choice_value(attempt_uuid, question["id"], index)
            for index in range(len(question.get("choices", [])))}


def refused() -> str:
    """The message for a value that is not one of the question's choices."""
    return _("This answer is not one of the question's choices, so it was not saved; your "
             "earlier answer is kept. Reload the page and choose again.")


def decode_values(attempt_uuid: str, question: dict, values: list[str]) -> list[str]:
    """The posted values with choice values turned into choice indexes (as strings).

    Raises InvalidChoice for a value that is not one of the question's choices (choice types)
    or not an item and a listed answer (matching); other types pass through unchanged.
    """
    if question["type"] in CHOICE_TYPES:
        by_value = {value: index for index, value in choice_values(attempt_uuid,
                                                                  question).items()}
        if any(value not in by_value for value in values):
            raise InvalidChoice(refused())
        return [str(by_value[value]) for value in values]
    if question["type"] == "matching":
        items, answers = len(question.get("pairs", [])), len(question.get("answers", []))
        for value in values:
            picked = _PICK.fullmatch(str(value))
            if value and (not picked or int(picked.group(1)) >= items
                          or int(picked.group(2)) >= answers):
                raise InvalidChoice(refused())
    return values
