"""Failed sign-ins are limited per account and per address, and the limit releases itself."""

from datetime import timedelta

import pytest

from lms.auth.models import User
from lms.auth.throttle import LoginFailure, check_login_allowed, record_login_failure
from lms.base import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, login, make_user


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(client):
    user = make_user()
    for _ in range(5):
        response = login(client, user, "wrong-password")
        assert response.status_code == 200
    locked = login(client, user, PASSWORD)
    assert locked.status_code == 429
    assert "Attendez 15 minutes" in locked.text
    assert client.get("/").status_code == 302  # not signed in


def test_the_lock_releases_itself_when_the_failures_age_out(app):
    for _ in range(5):
        record_login_failure("PNC-1", "10.0.0.9", now=utcnow() - timedelta(minutes=16))
    check_login_allowed("PNC-1", "10.0.0.9")  # nothing raised: old failures do not count


def test_a_success_clears_the_account_failures(client):
    user = make_user()
    for _ in range(4):
        login(client, user, "wrong-password")
    assert login(client, user, PASSWORD).status_code == 302
    db.session.rollback()
    assert db.session.query(LoginFailure).filter_by(login=user.login_id).count() == 0


def test_one_address_trying_many_accounts_is_limited(app, client):
    app.config["LMS_LOGIN_MAX_FAILURES_ADDRESS"] = 3
    for number in range(3):
        login(client, f"NOBODY-{number}", "x")
    user = make_user()
    response = login(client, user, PASSWORD)
    assert response.status_code == 429


def test_failures_are_counted_in_the_database_not_in_a_worker(app):
    """Two app instances (two workers) share the count."""
    from lms import create_app

    for _ in range(5):
        record_login_failure("PNC-2", "10.0.0.1")
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    with other.app_context():
        client = other.test_client()
        response = client.post("/login", data={"login": "PNC-2", "password": "whatever1"})
        assert response.status_code == 429
        db.session.remove()
        db.engine.dispose()


@pytest.mark.real_password_cost
def test_passwords_are_stored_with_argon2id_at_owasp_minimum_cost(app):
    user = make_user()
    # One of OWASP's equivalent Argon2id minimums (7 MiB, 5 passes).
    assert user.password_hash.startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    assert PASSWORD not in user.password_hash


@pytest.mark.real_password_cost
def test_a_password_hashed_with_the_former_19_mib_setting_signs_in_and_is_rehashed(app, client):
    from argon2 import PasswordHasher

    user = make_user()
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=19 * 1024,
                                        parallelism=1).hash(PASSWORD)
    db.session.commit()
    user_id, login_id = user.id, user.login_id

    assert login(client, login_id).status_code == 302
    db.session.rollback()
    stored = db.session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    client.post("/logout")
    assert login(client, login_id).status_code == 302  # the new hash verifies


def test_forty_wrong_passwords_at_once_check_at_most_five_against_the_hash(app, monkeypatch):
    """The limit and the check are one step: a burst cannot slip past the count."""
    import threading

    from lms.auth import services

    user = make_user()
    db.session.commit()
    login_id = user.login_id
    checked = []
    real_verify = services.verify_password

    def counting_verify(stored, password):
        checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(services, "verify_password", counting_verify)
    start = threading.Barrier(40)
    statuses = []

    def attempt(n):
        client = app.test_client()
        start.wait()
        statuses.append(login(client, login_id, f"wrong-{n}").status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 40
    assert len(checked) <= app.config["LMS_LOGIN_MAX_FAILURES_ACCOUNT"] == 5
    assert statuses.count(429) >= 35
    db.session.rollback()
    assert db.session.query(LoginFailure).filter_by(login=login_id).count() == 5
