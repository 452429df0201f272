"""Academy numbers handed out on two lab servers and the academy's never collide, and numbers
given before keep working to sign in."""

from __future__ import annotations

import time
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
    assert all(n.startswith("KALEMIE-") for n in given["kalemie"])  # and the lab's code
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


def test_a_lab_set_up_before_numbers_had_a_code_gets_one_and_keeps_its_old_numbers(tmp_path):
    lab = _server(tmp_path, "lab", "lab", "kalemie")
    with lab.app_context():
        sync.identity().number_code = None  # as a lab set up by an earlier release
        db.session.commit()
        old = create_user(first_name="A", last_name="Old", sex="F", password=PASSWORD,
                          academy_number="KALEMIE-2026-00001").academy_number
        db.session.remove()
    [new] = _new_numbers(lab, 1)
    with lab.app_context():
        code = sync.identity().number_code
        assert len(code) == 3 and new == f"KALEMIE-{code}-2026-00001"
        assert User.by_login(old).last_name == "Old"  # the number given before stands
        assert authenticate(old, PASSWORD) is not None


def test_sync_init_takes_the_labs_code_for_its_numbers_and_refuses_a_bad_one(tmp_path):
    lab = _server(tmp_path, "lab", "", None)
    runner = lab.test_cli_runner()
    bad = runner.invoke(args=["lms", "sync", "init", "--name", "Lab Kalemie", "--role", "lab",
                              "--site", "kalemie", "--numbers", "K-7"])
    assert bad.exit_code != 0 and "1 à 4 lettres ou chiffres" in bad.output
    good = runner.invoke(args=["lms", "sync", "init", "--name", "Lab Kalemie", "--role", "lab",
                               "--site", "kalemie", "--numbers", "k7"])
    assert good.exit_code == 0, good.output
    assert "commencent par KALEMIE-K7" in good.output
    assert _new_numbers(lab, 1) == [f"KALEMIE-K7-{time.gmtime().tm_year}-00001"]
