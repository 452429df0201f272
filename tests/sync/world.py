"""A province-sized world for sync tests: the academy's central server and classroom labs on
several sites, trainers qualified at Kasapa who lead cohorts elsewhere, people who cross sites,
and weeks of work carried on USB sticks."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func, select

from lms import create_app
from lms.auth.models import User
from lms.curricula.models import Programme
from lms.extensions import db
from lms.sync import services as sync
from lms.training.models import Cohort, Enrolment
from tests.conftest import CURRICULA, IsolatedClient, make_user, publish

QUIZ = "principes/quiz-principes"
LESSON = "principes/six-principes"
SITES = {"kasapa": "Académie de Kasapa", "mbuji-mayi": "École de police de Mbuji-Mayi",
         "lubumbashi": "École de police de Lubumbashi", "kalemie": "École de police de Kalemie"}


def new_lab_app(tmp_path, name):
    """A lab server: its own SQLite file and instance folder."""
    app = create_app({"TESTING": True, "SECRET_KEY": "k-" + name, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.sqlite",
                      "LMS_CURRICULA_DIR": str(CURRICULA)})
    app.instance_path = str(tmp_path / f"{name}-instance")
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
    return app


@contextmanager
def on(app):
    """Run code on one server (its own app context and database session)."""
    with app.app_context():
        yield
        db.session.remove()


@dataclass
class World:
    """The centre, the labs by site code, and what each was sent (the sticks)."""

    central: object
    labs: dict[str, object]
    names: dict[str, str] = field(default_factory=dict)  # site code -> lab server name

    def export(self, source, peer_name: str, full: bool = False) -> bytes:
        """A bundle made on `source` for `peer_name` (a stick not yet carried)."""
        with on(source):
            return sync.export_bundle(sync.get_peer(peer_name), full=full)[1]

    def carry(self, source, target, peer_name: str, full: bool = False):
        """Export on `source`, import on `target`; the bundle's log entry counts."""
        data = self.export(source, peer_name, full)
        with on(target):
            entry, new = sync.import_bundle(data)
            assert new
            return entry.counts

    def up(self, code: str):
        """The lab of `code` sends its week to the centre."""
        return self.carry(self.labs[code], self.central, "Academy")

    def down(self, code: str):
        """The centre sends the lab of `code` its site's records."""
        return self.carry(self.central, self.labs[code], self.names[code])


def build_world(central, tmp_path, lab_sites=("mbuji-mayi", "kalemie")) -> World:
    """Sites, a ToT at Kasapa qualifying officers of three sites, a cohort at Mbuji-Mayi led by
    a trainer who lives in Kalemie, a staff account of each lab's site, labs set up as peers."""
    from lms.training.services import assign_trainer, create_cohort, enrol, get_or_create_site
    from lms.training.tot import record_qualification

    with on(central):
        pdp = publish()
        tot_version = publish(CURRICULA / "formation-des-formateurs")
        sites = {code: get_or_create_site(code, name) for code, name in SITES.items()}
        tot = create_cohort(name="ToT Kasapa", programme=tot_version.programme,
                            site=sites["kasapa"], start=date(2026, 1, 5), end=date(2026, 1, 30),
                            qualifies_for=[pdp.programme])
        for code, number in (("mbuji-mayi", "OFF-MM"), ("lubumbashi", "OFF-LU"),
                             ("kalemie", "OFF-KA")):
            officer = make_user(service_number=number, site=sites[code], last_name=code)
            enrol(officer, tot)  # qualified by the session (recorded, as staff do on paper)
            record_qualification(officer, pdp.programme, date(2026, 1, 30), source_cohort=tot)
        cohort = create_cohort(name="PdP Mbuji-Mayi", programme=pdp.programme,
                               site=sites["mbuji-mayi"], start=date(2026, 2, 2),
                               end=date(2026, 7, 31), version=pdp)
        assign_trainer(cohort, User.by_login("OFF-KA"))  # lives in Kalemie, teaches here
        for code in lab_sites:
            make_user(roles=("staff",), service_number=f"STAFF-{code[:2].upper()}",
                      site=sites[code])
        db.session.commit()
        sync.set_up("Academy", "central")
        central_card = sync.identity_card()
    labs, names, cards = {}, {}, {}
    for code in lab_sites:
        labs[code] = new_lab_app(tmp_path, code)
        names[code] = f"Lab {code}"
        with on(labs[code]):
            sync.set_up(names[code], "lab", code)
            cards[code] = sync.identity_card()
            sync.add_peer(central_card)
    with on(central):
        for code in lab_sites:
            sync.add_peer(cards[code])
    return World(central, labs, names)


def add_lab(world: World, tmp_path, key: str, site_code: str, number_code: str | None = None):
    """Another lab server, for `site_code` (a second lab of a site has its own `key`), set up
    as the centre's peer."""
    app = new_lab_app(tmp_path, key)
    world.labs[key], world.names[key] = app, f"Lab {key}"
    with on(world.central):
        central_card = sync.identity_card()
    with on(app):
        sync.set_up(world.names[key], "lab", site_code, number_code)
        card = sync.identity_card()
        sync.add_peer(central_card)
    with on(world.central):
        sync.add_peer(card)
    return app


def enrol_intake(app, site_code: str, cohort_name: str, numbers: list[str],
                 academy_numbers: list[str] | None = None, matricules: bool = True) -> None:
    """A lab enrols its own intake (people created on the lab) into one of its cohorts; without
    `matricules`, recruits who have no service number yet (named by `numbers`)."""
    from lms.training.services import (
        create_class,
        create_cohort,
        create_meeting,
        enrol,
        get_or_create_site,
    )

    with on(app):
        site = get_or_create_site(site_code, SITES.get(site_code, site_code))
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == cohort_name))
        if cohort is None:
            programme = db.session.scalar(select(Programme).where(
                Programme.code == "police-de-proximite"))
            cohort = create_cohort(name=cohort_name, programme=programme, site=site,
                                   start=date(2026, 2, 9), end=date(2026, 8, 7))
            cohort_class = create_class(cohort, "Classe A")
            for week in range(3):
                create_meeting(cohort_class, day=date(2026, 2, 9) + timedelta(weeks=week),
                               start=time(8), room="Salle 1")
        for i, number in enumerate(numbers):
            extra = {"academy_number": academy_numbers[i]} if academy_numbers else {}
            enrol(make_user(service_number=number if matricules else None, site=site,
                            last_name=number, **extra), cohort)
        db.session.commit()


def take_quiz(app, login_id: str, cohort_name: str | None = None) -> str:
    """The trainee answers every question of the quiz rightly and submits; the attempt's uuid."""
    from lms.learning import answers
    from lms.learning import services as learning
    from lms.learning.choices import choice_value

    with on(app):
        user = User.by_login(login_id)
        query = select(Enrolment).where(Enrolment.user_id == user.id)
        if cohort_name:
            query = query.join(Cohort).where(Cohort.name == cohort_name)
        enrolment = db.session.scalars(query.order_by(Enrolment.id.desc())).first()
        attempt = learning.start_attempt(enrolment, QUIZ, "fr")
        for question in learning.quiz_of(attempt)["questions"]:
            values = ([choice_value(attempt.uuid, question["id"], i)
                       for i, c in enumerate(question.get("choices", [])) if c["correct"]]
                      or [str(question.get("answer", question.get("accepted", ["x"])[0]))])
            answers.save_response(attempt, question["id"], values)
        learning.submit_attempt(attempt)
        return attempt.uuid


def count(app, model, *where) -> int:
    """Rows of `model` on one server."""
    with on(app):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def uuids(app, model) -> set[str]:
    """Global ids of every `model` row on one server."""
    with on(app):
        return set(db.session.scalars(select(model.uuid)))
