"""Choice values are opaque per attempt, and a value that is not a choice is refused on both
answer-save paths (the fast question-page save and the ORM autosave) with the answer kept."""

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.learning import answers as fastsave
from lms.learning import services as learning
from lms.learning.choices import choice_value
from lms.learning.models import Attempt, Response
from tests.conftest import choice, login, make_enrolment

QUIZ = "principes/quiz-principes"
VALUE = re.compile(r'name="answer" value="([^"]*)"')


def _start(client, enrolment) -> tuple[int, str]:
    url = client.post(f"/learn/{enrolment.id}/{QUIZ}/start").headers["Location"]
    return int(url.split("/")[2]), url


def _choice_question(attempt_id: int) -> tuple[int, dict]:
    """(number, question) of the attempt's first single-choice question."""
    attempt = db.session.get(Attempt, attempt_id)
    for number, qid in enumerate(attempt.question_order, start=1):
        question = learning.question_of(attempt, qid)
        if question["type"] == "single":
            return number, question
    raise AssertionError("no single-choice question")


def test_choice_values_do_not_reveal_the_position_across_attempts(app, client):
    db.session.rollback()
    enrolment = make_enrolment()
    login(client, enrolment.user)
    seen = []
    for _ in range(2):
        attempt_id, _url = _start(client, enrolment)
        db.session.rollback()
        number, question = _choice_question(attempt_id)
        values = VALUE.findall(client.get(f"/attempt/{attempt_id}/{number}").text)
        assert len(values) == len(question["choices"])
        # No value is a position (0, 1, 2...) or the choice's text.
        assert not any(v.isdigit() or len(v) < 16 for v in values)
        seen.append((question["id"], set(values)))
        client.post(f"/attempt/{attempt_id}/submit")
    (first_id, first), (second_id, second) = seen
    assert first_id != second_id or not first & second  # another attempt, other values


@pytest.mark.parametrize("path", ["question page", "autosave"])
def test_a_value_that_is_not_a_choice_is_refused_and_the_answer_kept(app, client, path,
                                                                      monkeypatch):
    db.session.rollback()
    enrolment = make_enrolment()
    client.post("/language", data={"lang": "en"})
    login(client, enrolment.user)
    attempt_id, _url = _start(client, enrolment)
    db.session.rollback()
    number, question = _choice_question(attempt_id)
    url = f"/attempt/{attempt_id}/{number}"
    assert client.post(url, data={"answer": choice(attempt_id, question["id"], 1),
                                  "go": "next"}).status_code == 302
    fast = []
    real = fastsave.save_answer
    monkeypatch.setattr(fastsave, "save_answer", lambda *a: fast.append(real(*a)) or fast[-1])
    uuid_ = db.session.get(Attempt, attempt_id).uuid
    for forged in (["1"], ["0"], ["zz"], [choice_value(uuid_, "another-question", 0)]):
        if path == "autosave":
            page = client.post(f"/attempt/{attempt_id}/autosave",
                               data={"question": question["id"], "answer": forged})
            assert page.status_code == 400 and not page.json["saved"]
            assert "not one of the question's choices" in page.json["message"]
        else:
            page = client.post(url, data={"answer": forged, "go": "next"})
            assert page.status_code == 400
            assert "not one of the question&#39;s choices" in page.text
            assert 'checked' in page.text  # the saved answer is shown back
    assert path == "autosave" or fast == [None] * 4  # the fast path hands it to the view
    db.session.rollback()
    saved = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert [(r.question_id, r.answer) for r in saved] == [(question["id"], {"choices": [1]})]
