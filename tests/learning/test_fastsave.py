"""The usual answer save takes the fast path (lms/learning/answers.py); every other case gets
the same answer as through the ORM view, and nothing is stored that should not be."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.base import utcnow
from lms.extensions import db
from lms.learning import answers as fastsave
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from tests.conftest import choice, login, make_enrolment

QUIZ = "principes/quiz-principes"  # time_limit: 20


@pytest.fixture()
def started(app, client):
    """(enrolment, attempt id, URL of question 1, its question) for a signed-in trainee."""
    db.session.rollback()  # see what the requests write
    enrolment = make_enrolment()
    client.post("/language", data={"lang": "en"})
    login(client, enrolment.user)
    url = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start"
                      ).headers["Location"]
    attempt_id = int(url.split("/")[2])
    attempt = db.session.get(Attempt, attempt_id)
    question = learning.question_of(attempt, attempt.question_order[0])
    db.session.rollback()
    return enrolment, attempt_id, url, question


def _pick(started, index):
    """The form value of choice `index` of the started attempt's first question."""
    _enrolment, attempt_id, _url, question = started
    if not question.get("choices"):
        return [str(index)]
    return choice(attempt_id, question["id"], index)


def _stored(attempt_id):
    db.session.rollback()
    return {r.question_id: r.answer for r in db.session.scalars(
        select(Response).where(Response.attempt_id == attempt_id))}


def _fast_path_calls(monkeypatch):
    """Record what the fast path answered: a response or None (handed to the ORM view)."""
    answers = []
    real = fastsave.save_answer

    def spy(*args):
        answers.append(real(*args))
        return answers[-1]

    monkeypatch.setattr(fastsave, "save_answer", spy)
    return answers


def test_a_usual_save_is_stored_by_the_fast_path_and_leads_on(client, started, monkeypatch):
    _enrolment, attempt_id, url, question = started
    answers = _fast_path_calls(monkeypatch)
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 302 and page.headers["Location"] == f"/attempt/{attempt_id}/2"
    assert answers and answers[0] is not None
    layout = db.session.get(Attempt, attempt_id).choice_order.get(question["id"])
    expected = learning.read_answer(question, ["0"], layout)
    assert _stored(attempt_id) == {question["id"]: expected}
    # "Review" and "Previous" lead where the ORM view would send them.
    one = _pick(started, 1)
    assert client.post(url, data={"answer": one, "go": "review"}).headers["Location"] == \
        f"/attempt/{attempt_id}/review"
    assert client.post(url, data={"answer": one, "go": "prev"}).headers["Location"] == \
        f"/attempt/{attempt_id}/1"


def test_someone_elses_attempt_is_not_found(app, client, started, monkeypatch):
    enrolment, attempt_id, url, question = started
    other = make_enrolment(cohort=enrolment.cohort)
    intruder = app.test_client()
    login(intruder, other.user)
    answers = _fast_path_calls(monkeypatch)
    assert intruder.post(url, data={"answer": _pick(started, 0), "go": "next"}).status_code == 404
    assert answers == [None]
    assert _stored(attempt_id) == {}


def test_a_session_ended_elsewhere_signs_out_and_stores_nothing(client, started):
    enrolment, attempt_id, url, question = started
    db.session.get(type(enrolment.user), enrolment.user_id).session_version += 1
    db.session.commit()
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert _stored(attempt_id) == {}


def test_a_password_change_due_comes_first(client, started):
    enrolment, attempt_id, url, question = started
    db.session.get(type(enrolment.user), enrolment.user_id).must_change_password = True
    db.session.commit()
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 302 and page.headers["Location"] == "/account/password"
    assert _stored(attempt_id) == {}


def test_an_idle_session_ends_with_its_message_and_stores_nothing(app, client, started):
    _enrolment, attempt_id, url, question = started
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["LMS_SESSION_IDLE_MINUTES"] * 60 + 5
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert "inactivity" in client.get(page.headers["Location"]).text
    assert _stored(attempt_id) == {}


def test_a_submitted_attempt_keeps_its_answers(client, started):
    _enrolment, attempt_id, url, question = started
    client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    before = _stored(attempt_id)
    client.post(f"/attempt/{attempt_id}/submit")
    page = client.post(url, data={"answer": _pick(started, 1), "go": "next"})
    assert page.status_code == 302 and page.headers["Location"] == f"/attempt/{attempt_id}/result"
    assert _stored(attempt_id) == before and question["id"] in before


def test_an_answer_after_the_time_limit_submits_the_attempt_instead(client, started):
    _enrolment, attempt_id, url, question = started
    attempt = db.session.get(Attempt, attempt_id)
    attempt.started_at = utcnow() - timedelta(minutes=21)  # 20 minutes and the grace are over
    db.session.commit()
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.headers["Location"] == f"/attempt/{attempt_id}/result"
    assert "Time is up" in client.get(page.headers["Location"]).text
    db.session.rollback()
    assert db.session.get(Attempt, attempt_id).status == "submitted"
    assert _stored(attempt_id) == {}


def test_an_answer_after_the_quiz_closed_is_refused(client, started):
    from lms.assessment.models import QuizSchedule

    enrolment, attempt_id, url, question = started
    db.session.add(QuizSchedule(cohort_id=enrolment.cohort_id, item_key=QUIZ,
                                closes_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    page = client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.headers["Location"] == f"/attempt/{attempt_id}/result"
    db.session.rollback()
    assert db.session.get(Attempt, attempt_id).status == "submitted"
    assert _stored(attempt_id) == {}


def test_a_too_long_answer_and_a_cleared_answer_go_through_the_view(app, client, started):
    _enrolment, attempt_id, url, question = started
    client.post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert question["id"] in _stored(attempt_id)
    too_long = "x" * (app.config["LMS_MAX_ANSWER_CHARS"] + 1)
    page = client.post(url, data={"answer": [too_long], "go": "next"})
    assert page.status_code == 413 and "too long" in page.text
    assert question["id"] in _stored(attempt_id)
    cleared = client.post(url, data={"go": "next"})  # nothing chosen: the answer is removed
    assert cleared.status_code == 302
    assert _stored(attempt_id) == {}


def test_a_question_number_out_of_range_is_not_found(client, started):
    _enrolment, attempt_id, _url, question = started
    page = client.post(f"/attempt/{attempt_id}/99",
                       data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 404
    assert _stored(attempt_id) == {}


def test_a_signed_out_visitor_is_sent_to_sign_in(app, started):
    _enrolment, attempt_id, url, question = started
    page = app.test_client().post(url, data={"answer": _pick(started, 0), "go": "next"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert _stored(attempt_id) == {}
