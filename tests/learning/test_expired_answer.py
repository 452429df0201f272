"""A trainee whose session ended while answering finds the typed answer again after signing in
(whether the session went idle or the browser dropped its cookie): never a generic error page."""

import html
import re

import pytest

from lms.extensions import db
from lms.learning.models import Attempt
from tests.conftest import PASSWORD, csrf_token, make_enrolment, make_user

QUIZ = "principes/quiz-principes"
TYPED = "Le CLSP réunit police & population « chaque mois »"


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _sign_in(client, login_id, extra=None):
    page = client.get("/login")
    data = {"login": login_id, "password": PASSWORD, "csrf_token": csrf_token(page.text)}
    return client.post("/login", data={**data, **(extra or {})})


def _hidden(page_html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", page_html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            value = html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
            fields.setdefault(name, []).append(value)
    return fields


def _open_attempt(client, enrolment):
    page = client.get(f"/learn/{enrolment.id}/{QUIZ}")
    start = client.post(f"/learn/{enrolment.id}/{QUIZ}/start",
                        data={"csrf_token": csrf_token(page.text)})
    attempt_id = int(start.headers["Location"].split("/")[2])
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    quiz = enrolment.curriculum_version.structure["assessments"][QUIZ]["fr"]
    types = {q["id"]: q["type"] for q in quiz["questions"]}
    number = next(n for n, qid in enumerate(attempt.question_order, 1)
                  if types[qid] in ("short", "essay"))
    token = csrf_token(client.get(f"/attempt/{attempt_id}/{number}").text)
    return attempt_id, number, token


def _carried_then_shown_back(client, login_id, attempt_id, number, answered):
    assert answered.status_code == 200, answered.status_code
    text = answered.get_data(as_text=True)
    assert "Veuillez réessayer" not in text
    assert 'name="password"' in text  # the sign-in form, on the spot, posting to sign in
    assert re.search(r'<form method="post"[^>]* action="/login"', text)
    carried = _hidden(text)
    assert carried["pending_answer"] == [TYPED]
    carried.pop("csrf_token")
    back = _sign_in(client, login_id, carried)
    assert back.status_code == 200
    page = back.get_data(as_text=True)
    assert "pas encore enregistrée" in page
    assert html.escape(TYPED, quote=False) in page or TYPED in page
    assert f'action="/attempt/{attempt_id}/{number}"' in page
    # Saving from the page shown back keeps it.
    saved = client.post(f"/attempt/{attempt_id}/{number}",
                        data={"answer": TYPED, "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    answers = {r.question_id: r.answer for r in attempt.responses}
    assert TYPED in str(answers[attempt.question_order[number - 1]])


def test_an_answer_sent_after_the_session_went_idle_is_shown_back_after_sign_in(csrf_app,
                                                                                 client):
    db.session.rollback()
    enrolment = make_enrolment()
    login_id = enrolment.user.login_id
    _sign_in(client, login_id)
    attempt_id, number, token = _open_attempt(client, enrolment)
    with client.session_transaction() as session:
        session["last_seen"] -= csrf_app.config["LMS_SESSION_IDLE_MINUTES"] * 60 + 5
    answered = client.post(f"/attempt/{attempt_id}/{number}",
                           data={"answer": TYPED, "csrf_token": token})
    _carried_then_shown_back(client, login_id, attempt_id, number, answered)


def test_an_answer_sent_after_the_browser_dropped_the_cookie_is_shown_back(csrf_app, client):
    db.session.rollback()
    enrolment = make_enrolment()
    login_id = enrolment.user.login_id
    _sign_in(client, login_id)
    attempt_id, number, token = _open_attempt(client, enrolment)
    client.delete_cookie("lms_session")  # the cookie's lifetime ended in the browser
    answered = client.post(f"/attempt/{attempt_id}/{number}",
                           data={"answer": TYPED, "csrf_token": token})
    _carried_then_shown_back(client, login_id, attempt_id, number, answered)


def test_someone_else_signing_in_never_sees_the_carried_answer(csrf_app, client):
    db.session.rollback()
    enrolment = make_enrolment()
    other = make_user()
    db.session.commit()
    other_login = other.login_id
    _sign_in(client, enrolment.user.login_id)
    attempt_id, number, token = _open_attempt(client, enrolment)
    client.delete_cookie("lms_session")
    answered = client.post(f"/attempt/{attempt_id}/{number}",
                           data={"answer": TYPED, "csrf_token": token})
    carried = _hidden(answered.get_data(as_text=True))
    carried.pop("csrf_token", None)
    back = _sign_in(client, other_login, carried)
    assert back.status_code == 302 and TYPED not in back.get_data(as_text=True)
    assert TYPED not in client.get(back.headers["Location"]).get_data(as_text=True)
