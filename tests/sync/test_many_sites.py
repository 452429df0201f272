"""Several sites, people who cross them, weeks of sticks: no bundle is refused, nothing is lost
or doubled, a site's records are changed only by their owner, and bundles carry only changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import Site, User
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.sync import services as sync
from lms.sync.models import SyncConflict
from lms.training.models import Cohort, Enrolment, Qualification
from tests.conftest import PASSWORD
from tests.sync.world import build_world, count, enrol_intake, new_lab_app, on, take_quiz, uuids


@pytest.fixture
def world(app, tmp_path, monkeypatch):
    """The centre (the test database), Lab Mbuji-Mayi and Lab Kalemie, set up as peers."""
    # Weeks pass in a second here: no overlap between one delta and the next.
    monkeypatch.setattr("lms.sync.export.MARGIN", timedelta(0))
    return build_world(app, tmp_path)


def test_a_lab_gets_trainers_of_other_sites_with_their_qualification_and_its_staff(world):
    world.down("mbuji-mayi")
    lab = world.labs["mbuji-mayi"]
    with on(lab):
        trainer = User.by_login("OFF-KA")
        assert trainer.site.code == "kalemie"
        qualification = db.session.scalar(select(Qualification).where(
            Qualification.user_id == trainer.id))
        assert qualification.source_cohort.name == "ToT Kasapa"
        assert qualification.source_cohort.site.code == "kasapa"
        assert "staff" in User.by_login("STAFF-MB").roles
        assert User.by_login("STAFF-KA") is None  # another site's staff stays home
    client = lab.test_client()
    assert client.post("/login", data={"login": "STAFF-MB", "password": PASSWORD}
                       ).status_code == 302


def test_a_lab_never_overwrites_a_record_another_site_owns(world):
    world.down("mbuji-mayi")
    lab = world.labs["mbuji-mayi"]
    with on(lab):
        User.by_login("OFF-KA").phone = "+243 999"  # a Kalemie officer, edited at Mbuji-Mayi
        db.session.commit()
    enrol_intake(lab, "mbuji-mayi", "PdP Mbuji-Mayi", ["MM-1"])
    with on(lab):
        User.by_login("MM-1").phone = "+243 111"
        db.session.commit()
    world.up("mbuji-mayi")
    with on(world.central):
        assert User.by_login("OFF-KA").phone == ""  # the owner's data stands
        assert User.by_login("MM-1").phone == "+243 111"  # the lab's own person arrives


@pytest.mark.parametrize("first", ["mbuji-mayi", "kalemie"])
def test_two_labs_that_hand_out_the_same_numbers_both_reach_the_centre(world, first):
    second = "kalemie" if first == "mbuji-mayi" else "mbuji-mayi"
    for code in world.labs:
        world.down(code)
    enrol_intake(world.labs["mbuji-mayi"], "mbuji-mayi", "PdP Mbuji-Mayi", ["PNC-777", "MM-2"],
                 academy_numbers=["ACA-2026-0001", "ACA-2026-0002"])
    enrol_intake(world.labs["kalemie"], "kalemie", "PdP Kalemie", ["PNC-777", "KA-2"],
                 academy_numbers=["ACA-2026-0001", "ACA-2026-0003"])
    attempts = {take_quiz(world.labs["mbuji-mayi"], "PNC-777"),
                take_quiz(world.labs["kalemie"], "PNC-777")}
    world.up(first)
    counts = world.up(second)
    assert counts["lms_users"]["clashes"] == 1
    with on(world.central):
        people = db.session.scalars(select(User).where(User.last_name == "PNC-777")).all()
        assert len(people) == 2
        assert sorted(p.service_number or "" for p in people)[1] == "PNC-777"
        assert len({p.academy_number for p in people}) == 2
        clashes = db.session.scalars(select(SyncConflict).where(SyncConflict.kind == "clash")
                                     ).all()
        assert {c.rule for c in clashes} == {"two different people have service number PNC-777",
                                             "two different people have academy number "
                                             "ACA-2026-0001"}
        assert set(db.session.scalars(select(Attempt.uuid))) == attempts
        assert db.session.scalar(select(Site.id).where(Site.code == "kalemie"))
    assert count(world.central, Enrolment) == 4 + 3  # two intakes of two, the ToT's three
    # The lab that sent the newcomer corrects the number: the next bundle clears the clash.
    with on(world.labs[second]):
        User.by_login("PNC-777").service_number = "PNC-778"
        db.session.commit()
    world.up(second)
    with on(world.central):
        assert User.by_login("PNC-778").last_name == "PNC-777"


def test_the_staff_page_lists_a_clash_with_what_to_do(world):
    for code in world.labs:
        world.down(code)
    enrol_intake(world.labs["mbuji-mayi"], "mbuji-mayi", "PdP Mbuji-Mayi", ["PNC-5"])
    enrol_intake(world.labs["kalemie"], "kalemie", "PdP Kalemie", ["PNC-5"])
    world.up("mbuji-mayi")
    world.up("kalemie")
    client = world.central.test_client()
    client.post("/login", data={"login": "STAFF-MB", "password": PASSWORD})
    page = client.get("/sync/").text
    assert "Deux personnes différentes ont reçu le même numéro" in page
    assert "Que faire" in page


def test_a_lab_whose_site_the_centre_never_created_sends_it_with_its_intake(world, tmp_path):
    lab = new_lab_app(tmp_path, "moba")
    with on(lab):
        sync.set_up("Lab Moba", "lab", "moba")
        card = sync.identity_card()
    with on(world.central):
        sync.add_peer(card)
        central_card = sync.identity_card()
    with on(lab):
        sync.add_peer(central_card)
    world.labs["moba"], world.names["moba"] = lab, "Lab Moba"
    world.down("moba")  # the centre knows no "moba": it sends the curricula
    enrol_intake(lab, "moba", "PdP Moba", ["MO-1"])
    world.up("moba")
    with on(world.central):
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "PdP Moba"))
        assert cohort.site.code == "moba"
        assert User.by_login("MO-1").site.code == "moba"


def test_after_the_first_exchange_bundles_carry_only_changes_and_a_lost_stick_costs_nothing(world):
    lab = world.labs["mbuji-mayi"]
    world.down("mbuji-mayi")
    enrol_intake(lab, "mbuji-mayi", "PdP Mbuji-Mayi", ["MM-1", "MM-2"])
    world.up("mbuji-mayi")
    world.down("mbuji-mayi")  # acknowledges the lab's first bundle
    quiet = world.up("mbuji-mayi")
    assert sum(t["new"] + t["updated"] for t in quiet.values()) == 0
    assert sum(sum(t.values()) for t in quiet.values()) <= 3  # nothing but a reference or two
    first = take_quiz(lab, "MM-1")
    world.export(lab, "Academy")  # this stick is lost on the road
    second = take_quiz(lab, "MM-2")
    late = world.export(lab, "Academy")
    third = take_quiz(lab, "MM-1")
    world.up("mbuji-mayi")  # the next stick covers the gap
    assert {first, second, third} <= uuids(world.central, Attempt)
    with on(world.central):  # the older stick turns up after the newer one: nothing changes
        before = db.session.scalar(select(Attempt.status).where(Attempt.uuid == third))
        entry, new = sync.import_bundle(late)
        assert new and sum(t["new"] + t["updated"] for t in entry.counts.values()) == 0
        assert db.session.scalar(select(Attempt.status).where(Attempt.uuid == third)) == before
    answers = count(lab, Response)
    assert count(world.central, Response) == answers
    full = world.carry(lab, world.central, "Academy", full=True)
    assert full["lms_responses"]["unchanged"] == answers  # everything again, nothing doubled
    assert count(world.central, Response) == answers


def test_the_centre_relays_one_lab_to_the_other_without_echoing_it_back(world):
    mm, ka = world.labs["mbuji-mayi"], world.labs["kalemie"]
    for code in world.labs:
        world.down(code)
    enrol_intake(mm, "mbuji-mayi", "PdP Mbuji-Mayi", ["MM-1"])
    with on(world.central):  # a trainee transfers: a Mbuji-Mayi officer joins Kalemie's cohort
        from lms.training.services import create_cohort, enrol

        pdp = db.session.scalar(select(Cohort).where(Cohort.name == "PdP Mbuji-Mayi"))
        kalemie = db.session.scalar(select(Site).where(Site.code == "kalemie"))
        create_cohort(name="PdP Kalemie", programme=pdp.programme, site=kalemie,
                      start=pdp.start_date, end=pdp.end_date)
        db.session.commit()
    world.up("mbuji-mayi")
    world.down("mbuji-mayi")
    with on(world.central):
        enrol(User.by_login("MM-1"), db.session.scalar(select(Cohort).where(
            Cohort.name == "PdP Kalemie")))
        db.session.commit()
    world.down("kalemie")
    attempt = take_quiz(ka, "MM-1", "PdP Kalemie")
    world.up("kalemie")
    assert attempt in uuids(world.central, Attempt)
    back = world.down("kalemie")
    assert back["lms_attempts"]["new"] + back["lms_attempts"]["unchanged"] == 0  # not echoed
    with on(ka):
        assert User.by_login("MM-1").site.code == "mbuji-mayi"


def test_a_record_a_lab_sent_and_the_centre_then_changed_goes_back_to_the_lab(world):
    mm = world.labs["mbuji-mayi"]
    world.down("mbuji-mayi")
    enrol_intake(mm, "mbuji-mayi", "PdP Mbuji-Mayi", ["MM-1", "MM-2"])
    world.up("mbuji-mayi")
    assert world.down("mbuji-mayi")["lms_enrolments"]["new"] == 0  # nothing echoed back
    with on(world.central):  # staff withdraw one trainee the lab enrolled
        enrolment = db.session.scalar(select(Enrolment).join(User).where(
            User.service_number == "MM-1"))
        enrolment.status = "withdrawn"
        db.session.commit()
    back = world.down("mbuji-mayi")
    assert back["lms_enrolments"]["updated"] == 1 and back["lms_enrolments"]["unchanged"] == 0
    with on(mm):
        statuses = dict(db.session.execute(select(User.service_number, Enrolment.status)
                                           .join(Enrolment, Enrolment.user_id == User.id)).all())
    assert statuses == {"MM-1": "withdrawn", "MM-2": "active"}
