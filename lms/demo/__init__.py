"""Demo data: a living academy dated from the day it runs (`flask lms demo`).

Mbuji-Mayi's community-policing intake mid-course, a finished and certified border-police
intake at Lubumbashi with the migration directorate, a mining-police cohort at Kolwezi, the
Kasapa train-the-trainer session whose graduates lead those classes, and a classroom lab
registered for sync. Everything is made through the features' services.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import event, select

from lms import audit
from lms.audit import AuditRecord
from lms.auth.models import User
from lms.base import LMSError
from lms.curricula.services import publish_all
from lms.demo.people import DEMO_PASSWORD, NAMED_USERS, TRAINERS
from lms.extensions import db
from lms.home.services import academy_today
from lms.training.models import Cohort
from lms.training.services import get_or_create_site

__all__ = ["DEMO_PASSWORD", "DemoRefused", "academy_today", "load_demo"]

DEMO_ACTION = "demo.load"
SITES = {"mbuji-mayi": "École de police de Mbuji-Mayi",
         "kasapa": "Académie de police de Kasapa, Lubumbashi",
         "kolwezi": "Centre de formation de la police des mines, Kolwezi"}


class DemoRefused(LMSError):
    """The database holds real data: the demo never touches it."""


def demo_loaded() -> bool:
    """Whether the demo academy was loaded into this database."""
    return db.session.scalar(select(AuditRecord.id).where(
        AuditRecord.action == DEMO_ACTION).limit(1)) is not None


def holds_real_data() -> bool:
    """Any person or cohort not made by the demo (the demo records everything it made)."""
    made: dict[str, set[str]] = {"users": set(), "cohorts": set()}
    for after in db.session.scalars(select(AuditRecord.after).where(
            AuditRecord.action == DEMO_ACTION)):
        for key in made:
            made[key].update((after or {}).get(key, []))
    users = set(db.session.scalars(select(User.uuid)))
    cohorts = set(db.session.scalars(select(Cohort.uuid)))
    return bool(users - made["users"] or cohorts - made["cohorts"])


def load_demo(curricula_root, trainees: int = 40, today: date | None = None
              ) -> list[tuple[str, str, str]]:
    """Load the demo academy once; return (login, password, roles) of the README's logins.

    Refuses (DemoRefused) a database holding people or cohorts the demo did not make; a second
    run changes nothing.
    """
    if holds_real_data():
        raise DemoRefused(_(
            "This database already holds people or cohorts that the demo did not create: the "
            "demo never touches real data. Use a new database (set LMS_DATABASE_URL or "
            "LMS_INSTANCE_PATH) to try the demo."))
    logins = [(n, DEMO_PASSWORD, ", ".join(r)) for n, *_rest, r in NAMED_USERS]
    logins += [(t[0], DEMO_PASSWORD, "trainer") for t in TRAINERS]
    if demo_loaded():
        return logins
    if trainees < 6:
        raise DemoRefused(_("The demo intake needs at least 6 trainees."))
    publish_all(curricula_root)
    _ensure_signing_key()
    with _quick_commits():
        build(today or academy_today(), trainees)
    return logins


@contextmanager
def _quick_commits() -> Iterator[None]:
    """SQLite: commit without waiting for the disk while the demo loads (thousands of small
    commits through the services); safe in WAL mode, and a power cut only means running the demo
    again. Every connection used meanwhile is closed at the end: new ones commit durably."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        yield
        return

    def quick(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")  # outside any transaction here

    db.session.commit()
    engine.dispose()
    event.listen(engine, "checkout", quick)
    try:
        yield
    finally:
        db.session.rollback()
        db.session.close()
        event.remove(engine, "checkout", quick)
        engine.dispose()


def build(today: date, trainees: int) -> None:
    """Make the demo academy as it stands on `today`."""
    from lms.demo import academy, people

    sites = {code: get_or_create_site(code, name) for code, name in SITES.items()}
    people.named_users(sites)
    staff = User.by_login("STAFF-001")
    academy.kasapa_tot(sites, today, staff)
    academy.mbuji_mayi(sites, today, staff, trainees)
    academy.lubumbashi_border(sites, today, staff, max(8, trainees // 2))
    academy.kolwezi_mines(sites, today, staff, max(6, trainees * 3 // 8))
    _lab_peer(today)
    audit.record(None, DEMO_ACTION, None, after={
        "on": today.isoformat(), "trainees": trainees,
        "users": list(db.session.scalars(select(User.uuid))),
        "cohorts": list(db.session.scalars(select(Cohort.uuid)))})
    db.session.commit()


def _lab_peer(today: date) -> None:
    """This server acts as the academy's central server; the Mbuji-Mayi lab is its peer."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lms.demo.work import at
    from lms.sync import services as sync
    from lms.sync.keys import public_pem

    if sync.identity() is None:
        sync.set_up("Académie de police de Kasapa (serveur central)", "central")
    lab_key = public_pem(Ed25519PrivateKey.generate())
    card = {"uuid": "5d1c3a52-7a51-4f4e-9d0e-6c1b0d3e2a01", "name": "Lab Mbuji-Mayi",
            "role": "lab", "site_code": "mbuji-mayi", "public_key": lab_key}
    peer = sync.add_peer(json.dumps(card))
    # The lab's trainer brought its last bundle on a USB stick three days ago.
    peer.last_import_at = at(today - timedelta(days=3), 16)
    db.session.commit()


def _ensure_signing_key() -> None:
    """A demo server can issue certificates at once: make its signing key if it has none."""
    from lms.certificates import signing
    from lms.certificates.services import key_folder

    if not (key_folder() / signing.PRIVATE_KEY_FILE).exists():
        signing.generate_key(key_folder())
