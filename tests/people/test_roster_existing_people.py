"""A roster row naming a person who already has an account: by matricule or by academy number
(the "n° académie" column), their rank, unit and phone brought up to date (an empty cell keeps
them), each change shown before anything is written, audited, and never made on a lab to a
record another site owns."""

from __future__ import annotations

import io
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from lms.audit import AuditRecord
from lms.auth.models import User
from lms.extensions import db
from lms.training import services as svc
from lms.training.models import Cohort, Enrolment
from lms.training.roster import parse_roster
from tests.conftest import PASSWORD, login, make_user, publish
from tests.sync.world import build_world, on


def _cohort(name="Recyclage Kalemie 2027"):
    version = publish()
    cohort = svc.create_cohort(name=name, programme=version.programme,
                               site=svc.get_or_create_site("kalemie", "Centre de Kalemie"),
                               start=date(2027, 3, 1), end=date(2027, 4, 30), version=version)
    db.session.commit()
    return cohort.id


def _upload(client, cohort_id: int, header: str, *rows: str):
    """Send a roster; the preview's address and its text (entities decoded)."""
    data = (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")
    sent = client.post(f"/training/cohorts/{cohort_id}/import",
                       data={"file": (io.BytesIO(data), "liste.csv")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302, sent.text
    return sent.headers["Location"], unescape(client.get(sent.headers["Location"]).text)


def _row(preview: str, line: int) -> str:
    return preview.split('id="rows"')[1].split(f"<td>{line}</td>")[1].split("</tr>")[0]


def _enrolled(cohort_id: int) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(User.last_name).join(Enrolment).where(
        Enrolment.cohort_id == cohort_id)))


def test_a_returning_officer_gets_the_rank_unit_and_phone_of_the_roster(app, client):
    cohort_id = _cohort()
    jean = make_user(first_name="Jean", last_name="Kabeya", service_number="PNC-7001",
                     rank="Agent", unit="Kalemie", phone="+243 81 000 0001")
    make_user(first_name="Marie", last_name="Ngoy", service_number="PNC-7002",
              rank="Brigadier", unit="Moba", phone="")
    jean_id = jean.id
    staff = make_user(roles=("staff",))
    login(client, staff)
    url, preview = _upload(client, cohort_id, "matricule;nom;prénom;sexe;grade;unité;téléphone",
                           "PNC-7001;Kabeya;Jean;M;Brigadier-chef;;+243 99 000 0002",
                           "PNC-7002;Ngoy;Marie;F;Brigadier;Moba;")
    jean_row, marie_row = _row(preview, 2), _row(preview, 3)
    assert "Grade\u00a0: Agent → Brigadier-chef" in jean_row
    assert "Téléphone\u00a0: +243 81 000 0001 → +243 99 000 0002" in jean_row
    assert "Unité" not in jean_row  # an empty cell keeps the unit
    assert "→" not in marie_row and "Gardé tel quel" not in preview
    db.session.rollback()
    jean = db.session.get(User, jean_id)
    assert (jean.rank, jean.phone) == ("Agent", "+243 81 000 0001")  # nothing written yet
    assert client.post(url, data={"mode": "all"}).status_code == 200
    assert _enrolled(cohort_id) == {"Kabeya", "Ngoy"}
    jean = db.session.get(User, jean_id)
    assert (jean.rank, jean.unit, jean.phone) == ("Brigadier-chef", "Kalemie",
                                                  "+243 99 000 0002")
    [entry] = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.details")).all()
    assert entry.actor_id == staff.id and entry.target_id == jean.uuid
    assert entry.before == {"rank": "Agent", "phone": "+243 81 000 0001"}
    assert entry.after == {"rank": "Brigadier-chef", "phone": "+243 99 000 0002"}
    admin = app.test_client()
    login(admin, make_user(roles=("admin",)))
    assert "Grade, unité ou téléphone modifié" in admin.get("/people/audit").text


def test_the_academy_number_column_names_people_without_a_matricule(app, client):
    cohort_id = _cohort()
    rose = make_user(first_name="Rose", last_name="Ngoy", service_number=None)
    marc = make_user(first_name="Marc", last_name="Ilunga", service_number="PNC-7101")
    make_user(first_name="Paul", last_name="Kasongo", service_number="PNC-7102")
    odile = make_user(first_name="Odile", last_name="Banza", service_number=None)
    alain = make_user(first_name="Alain", last_name="Mbuyi", service_number=None)
    staff = make_user(roles=("staff",))
    login(client, staff)
    users_before = db.session.scalar(select(func.count()).select_from(User))
    url, preview = _upload(
        client, cohort_id, "Matricule;N° académie;Nom;Prénom;Sexe;Grade",
        f";{rose.academy_number.lower()};Ngoy;Rose;F;Agent",    # 2 by academy number
        f"PNC-7101;{marc.academy_number};Ilunga;Marc;M;",       # 3 both numbers, one person
        ";ACA-1999-99999;Banza;Luc;M;",                         # 4 no one has it
        f"PNC-7102;{odile.academy_number};Kasongo;Paul;M;",     # 5 two people
        f";{rose.academy_number};Ngoy;Rose;F;",                 # 6 the same number again
        f";{alain.academy_number};Mwamba;Esther;F;",            # 7 another's name
        ";;Kalenga;Marie;F;Agent",                              # 8 a new trainee
    )
    assert "existing person" not in preview  # the page speaks French
    assert "personne existante\u00a0: Rose NGOY" in _row(preview, 2)
    assert "Grade\u00a0: — → Agent" in _row(preview, 2)
    assert "personne existante\u00a0: Marc ILUNGA" in _row(preview, 3)
    assert rose.academy_number in _row(preview, 2)  # shown in its own column
    problems = preview.split('id="problems"')[1].split("</table>")[0]
    assert "Personne n'a le numéro d'académie ACA-1999-99999" in problems
    assert (f"Le numéro d'académie {odile.academy_number} est celui de Odile BANZA, mais pas "
            "le matricule PNC-7102") in problems
    assert f"{rose.academy_number} est déjà à la ligne 2" in problems
    assert f"Le numéro d'académie {alain.academy_number} appartient à Alain MBUYI" in problems
    assert 'id="valid-count">3<' in preview and 'id="problem-count">4<' in preview
    assert _enrolled(cohort_id) == set()  # the preview writes nothing
    refused = client.post(url, data={"mode": "all"}, follow_redirects=True)
    assert "Rien n'a été importé" in unescape(refused.text) and _enrolled(cohort_id) == set()
    client.post(url, data={"mode": "valid"})
    assert _enrolled(cohort_id) == {"Ngoy", "Ilunga", "Kalenga"}
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before + 1


@pytest.mark.parametrize("title", ["Academy number", "Academy No.", "N° d'académie",
                                   "Numéro académie", "NO ACADEMIE"])
def test_the_academy_number_column_is_found_by_its_french_or_english_title(app, title):
    parsed = parse_roster("list.csv", f"Last name,First name,Sex,{title}\nNgoy,Rose,F,"
                                      "aca-2026-00007\n".encode())
    assert parsed.rows[0]["academy_number"] == "ACA-2026-00007"


def test_a_lab_keeps_another_sites_record_as_it_is_and_its_own_change_travels(app, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr("lms.sync.export.MARGIN", timedelta(0))
    world = build_world(app, tmp_path, lab_sites=("mbuji-mayi",))
    world.down("mbuji-mayi")
    lab = world.labs["mbuji-mayi"]
    with on(lab):
        cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.name == "PdP Mbuji-Mayi"))
    client = lab.test_client()
    assert client.post("/login", data={"login": "STAFF-MB", "password": PASSWORD}
                       ).status_code == 302
    # OFF-MM lives at Mbuji-Mayi (this lab's site); OFF-KA at Kalemie (the centre takes its
    # record only from the Kalemie lab or the academy).
    url, preview = _upload(client, cohort_id, "matricule;nom;prénom;sexe;grade",
                           "OFF-MM;mbuji-mayi;Test;F;Commissaire",
                           "OFF-KA;kalemie;Test;F;Commissaire")
    assert "Grade\u00a0: — → Commissaire" in _row(preview, 2)
    assert "Gardé tel quel" not in _row(preview, 2)
    kept = _row(preview, 3)
    assert "Gardé tel quel : la fiche de cette personne appartient à École de police de " \
           "Kalemie, dont le serveur seul peut la modifier" in kept
    assert "<s>Grade\u00a0: — → Commissaire</s>" in kept
    client.post(url, data={"mode": "all"})
    with on(lab):
        assert User.by_login("OFF-MM").rank == "Commissaire"
        assert User.by_login("OFF-KA").rank == ""
        assert db.session.scalar(select(func.count()).select_from(Enrolment).join(User).where(
            User.service_number.in_(["OFF-MM", "OFF-KA"]), Enrolment.cohort_id == cohort_id)) == 2
    counts = world.up("mbuji-mayi")
    assert counts["lms_users"]["updated"] >= 1 and counts["lms_users"]["clashes"] == 0
    with on(world.central):
        assert User.by_login("OFF-MM").rank == "Commissaire"
        assert User.by_login("OFF-KA").rank == ""
