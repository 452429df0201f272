"""Two lab servers at one site enrol their recruits the same day: the academy numbers they hand
out differ, and both bundles reach the centre without a clash, in either order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.sync import services as sync
from lms.sync.models import SyncConflict
from lms.training.models import Cohort, Enrolment
from tests.sync.world import add_lab, build_world, count, enrol_intake, on


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    """The centre, Lab Mbuji-Mayi and a second lab of Mbuji-Mayi (the school's annex)."""
    monkeypatch.setattr("lms.sync.export.MARGIN", timedelta(0))
    world = build_world(app, tmp_path, lab_sites=("mbuji-mayi",))
    add_lab(world, tmp_path, "annexe", "mbuji-mayi", number_code="B2")
    return world


def _numbers(app, last_names: list[str]) -> dict[str, str]:
    with on(app):
        return dict(db.session.execute(select(User.last_name, User.academy_number).where(
            User.last_name.in_(last_names))).all())


@pytest.mark.parametrize("first", ["mbuji-mayi", "annexe"])
def test_two_labs_of_one_site_enrol_recruits_the_same_day_and_both_reach_the_centre(world,
                                                                                 first):
    second = "annexe" if first == "mbuji-mayi" else "mbuji-mayi"
    world.down("mbuji-mayi")
    world.down("annexe")
    # Recruits without a matricule yet: the academy number is all they sign in with.
    enrol_intake(world.labs["mbuji-mayi"], "mbuji-mayi", "PdP Mbuji-Mayi", ["R-1", "R-2"],
                 matricules=False)
    enrol_intake(world.labs["annexe"], "mbuji-mayi", "PdP Mbuji-Mayi", ["R-3", "R-4"],
                 matricules=False)
    given = {**_numbers(world.labs["mbuji-mayi"], ["R-1", "R-2"]),
             **_numbers(world.labs["annexe"], ["R-3", "R-4"])}
    assert len(set(given.values())) == 4
    assert given["R-3"].startswith("MBUJI-MAYI-B2-") and given["R-3"].endswith("-00001")
    assert given["R-1"].startswith("MBUJI-MAYI-") and given["R-1"].endswith("-00001")
    first_counts = world.up(first)  # world.up asserts the bundle was taken
    second_counts = world.up(second)
    assert first_counts["lms_users"]["clashes"] == second_counts["lms_users"]["clashes"] == 0
    assert count(world.central, SyncConflict) == 0
    assert _numbers(world.central, list(given)) == given  # every number as its lab gave it
    with on(world.central):
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "PdP Mbuji-Mayi"))
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.cohort_id == cohort.id)) == 4
    world.down(second)  # the centre relays the other lab's recruits: no clash there either
    with on(world.labs[second]):
        assert db.session.scalar(select(func.count()).select_from(SyncConflict)) == 0
        assert {u.academy_number for u in db.session.scalars(select(User).where(
            User.last_name.in_(list(given))))} == set(given.values())


def test_the_centre_refuses_a_second_lab_of_a_site_with_the_same_code(world, tmp_path):
    with on(world.labs["mbuji-mayi"]):
        code = sync.identity().number_code
    assert len(code) == 3
    with pytest.raises(sync.SyncError, match="Lab annexe.*déjà le code"):
        add_lab(world, tmp_path, "troisieme", "mbuji-mayi", number_code="B2")
    add_lab(world, tmp_path, "kalemie", "kalemie", number_code="B2")  # another site may
