"""Signing in and out, session expiry, password change, redirects, CSRF, roles and headers."""

import re

import pytest

from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, make_enrolment, make_user

COOKIE = "lms_session"  # the standalone app names its cookie


def signed_in(client) -> bool:
    """True if the client's session opens the dashboard."""
    return client.get("/").status_code == 200


@pytest.fixture
def trainee(app):
    return make_user(service_number="PNC-4242", academy_number="ACA-2026-00077",
                     first_name="Esther", last_name="Kalala")


@pytest.mark.parametrize("typed", ["PNC-4242", "pnc-4242", "  Pnc-4242 ", "ACA-2026-00077",
                                   "aca-2026-00077"])
def test_login_by_service_or_academy_number_any_case(client, trainee, typed):
    response = login(client, typed)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Esther KALALA" in page.text


def test_wrong_password_shows_a_message_and_opens_no_session(client, trainee):
    response = client.post("/login", data={"login": "PNC-4242", "password": "wrong-one"})
    assert response.status_code == 200
    assert "Wrong number or password" in response.text
    assert not signed_in(client)
    unknown = client.post("/login", data={"login": "PNC-0000", "password": PASSWORD})
    assert "Wrong number or password" in unknown.text
    assert not signed_in(client)


def test_an_inactive_account_cannot_sign_in(client, trainee):
    trainee.active = False
    db.session.commit()
    login(client, trainee)
    assert not signed_in(client)


def test_a_copied_session_cookie_stops_working_after_logout(app, client, trainee):
    login(client, trainee)
    assert signed_in(client)
    copied = client.get_cookie(COOKIE).value
    client.post("/logout")
    assert not signed_in(client)
    replay = app.test_client()
    replay.set_cookie(COOKIE, copied)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_idle_session_expires_with_a_message(app, client, trainee):
    login(client, trainee)
    assert signed_in(client)
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["LMS_SESSION_IDLE_MINUTES"] * 60 + 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "Your session ended after a period of inactivity" in page.text
    assert not signed_in(client)


def test_idle_limit_comes_from_configuration(app, client, trainee, monkeypatch):
    app.config["LMS_SESSION_IDLE_MINUTES"] = 1
    login(client, trainee)
    with client.session_transaction() as session:
        session["last_seen"] -= 50
    assert signed_in(client)  # 50 s idle is within one minute
    with client.session_transaction() as session:
        session["last_seen"] -= 61
    assert not signed_in(client)


def test_password_change_works_and_ends_other_sessions(app, client, trainee):
    other = app.test_client()
    login(client, trainee)
    login(other, trainee)
    assert signed_in(other)
    page = client.get("/account/password")
    assert page.status_code == 200 and 'name="new"' in page.text
    wrong = client.post("/account/password", data={
        "current": "not-mine-123", "new": "nouveau-mot-2026", "confirm": "nouveau-mot-2026"})
    assert "The current password is wrong" in wrong.text
    changed = client.post("/account/password", data={
        "current": PASSWORD, "new": "nouveau-mot-2026", "confirm": "nouveau-mot-2026"})
    assert changed.status_code == 302
    assert signed_in(client)  # this browser stays signed in
    assert not signed_in(other)  # every other session ends
    fresh = app.test_client()
    login(fresh, "PNC-4242", PASSWORD)
    assert not signed_in(fresh)
    login(fresh, "PNC-4242", "nouveau-mot-2026")
    assert signed_in(fresh)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example",
                                    "http:/evil.example", "/\t/evil.example", "/\n/evil.example",
                                    "\\\\evil.example", "javascript:alert(1)"])
def test_login_refuses_to_redirect_off_site(client, trainee, target):
    response = client.post("/login", query_string={"next": target},
                           data={"login": "PNC-4242", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_a_local_page(client, trainee):
    response = client.post("/login?next=/account/password",
                           data={"login": "PNC-4242", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


def test_a_page_needing_sign_in_sends_to_login_and_back(client, trainee):
    response = client.get("/account/password")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    back = client.post(location, data={"login": "PNC-4242", "password": PASSWORD})
    assert back.headers["Location"] == "/account/password"


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_gets_the_friendly_page(csrf_app, client, trainee):
    response = client.post("/login", data={"login": "PNC-4242", "password": PASSWORD})
    assert response.status_code == 400
    assert "Please try again" in response.text and "reload the page" in response.text
    assert not signed_in(client)
    token = csrf_token(client.get("/login").text)
    ok = client.post("/login", data={"login": "PNC-4242", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302 and signed_in(client)
    assert client.post("/logout").status_code == 400
    assert signed_in(client)


def test_quiz_answer_is_shown_again_when_the_token_is_rejected(csrf_app, client):
    db.session.rollback()
    enrolment = make_enrolment()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"login": enrolment.user.login_id, "password": PASSWORD,
                                "csrf_token": token})
    page = client.get(f"/learn/{enrolment.id}/principes/quiz-principes")
    start = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start",
                        data={"csrf_token": csrf_token(page.text)})
    url = start.headers["Location"]
    attempt_id = int(url.split("/")[2])
    from lms.learning.models import Attempt

    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    quiz = enrolment.curriculum_version.structure["assessments"]["principes/quiz-principes"]["fr"]
    types = {q["id"]: q["type"] for q in quiz["questions"]}
    number = next(n for n, qid in enumerate(attempt.question_order, 1)
                  if types[qid] in ("short", "essay"))
    typed = "Ma réponse « sauvée » malgré tout"
    lost = client.post(f"/attempt/{attempt_id}/{number}",
                       data={"answer": typed, "csrf_token": "stale"})
    assert lost.status_code == 400
    assert "Your answer was not saved yet" in lost.text
    assert typed.replace("«", "&#171;").replace("»", "&#187;") in lost.text or \
        typed in lost.text
    fresh = csrf_token(lost.text)
    saved = client.post(f"/attempt/{attempt_id}/{number}",
                        data={"answer": typed, "csrf_token": fresh})
    assert saved.status_code == 302
    db.session.rollback()
    answers = {r.question_id: r.answer for r in db.session.get(Attempt, attempt_id).responses}
    assert typed in str(answers[attempt.question_order[number - 1]])


def test_a_trainee_gets_403_on_staff_pages(client, trainee):
    login(client, trainee)
    for url in ("/curricula/", "/curricula/versions/1", "/curricula/x/diff?old=1&new=2"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Access denied" in response.text


def test_security_headers_and_no_store_on_personal_pages(client, trainee):
    for url in ("/login", "/"):
        if url == "/":
            login(client, trainee)
        response = client.get(url)
        assert response.status_code == 200
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    assert "no-store" in client.get("/nowhere").headers["Cache-Control"]


def test_static_files_are_cached_for_long(client):
    page = client.get("/login")
    css = re.search(r'href="(/static/lms\.css\?v=\d+)"', page.text).group(1)
    with client.get(css) as response:
        response.close()
    assert response.status_code == 200
    max_age = int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1))
    assert max_age >= 7 * 24 * 3600
    assert "no-store" not in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
