"""Academy numbers handed out on two lab servers and the academy's never collide, and numbers
given before keep working to sign in."""

from __future__ import annotations

import uuid

from lms import create_app
from lms.auth.models import User
from lms.auth.services import authenticate, create_user
from lms.extensions import db
from lms.sync import services as sync
from tests.conftest import CURRICULA, PASSWORD


def _server(tmp_path, name: str, role: str, site: str | None):
    """A server of its own (database and instance folder) with its sync identity."""
    app = create_app({"TESTING": True, "SECRET_KEY": "k-" + name,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite",
                      "LMS_CURRICULA_DIR": str(CURRICULA)})
    app.instance_path = str(tmp_path / f"{name}-instance")
    with app.app_context():
        db.create_all()
        if role:
            sync.set_up(name, role, site)
    return app


def _new_numbers(app, count: int) -> list[str]:
    with app.app_context():
        numbers = [create_user(first_name="A", last_name=uuid.uuid4().hex[:8], sex="F",
                               password=PASSWORD).academy_number for _ in range(count)]
        db.session.remove()
        return numbers


def test_numbers_given_on_different_servers_never_collide(tmp_path):
    kalemie = _server(tmp_path, "kalemie", "lab", "kalemie")
    mbuji_mayi = _server(tmp_path, "mbuji", "lab", "mbuji-mayi")
    central = _server(tmp_path, "academie", "central", None)
    alone = _server(tmp_path, "alone", "", None)
    given = {name: _new_numbers(app, 3) for name, app in
             (("kalemie", kalemie), ("mbuji", mbuji_mayi), ("central", central))}
    everything = [n for numbers in given.values() for n in numbers]
    assert len(set(everything)) == len(everything) == 9
    assert all(n.startswith("KALEMIE-") for n in given["kalemie"])
    assert all(n.startswith("MBUJI-MAYI-") for n in given["mbuji"])
    assert all(n.startswith("ACA-") for n in given["central"])
    assert given["kalemie"][0].endswith("-00001") and given["mbuji"][0].endswith("-00001")
    assert _new_numbers(alone, 1)[0].startswith("ACA-")


def test_a_number_given_before_the_lab_was_set_up_still_signs_in(tmp_path):
    lab = _server(tmp_path, "lab", "", None)
    [old] = _new_numbers(lab, 1)
    with lab.test_request_context():
        sync.set_up("lab", "lab", "kalemie")
        [new] = _new_numbers(lab, 1)
        assert old.startswith("ACA-") and new.startswith("KALEMIE-")
        assert authenticate(old.lower(), PASSWORD) == User.by_login(old)
