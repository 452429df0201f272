"""Faults: the server killed mid-save, a read-only database, a full disk."""

import http.client
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bench.harness import (
    Browser,
    answer_for,
    attempt_counts,
    server_env,
    sign_in,
    start_gunicorn,
    start_quiz,
)
from lms import create_app
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning.models import Attempt, Response
from tests.conftest import choice, login, make_enrolment
from tests.reliability.conftest import QUESTIONS

QUIZ = "principes/quiz-principes"


@pytest.mark.parametrize("classroom", [12], indirect=True)
def test_server_killed_mid_save_leaves_no_half_attempt_and_the_trainee_resumes(classroom):
    tmp, logins, enrolments = classroom
    started: dict[str, str] = {}
    saves = 0
    stop = threading.Event()

    def keep_answering(port, login, submit):
        nonlocal saves
        browser = Browser(port, timeout=10)
        try:
            sign_in(browser, login)
            location = start_quiz(browser, enrolments[login]).location
            started[login] = location.split("/")[2]
            base = location.rsplit("/", 1)[0]
            number = 0
            while not stop.is_set():
                question = browser.get(f"{base}/{number % QUESTIONS + 1}")
                if browser.post(question_url := f"{base}/{number % QUESTIONS + 1}", {
                        "csrf_token": question.csrf(), "answer": answer_for(question),
                        "go": "next"}).status == 302:
                    saves += 1
                del question_url
                number += 1
                if submit and number == QUESTIONS:
                    browser.post(f"/attempt/{started[login]}/submit",
                                 {"csrf_token": question.csrf()})
                    break
        except (OSError, ValueError, http.client.HTTPException):
            pass  # the server died under us: that is the point
        finally:
            browser.close()

    env = server_env(tmp)
    server = start_gunicorn("wsgi:app", env, tmp / "gunicorn.log")
    threads = [threading.Thread(target=keep_answering, args=(server.port, login, i % 3 == 0))
               for i, login in enumerate(logins)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    # Every trainee must have started (a slow sign-in could otherwise miss the kill) and some
    # answers must be saved before the kill.
    while ((saves < 3 * len(logins) or len(started) < len(logins))
           and time.monotonic() < deadline):
        time.sleep(0.05)
    server.kill()  # SIGKILL master and workers in the middle of saves
    stop.set()
    for thread in threads:
        thread.join(20)
    assert saves >= 3 * len(logins) and len(started) == len(logins)

    counts = attempt_counts(tmp / "lms.sqlite")
    assert counts["integrity"] == "ok"
    assert counts["orphans"] == 0
    assert counts["half_submitted"] == 0
    assert all(answers <= QUESTIONS for *_rest, answers in counts["rows"])
    assert all(status == "open" or answers == QUESTIONS
               for _id, _e, status, answers in counts["rows"])

    server = start_gunicorn("wsgi:app", env, tmp / "gunicorn.log")
    try:
        for login in logins:
            browser = Browser(server.port)
            try:
                assert sign_in(browser, login).status == 302
                attempt_id = started[login]
                status, saved = next((s, n) for i, _e, s, n in counts["rows"]
                                     if str(i) == attempt_id)
                if status == "submitted":
                    assert browser.get(f"/attempt/{attempt_id}/result").status == 200
                    continue
                again = start_quiz(browser, enrolments[login])
                assert again.location == f"/attempt/{attempt_id}/1"  # the same attempt resumes
                first = browser.get(again.location)
                if saved:  # answers are given from question 1 on: its answer was kept
                    assert "checked" in first.body or 'value="18"' in first.body
                review = browser.get(f"/attempt/{attempt_id}/review")
                done = browser.post(f"/attempt/{attempt_id}/submit",
                                    {"csrf_token": review.csrf()})
                assert done.status == 302
            finally:
                browser.close()
    finally:
        server.stop()
    after = attempt_counts(tmp / "lms.sqlite")
    assert len(after["rows"]) == len(logins)
    assert all(status == "submitted" for _i, _e, status, _n in after["rows"])


def _sqlite_only(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0] != "sqlite":
        pytest.skip("SQLite file permissions")


def test_read_only_database_shows_a_clear_page_and_loses_nothing(app, client):
    _sqlite_only(app)
    db.session.rollback()
    enrolment = make_enrolment()
    user_login, eid = enrolment.user.login_id, enrolment.id
    client.post("/language", data={"lang": "en"})
    login(client, user_login)
    first = client.post(f"/learn/{eid}/principes/quiz-principes/start").headers["Location"]
    attempt_id = int(first.split("/")[2])
    quiz = enrolment.curriculum_version.structure["assessments"][QUIZ]["en"]
    db.session.rollback()
    order = db.session.get(Attempt, attempt_id).question_order
    assert client.post(first, data={"answer": choice(attempt_id, order[0], 0),
                                    "go": "next"}).status_code == 302
    db.session.rollback()
    saved = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert len(saved) == 1 and len(quiz["questions"]) > 1

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    read_only = create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true",
    })
    other = read_only.test_client()
    cookie = app.config["SESSION_COOKIE_NAME"]
    other.set_cookie(cookie, client.get_cookie(cookie).value)
    page = other.post(f"/attempt/{attempt_id}/2", data={"answer": choice(attempt_id, order[1], 0),
                                                         "go": "next"})
    assert page.status_code == 503
    assert "your previous answers are safe" in page.text
    assert "Traceback" not in page.text
    assert other.get(f"/attempt/{attempt_id}/1").status_code == 200  # reading still works
    signing_in = read_only.test_client().post("/login", data={"login": user_login,
                                                             "password": "secret-pass-1"})
    assert signing_in.status_code == 503
    with read_only.app_context():
        db.engine.dispose()

    db.session.rollback()
    kept = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
    assert [(r.question_id, r.answer) for r in kept] == [(r.question_id, r.answer)
                                                         for r in saved]
    assert db.session.get(Attempt, attempt_id).is_open


def _first_choice(location: str) -> list[str]:
    attempt_id = int(location.split("/")[2])
    db.session.rollback()
    return choice(attempt_id, db.session.get(Attempt, attempt_id).question_order[0], 0)


def test_full_disk_gives_the_same_clear_page(app, client, monkeypatch):
    db.session.rollback()
    enrolment = make_enrolment()
    client.post("/language", data={"lang": "en"})
    login(client, enrolment.user.login_id)
    first = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start")
    location = first.headers["Location"]

    def disk_full(*args, **kwargs):
        raise OperationalError("INSERT INTO lms_responses", {},
                               sqlite3.OperationalError("database or disk is full"))

    # Both the answer-save fast path and the ORM path store with this statement.
    monkeypatch.setattr(answer_save, "store_answer_statement", disk_full)
    page = client.post(location, data={"answer": _first_choice(location), "go": "next"})
    assert page.status_code == 503
    assert page.headers["Retry-After"]
    assert "The server could not save right now" in page.text


def test_a_database_bug_is_not_hidden_behind_the_busy_page(app, client, monkeypatch):
    db.session.rollback()
    enrolment = make_enrolment()
    login(client, enrolment.user.login_id)
    location = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start"
                           ).headers["Location"]

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such column: x"))

    monkeypatch.setattr(answer_save, "store_answer_statement", broken)
    with pytest.raises(OperationalError):
        client.post(location, data={"answer": _first_choice(location), "go": "next"})


