"""A trainee takes a quiz through the pages: answers saved as given, resumed, submitted once."""

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.learning.scoring import QUESTION_TYPES
from tests.conftest import choice, login, make_enrolment

QUIZ = "principes/quiz-principes"


def _start(client, enrolment, key=QUIZ):
    module, item = key.split("/")
    response = client.post(f"/learn/{enrolment.id}/{module}/{item}/start")
    assert response.status_code == 302
    return response.headers["Location"]


def _quiz(enrolment, key=QUIZ, lang="fr"):
    return enrolment.curriculum_version.structure["assessments"][key][lang]


def _right_values(question, attempt_id):
    if question["type"] in ("single", "truefalse", "multiple"):
        return choice(attempt_id, question["id"],
                      *(i for i, c in enumerate(question["choices"]) if c["correct"]))
    if question["type"] == "short":
        return [question["accepted"][0].upper()]
    if question["type"] == "numeric":
        return [str(question["answer"]).replace(".", ",")]
    return ["Une réponse rédigée par le stagiaire."]


def test_trainee_reads_a_lesson_in_french(app, client):
    db.session.rollback()  # see what the requests wrote
    enrolment = make_enrolment()
    login(client, enrolment.user)
    eid = enrolment.id
    page = client.get(f"/learn/{eid}/principes/six-principes")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "proximité" in page.text
    client.post(f"/learn/{eid}/principes/six-principes/read")
    outline = client.get(f"/learn/{eid}")
    assert re.search(r'class="done">\s*<a href="/learn/\d+/principes/six-principes"', outline.text)


def test_answers_are_saved_one_by_one_and_the_attempt_resumes_after_a_new_login(app, client):
    db.session.rollback()  # see what the requests wrote
    enrolment = make_enrolment()
    user_login, eid = enrolment.user.login_id, enrolment.id
    quiz = _quiz(enrolment)
    login(client, user_login)
    first = _start(client, enrolment)
    attempt_id = int(first.split("/")[2])
    db.session.rollback()  # see what the requests wrote
    attempt = db.session.get(Attempt, attempt_id)
    order = attempt.question_order
    by_id = {q["id"]: q for q in quiz["questions"]}
    client.post(first, data={"answer": _right_values(by_id[order[0]], attempt_id), "go": "next"})
    db.session.rollback()  # see what the requests wrote
    saved = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert [r.question_id for r in saved] == [order[0]]

    # The browser closes (power cut): a new client signs in and gets the same attempt back.
    other = app.test_client()
    login(other, user_login)
    again = other.post(f"/learn/{eid}/principes/quiz-principes/start")
    assert again.headers["Location"] == first
    page = other.get(first)
    assert "checked" in page.text or 'value="' in page.text
    for number, qid in enumerate(order, start=1):
        other.post(f"/attempt/{attempt_id}/{number}",
                   data={"answer": _right_values(by_id[qid], attempt_id), "go": "next"})
    other.post(f"/attempt/{attempt_id}/submit")
    result = other.get(f"/attempt/{attempt_id}/result")
    db.session.rollback()  # see what the requests wrote
    attempt = db.session.get(Attempt, attempt_id)
    auto_max = sum(q["points"] for q in quiz["questions"] if q["type"] != "essay")
    assert attempt.status == "submitted"
    assert attempt.score == auto_max
    assert attempt.pending_grading == sum(q["type"] == "essay" for q in quiz["questions"])
    assert result.status_code == 200


def test_double_submit_stores_one_attempt(app, client):
    db.session.rollback()  # see what the requests wrote
    enrolment = make_enrolment()
    login(client, enrolment.user)
    eid = enrolment.id
    url = _start(client, enrolment)
    attempt_id = int(url.split("/")[2])
    first = db.session.get(Attempt, attempt_id).question_order[0]
    client.post(url, data={"answer": choice(attempt_id, first, 0)})
    client.post(f"/attempt/{attempt_id}/submit")
    client.post(f"/attempt/{attempt_id}/submit")
    late = client.post(url, data={"answer": choice(attempt_id, first, 1)})
    assert late.headers["Location"].endswith("/result")
    db.session.rollback()  # see what the requests wrote
    count = db.session.scalar(select(func.count()).select_from(Attempt)
                              .where(Attempt.enrolment_id == eid))
    assert count == 1
    attempt = db.session.get(Attempt, attempt_id)
    answers = {r.question_id: r.answer for r in attempt.responses}
    first = next(q for q in _quiz(enrolment)["questions"]
                 if q["id"] == attempt.question_order[0])
    assert answers[first["id"]] == QUESTION_TYPES[first["type"]].read(first, ["0"])


def test_answer_key_never_reaches_the_browser_before_submission(app, client):
    db.session.rollback()  # see what the requests wrote
    enrolment = make_enrolment()
    login(client, enrolment.user)
    quiz = _quiz(enrolment)
    url = _start(client, enrolment)
    attempt_id = url.split("/")[2]
    pages = [client.get(f"/attempt/{attempt_id}/{n}").text
             for n in range(1, len(quiz["questions"]) + 1)]
    pages.append(client.get(f"/attempt/{attempt_id}/review").text)
    for page in pages:
        assert 'class="right' not in page and "badge ok" not in page
        for question in quiz["questions"]:
            for option in question.get("choices", []):
                if option["feedback_html"]:
                    assert option["feedback_html"] not in page
            for accepted in question.get("accepted", []):
                assert f'value="{accepted}"' not in page
    assert client.get(f"/attempt/{attempt_id}/result").status_code == 302


def test_another_trainee_cannot_open_my_attempt(app, client):
    db.session.rollback()  # see what the requests wrote
    mine = make_enrolment()
    other = make_enrolment(cohort=mine.cohort)
    login(client, mine.user)
    url = _start(client, mine)
    intruder = app.test_client()
    db.session.rollback()  # see what the requests wrote
    login(intruder, other.user)
    assert intruder.get(url).status_code == 404
    assert intruder.post(url, data={"answer": "0"}).status_code == 404
    assert intruder.get(f"/learn/{mine.id}").status_code == 404
