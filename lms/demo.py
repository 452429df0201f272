"""Demo data: sites, users of every role, published curricula and a cohort."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import create_user
from lms.curricula.models import Programme
from lms.curricula.services import publish_all
from lms.extensions import db
from lms.training.attendance import save_register
from lms.training.models import Cohort
from lms.training.services import (
    assign_trainer,
    create_class,
    create_cohort,
    create_meeting,
    enrol,
    get_or_create_site,
)
from lms.training.tot import record_qualification

DEMO_PASSWORD = "demo-pass-2026"

DEMO_USERS = [
    # service number, first, last, sex, rank, unit, site, roles
    ("ADMIN-001", "Aline", "Mukendi", "F", "Commissaire", "Académie", "kasapa", ("admin",)),
    ("STAFF-001", "Joseph", "Kabongo", "M", "Commissaire adjoint", "Académie", "kasapa",
     ("staff",)),
    ("FORM-001", "Grâce", "Ilunga", "F", "Inspecteur principal", "Formation", "mbuji-mayi",
     ("trainer",)),
    ("PNC-1001", "Patrick", "Tshibanda", "M", "Agent de police", "Sous-commissariat Bipemba",
     "mbuji-mayi", ("trainee",)),
    ("PNC-1002", "Esther", "Kalala", "F", "Brigadier", "Sous-commissariat Bipemba", "mbuji-mayi",
     ("trainee",)),
    ("PNC-1003", "Jean-Pierre", "Mbuyi", "M", "Agent de police", "Commissariat Kampemba",
     "mbuji-mayi", ("trainee",)),
    ("PNC-1004", "Chantal", "Ngalula", "F", "Agent de police", "Commissariat Kampemba",
     "mbuji-mayi", ("trainee",)),
    ("PNC-1005", "Didier", "Kasongo", "M", "Brigadier", "Sous-commissariat Dibindi",
     "mbuji-mayi", ("trainee",)),
    ("PNC-1006", "Sarah", "Mujinga", "F", "Agent de police", "Sous-commissariat Dibindi",
     "mbuji-mayi", ("trainee",)),
]

# Two classes of the demo cohort, each trainee's class, and the meetings of each class
# (day, start, end, room, module).
DEMO_CLASSES = {
    "Classe A": (("PNC-1001", "PNC-1002", "PNC-1004"), "Salle 1", [
        (date(2026, 4, 6), time(8), time(10), "principes"),
        (date(2026, 4, 8), time(8), time(10), "principes"),
        (date(2026, 4, 13), time(8), time(10), "partenariat"),
        (date(2026, 4, 20), time(8), time(10), "resolution-problemes")]),
    "Classe B": (("PNC-1003", "PNC-1005", "PNC-1006"), "Salle 2", [
        (date(2026, 4, 6), time(10, 30), time(12, 30), "principes"),
        (date(2026, 4, 8), time(10, 30), time(12, 30), "principes"),
        (date(2026, 4, 13), time(10, 30), time(12, 30), "partenariat")]),
}


def load_demo(curricula_root) -> list[tuple[str, str, str]]:
    """Load demo data (idempotent) and return (login, password, roles) for each demo user."""
    publish_all(curricula_root)
    _ensure_signing_key()
    sites = {"mbuji-mayi": get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi"),
             "kasapa": get_or_create_site("kasapa", "Académie de police de Kasapa, Lubumbashi")}
    for number, first, last, sex, rank, unit, site, roles in DEMO_USERS:
        if User.by_login(number) is None:
            create_user(service_number=number, first_name=first, last_name=last, sex=sex,
                        rank=rank, unit=unit, site=sites[site], roles=roles,
                        password=DEMO_PASSWORD, commit=False)
    db.session.flush()
    programme = db.session.scalar(select(Programme).where(
        Programme.code == "police-de-proximite"))
    if programme is not None:
        cohort = db.session.scalar(select(Cohort).where(Cohort.programme_id == programme.id))
        if cohort is None:
            cohort = create_cohort(name="Police de proximité — Mbuji-Mayi 2026",
                                   programme=programme, site=sites["mbuji-mayi"],
                                   start=date(2026, 3, 29), end=date(2026, 8, 28))
            trainer = User.by_login("FORM-001")
            record_qualification(trainer, programme, date(2016, 3, 26))
            assign_trainer(cohort, trainer)
        for number, *_rest, roles in DEMO_USERS:
            if roles == ("trainee",):
                enrol(User.by_login(number), cohort)
        if not cohort.classes:
            _demo_classes(cohort)
    db.session.commit()
    return [(n, DEMO_PASSWORD, ", ".join(r)) for n, *_rest, r in DEMO_USERS]


def _demo_classes(cohort: Cohort) -> None:
    """Split the demo cohort into two classes led by the demo trainer, with their meetings."""
    trainer = User.by_login("FORM-001")
    for name, (numbers, room, meetings) in DEMO_CLASSES.items():
        cohort_class = create_class(cohort, name, trainer=trainer)
        for number in numbers:
            enrol(User.by_login(number), cohort).cohort_class = cohort_class
        for day, start, end, module in meetings:
            create_meeting(cohort_class, day=day, start=start, end=end, room=room,
                           module_id=module)
    db.session.flush()
    # Class B's first register is taken: one trainee came late, the others were present.
    first = cohort.classes[-1].meetings[0]
    late = next(e for e in cohort.enrolments if e.user.login_id == "PNC-1005")
    save_register(first, {late.id: "late"}, trainer,
                  now=datetime.combine(first.day, first.end_time, UTC))


def _ensure_signing_key() -> None:
    """A demo server can issue certificates at once: make its signing key if it has none."""
    from lms.certificates import signing
    from lms.certificates.services import key_folder

    if not (key_folder() / signing.PRIVATE_KEY_FILE).exists():
        signing.generate_key(key_folder())
