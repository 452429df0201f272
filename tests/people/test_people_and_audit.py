"""Admins change roles and accounts; every change is in the audit log they can read."""

from lms.audit import AuditRecord
from lms.extensions import db
from tests.conftest import PASSWORD, login, make_user


def test_admin_changes_roles_and_the_change_is_audited(app, client):
    admin = make_user(roles=("admin",))
    user = make_user(last_name="Kalala")
    login(client, admin)
    assert "Kalala".upper() in client.get("/people/?q=kala").text
    client.post(f"/people/{user.id}/roles", data={"role": ["trainee", "trainer"]})
    db.session.rollback()
    assert db.session.get(type(user), user.id).roles == {"trainee", "trainer"}
    record = db.session.query(AuditRecord).filter_by(action="user.roles").one()
    assert record.before == {"roles": ["trainee"]}
    assert record.after == {"roles": ["trainee", "trainer"]}
    log = client.get("/people/audit?action=user.")
    assert "Rôles modifiés" in log.text and "Stagiaire, Formateur" in log.text


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(app, client):
    admin = make_user(roles=("admin",))
    user = make_user()
    theirs = app.test_client()
    login(theirs, user)
    assert theirs.get("/").status_code == 200
    login(client, admin)
    client.post(f"/people/{user.id}/active", data={"active": "0"})
    assert theirs.get("/").status_code == 302
    assert login(app.test_client(), user, PASSWORD).status_code == 200


def test_staff_cannot_change_roles_or_read_the_audit_log(app, client):
    staff = make_user(roles=("staff",))
    user = make_user()
    login(client, staff)
    assert client.get("/people/").status_code == 200
    assert client.post(f"/people/{user.id}/roles", data={"role": ["admin"]}).status_code == 403
    assert client.get("/people/audit").status_code == 403
    db.session.rollback()
    assert "admin" not in db.session.get(type(user), user.id).roles


def test_an_admin_cannot_remove_their_own_admin_role(app, client):
    admin = make_user(roles=("admin",))
    login(client, admin)
    response = client.post(f"/people/{admin.id}/roles", data={"role": ["staff"]},
                           follow_redirects=True)
    assert "retirer votre propre rôle" in response.text
