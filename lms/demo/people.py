"""Demo people: named logins from the README and generated trainees with Congolese names."""

from __future__ import annotations

import random

from lms.auth.models import Site, User
from lms.auth.services import create_user
from lms.extensions import db

DEMO_PASSWORD = "demo-pass-2026"

# service number, first, last, sex, rank, unit, site, roles
NAMED_USERS = [
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

# The trainers qualified by the Kasapa train-the-trainer session (FORM-001 is one of them).
TRAINERS = [
    ("FORM-002", "Olivier", "Kalonji", "M", "Inspecteur principal", "Formation", "mbuji-mayi"),
    ("FORM-003", "Béatrice", "Mwamba", "F", "Inspecteur", "Formation", "kasapa"),
    ("FORM-004", "Emmanuel", "Kyungu", "M", "Inspecteur", "Police des mines", "kolwezi"),
    ("FORM-005", "Nathalie", "Banza", "F", "Inspecteur principal", "Police des frontières",
     "kasapa"),
    ("FORM-006", "Christian", "Ngoy", "M", "Sous-commissaire", "Formation", "kasapa"),
]

FIRST_F = ["Esther", "Chantal", "Sarah", "Mireille", "Josephine", "Rachel", "Anne-Marie",
           "Bernadette", "Clarisse", "Dorcas", "Solange", "Véronique", "Jeanne", "Nadine",
           "Pauline", "Rebecca", "Thérèse", "Gisèle", "Odette", "Francine"]
FIRST_M = ["Patrick", "Didier", "Jean-Pierre", "Pascal", "Fiston", "Héritier", "Trésor",
           "Junior", "Papy", "Serge", "Blaise", "Dieudonné", "Guy", "Alain", "Benjamin",
           "Cédric", "Eric", "Faustin", "Gaston", "Jacques"]
LAST = ["Tshibanda", "Kalala", "Mbuyi", "Ngalula", "Kasongo", "Mujinga", "Tshimanga",
        "Kabasele", "Lukusa", "Mulumba", "Ntumba", "Kabeya", "Tshilombo", "Beya", "Kanku",
        "Mutombo", "Kazadi", "Mpiana", "Nkongolo", "Tshiala", "Mwanza", "Ilunga", "Kapinga",
        "Muamba", "Ngoyi", "Kayembe", "Mukuna", "Bakajika", "Kalonji", "Tshitenge"]
RANKS = ["Agent de police", "Agent de police", "Agent de police", "Brigadier",
         "Brigadier-chef", "Sous-inspecteur"]


def add_person(number: str, first: str, last: str, sex: str, rank: str, unit: str, site: Site,
               roles: tuple[str, ...] = ("trainee",)) -> User:
    """A demo person, made once through the account service."""
    user = User.by_login(number)
    if user is None:
        user = create_user(service_number=number, first_name=first, last_name=last, sex=sex,
                           rank=rank, unit=unit, site=site, roles=roles,
                           password=DEMO_PASSWORD, commit=False)
    return user


def named_users(sites: dict[str, Site]) -> None:
    """The README's demo logins, created through the account service."""
    for number, first, last, sex, rank, unit, site, roles in NAMED_USERS:
        add_person(number, first, last, sex, rank, unit, sites[site], roles)
    db.session.flush()


def generated(prefix: str, start: int, count: int, units: list[str], site: Site, seed: str,
              women: float = 0.3) -> list[User]:
    """`count` trainees numbered from `start`, a share of women, spread over units."""
    rng = random.Random(seed)
    people = []
    for index in range(count):
        sex = "F" if rng.random() < women else "M"
        first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
        last = rng.choice(LAST)
        people.append(add_person(f"{prefix}-{start + index}", first, last, sex,
                                 rng.choice(RANKS), units[index % len(units)], site))
    db.session.flush()
    return people
