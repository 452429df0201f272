"""Staff give a one-time code; the person signs in with it once and must choose a password."""

import re
from datetime import timedelta

from lms.auth.services import issue_one_time_code
from lms.base import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, login, make_user


def _code_from_page(html):
    return re.search(r'<p class="code"><strong>([A-Z0-9-]+)</strong>', html).group(1)


def test_staff_gives_a_code_and_the_trainee_must_choose_a_password(app, client):
    staff = make_user(roles=("staff",))
    trainee = make_user()
    login(client, staff)
    page = client.post(f"/people/{trainee.id}/code")
    assert page.status_code == 200
    code = _code_from_page(page.text)
    client.post("/logout")

    assert login(client, trainee, PASSWORD).status_code == 200  # old password is gone
    response = login(client, trainee, code)
    assert response.headers["Location"].endswith("/account/password")
    # Until the password is changed, every other page sends back to the password form.
    assert client.get("/").headers["Location"].endswith("/account/password")
    done = client.post("/account/password", data={"current": code, "new": "my-new-pass-9",
                                                 "confirm": "my-new-pass-9"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert login(client, trainee, code).status_code == 200  # the code worked only once
    assert login(client, trainee, "my-new-pass-9").status_code == 302
    db.session.rollback()
    from lms.audit import AuditRecord

    assert db.session.query(AuditRecord).filter_by(action="auth.reset_code").count() == 1


def test_an_expired_code_is_refused_with_a_message(app, client):
    staff = make_user(roles=("staff",))
    trainee = make_user()
    code = issue_one_time_code(staff, trainee, now=utcnow() - timedelta(hours=80))
    response = login(client, trainee, code)
    assert response.status_code == 200
    assert "expired" in response.text


def test_a_trainee_cannot_give_codes_and_staff_cannot_reset_an_admin(app, client):
    trainee = make_user()
    other = make_user()
    login(client, trainee)
    assert client.post(f"/people/{other.id}/code").status_code == 403
    client.post("/logout")
    staff = make_user(roles=("staff",))
    admin = make_user(roles=("admin",))
    login(client, staff)
    response = client.post(f"/people/{admin.id}/code", follow_redirects=True)
    assert "Only an administrator" in response.text
    assert login(app.test_client(), admin, PASSWORD).status_code == 302
