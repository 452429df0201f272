"""Roster import: encodings, separators, XLSX, problems by row, all-or-nothing, class list."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, or_, select

from lms.auth.models import User
from lms.auth.passwords import verify_password
from lms.extensions import db
from lms.training import roster
from lms.training.models import Enrolment, PendingImport
from tests.conftest import csrf_token, login, make_cohort, make_enrolment, make_user

DATA = Path(__file__).parent / "data"

LATIN1_SEMICOLON = (
    "Matricule;Nom;Postnom;Prénom;Sexe;Grade;Unité;Téléphone\r\n"
    "PNC-2001;Kalala;Ngoy;Esther;Féminin;Brigadier;Sous-commissariat Bipemba;0991234567\r\n"
    ";Mbuyi;;Jean-Pierre;Masculin;Recrue;Commissariat Kampemba;\r\n"
    "PNC-2003;Tshibanda;Kabeya;Patrick;H;Agent de police;Bipemba;\r\n"
).encode("cp1252")

UTF8_BOM_COMMA = (
    "\ufeffService number,Last name,First name,Sex,Rank,Unit,Phone\n"
    "PNC-3001,Ilunga,Grâce,F,Inspecteur,Formation,\n"
    "PNC-3002,Mukendi,Aline,Femme,Commissaire,Académie,+243 81 000 0000\n"
).encode("utf-8")


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_latin1_file_with_semicolons_and_french_headers_is_read():
    parsed = roster.parse_roster("liste.csv", LATIN1_SEMICOLON)
    assert parsed.problems == {}
    first, second, third = parsed.rows
    assert (first["service_number"], first["last_name"], first["middle_name"],
            first["first_name"], first["sex"], first["unit"]) == (
        "PNC-2001", "Kalala", "Ngoy", "Esther", "F", "Sous-commissariat Bipemba")
    assert second["service_number"] is None and second["sex"] == "M"
    assert third["sex"] == "M"  # H(omme)


def test_utf8_bom_file_with_commas_and_english_headers_is_read():
    parsed = roster.parse_roster("list.csv", UTF8_BOM_COMMA)
    assert parsed.problems == {}
    assert [r["first_name"] for r in parsed.rows] == ["Grâce", "Aline"]
    assert [r["sex"] for r in parsed.rows] == ["F", "F"]
    assert parsed.rows[1]["phone"] == "+243 81 000 0000"


def test_xlsx_made_in_a_spreadsheet_is_read_with_numbers_as_text():
    data = _xlsx([["Matricule", "Nom", "Prénom", "Sexe", "Grade", "Unité", "Téléphone"],
                  [123456, "Kabongo", "Joseph", "M", "Commissaire", "Académie", 991234567],
                  [None, None, None, None, None, None, None],
                  ["PNC-9", "Ngalula", "Marie", "féminin", "Agent", "Kasapa", None]])
    parsed = roster.parse_roster("liste.xlsx", data)
    assert parsed.problems == {}
    assert parsed.rows[0]["service_number"] == "123456"
    assert parsed.rows[0]["phone"] == "991234567"
    assert parsed.rows[1]["line"] == 4  # the blank row is skipped, lines stay true
    assert parsed.rows[1]["sex"] == "F"


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_field_spreadsheet_with_a_title_above_the_columns_is_read_in_every_format(kind):
    """The same list saved by LibreOffice as Excel 2007+, Excel 97-2003 and OpenDocument: a
    merged title and a date above the column titles, a number column, matricules and phones
    typed as numbers, a blank row, a second sheet (not read)."""
    data = (DATA / f"liste-terrain.{kind}").read_bytes()
    parsed = roster.parse_roster(f"liste-terrain.{kind}", data)
    assert parsed.problems == {}
    assert [(r["line"], r["service_number"], r["last_name"], r["middle_name"],
             r["first_name"], r["sex"], r["unit"], r["phone"]) for r in parsed.rows] == [
        (5, "1234567", "KALALA", "NGOY", "Esther", "F", "Sous-commissariat Bipemba",
         "991234567"),
        (6, None, "MBUYI", "", "Jean-Pierre", "M", "Commissariat Kampemba", ""),
        (8, "PNC-2003", "TSHIBANDA", "KABEYA", "Patrick", "M", "Bipemba", "+243 81 000 0000"),
    ]


def test_the_line_numbers_of_a_csv_stay_true_below_blank_and_title_lines():
    data = ("\n;;\nListe PNC;;\nNom;Prénom;Sexe\nKalala;;F\n").encode()
    parsed = roster.parse_roster("liste.csv", data)
    assert [r["line"] for r in parsed.rows] == [5]
    assert 5 in parsed.problems  # the missing first name is shown on the file's own line 5


@pytest.mark.parametrize("name, data, message", [
    ("liste.xlsx", b"PK\x03\x04 not really a zip", "pas pu être ouvert"),
    ("liste.xls", b"\xd0\xcf\x11\xe0 damaged old excel", "Le fichier Excel n'a pas pu"),
    ("liste.ods", b"PK\x03\x04 not really a zip", "Le fichier OpenDocument n'a pas pu"),
    ("liste.csv", b"", "vide"),
    ("liste.csv", b"Nom;Grade\nKalala;Agent\n", "Il manque"),
])
def test_unreadable_files_get_a_clear_message(app, name, data, message):
    with pytest.raises(roster.RosterError, match=message):
        roster.parse_roster(name, data)


def _bad_file(cohort_member_number: str, other_user_number: str) -> bytes:
    return (
        "matricule;nom;prenom;sexe;grade;unite\n"
        "PNC-4001;Kasongo;Paul;M;Agent;Bipemba\n"          # 2 fine
        "PNC-4002;Ilunga;;F;Agent;Bipemba\n"               # 3 missing first name
        "PNC-4003;Mwamba;Rose;X;Agent;Bipemba\n"           # 4 unknown sex
        "PNC-4004;Banza;Luc;M;Agent;Bipemba\n"             # 5 fine: the first of two
        "pnc-4004;Banza;Luc;M;Agent;Bipemba\n"             # 6 duplicate of 5
        f"{cohort_member_number};Kalala;Esther;F;Agent;Bipemba\n"  # 7 already enrolled
        f"{other_user_number};Lukusa;Jean;M;Agent;Bipemba\n"       # 8 number used by another
        ";Ngoy;Marie;Féminin;Recrue;Bipemba\n"              # 9 fine, no matricule
    ).encode("cp1252")


def test_preview_lists_every_problem_by_row(app):
    cohort = make_cohort()
    member = make_enrolment(make_user(service_number="PNC-7777"), cohort)
    make_user(service_number="PNC-8888")
    staff = make_user(roles=("staff",))
    pending = roster.prepare_import(cohort, staff, "liste.csv",
                                    _bad_file(member.user.service_number, "PNC-8888"))
    problems = roster.problems_of(pending)
    assert sorted(problems) == [3, 4, 6, 7, 8]
    assert "prénom\u00a0» est vide" in problems[3][0]
    assert "Valeur de sexe inconnue «\u00a0X\u00a0»" in problems[4][0]
    assert "déjà à la ligne 5" in problems[6][0] and "laissée de côté" in problems[6][0]
    assert "déjà inscrit dans cette cohorte" in problems[7][0]
    assert "appartient déjà à" in problems[8][0]


def test_all_or_nothing_commit_with_a_bad_row_creates_nothing(app):
    cohort = make_cohort()
    staff = make_user(roles=("staff",))
    users_before = db.session.scalar(select(func.count()).select_from(User))
    pending = roster.prepare_import(cohort, staff, "liste.csv", _bad_file("PNC-7", "PNC-8"))
    with pytest.raises(roster.RosterError, match="Rien n'a été importé"):
        roster.commit_import(pending, staff, "all")
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    one_bad = roster.prepare_import(cohort, staff, "liste.csv", (
        b"matricule;nom;prenom;sexe\nPNC-4101;Kasongo;Paul;M\nPNC-4102;Ilunga;;F\n"))
    with pytest.raises(roster.RosterError, match="1 ligne a un problème"):  # not "1 lignes"
        roster.commit_import(one_bad, staff, "all")
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    assert db.session.get(PendingImport, pending.id) is not None  # the choice is still open


def test_committing_valid_rows_creates_trainees_with_hashed_one_time_passwords(app):
    cohort = make_cohort()
    staff = make_user(roles=("staff",))
    pending = roster.prepare_import(cohort, staff, "liste.csv", _bad_file("PNC-7", "PNC-8"))
    credentials = roster.commit_import(pending, staff, "valid")
    assert sorted(c.user.last_name for c in credentials) == ["Banza", "Kalala", "Kasongo",
                                                             "Lukusa", "Ngoy"]
    no_matricule = next(c for c in credentials if c.user.last_name == "Ngoy")
    assert no_matricule.user.service_number is None
    assert no_matricule.user.login_id.startswith("ACA-")
    for credential in credentials:
        assert credential.password not in credential.user.password_hash
        assert verify_password(credential.user.password_hash, credential.password)
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 5
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_import_through_the_pages_then_a_trainee_signs_in(app, client):
    cohort = make_cohort()
    staff = make_user(roles=("staff",))
    cohort_id = cohort.id
    login(client, staff)
    page = client.post(f"/training/cohorts/{cohort_id}/import",
                       data={"file": (io.BytesIO(_bad_file("PNC-7", "PNC-8")), "liste.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 302
    preview_url = page.headers["Location"]
    preview = client.get(preview_url)
    assert 'id="problem-count">3<' in preview.text  # lines 3, 4, 6
    assert "Valeur de sexe inconnue" in preview.text
    assert 'id="valid-count">5<' in preview.text
    done = client.post(preview_url, data={"mode": "valid"})
    assert done.status_code == 200
    assert "affichés qu'une fois" in done.text
    rows = re.findall(r"<code>([^<]+)</code></td><td><code>([^<]+)</code>", done.text)
    assert len(rows) == 5
    again = client.post(preview_url, data={"mode": "valid"})
    assert again.status_code == 302  # the import is finished: nothing is created twice
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 5
    trainee_client = app.test_client()
    login_id, password = rows[0]
    signed_in = login(trainee_client, login_id, password=password)
    # The printed password is a first password only: the trainee must choose their own.
    assert signed_in.headers["Location"].endswith("/account/password")
    assert trainee_client.get("/").headers["Location"].endswith("/account/password")
    form = trainee_client.get("/account/password")
    changed = trainee_client.post("/account/password", data={
        "csrf_token": csrf_token(form.text), "current": password,
        "new": "ma-nouvelle-cle", "confirm": "ma-nouvelle-cle"})
    assert changed.status_code == 302
    assert "Police de proximit" in trainee_client.get("/").text
    db.session.rollback()
    trainee = db.session.scalar(select(User).where(or_(User.service_number == login_id,
                                                      User.academy_number == login_id)))
    assert trainee is not None and not trainee.must_change_password
    assert verify_password(trainee.password_hash, "ma-nouvelle-cle")


def test_all_or_nothing_through_the_pages_leaves_no_row(app, client):
    cohort = make_cohort()
    staff = make_user(roles=("staff",))
    login(client, staff)
    page = client.post(f"/training/cohorts/{cohort.id}/import",
                       data={"file": (io.BytesIO(_bad_file("PNC-7", "PNC-8")), "liste.csv")},
                       content_type="multipart/form-data")
    result = client.post(page.headers["Location"], data={"mode": "all"}, follow_redirects=True)
    assert "Rien n&#39;a été importé" in result.text
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_unreadable_and_oversized_uploads_get_a_message(app, client):
    cohort = make_cohort()
    login(client, make_user(roles=("staff",)))
    bad = client.post(f"/training/cohorts/{cohort.id}/import",
                      data={"file": (io.BytesIO(b"PK\x03\x04junk"), "liste.xlsx")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "pas pu être ouvert" in bad.text
    app.config["MAX_CONTENT_LENGTH"] = 2000
    big = client.post(f"/training/cohorts/{cohort.id}/import",
                      data={"file": (io.BytesIO(b"x" * 5000), "liste.csv")},
                      content_type="multipart/form-data")
    assert big.status_code == 413 and "trop grand" in big.text


def test_a_trainee_can_get_a_matricule_later_and_keeps_the_enrolment(app, client):
    cohort = make_cohort()
    enrolment = make_enrolment(make_user(service_number=None), cohort)
    academy = enrolment.user.academy_number
    login(client, make_user(roles=("staff",)))
    url = f"/training/cohorts/{cohort.id}/trainees/{enrolment.id}"
    client.post(url, data={"number-service_number": "pnc-5555", "number-submit": "1"})
    db.session.rollback()
    user = db.session.get(User, enrolment.user_id)
    assert user.service_number == "PNC-5555" and user.academy_number == academy
    assert User.by_login(academy).id == User.by_login("PNC-5555").id
    assert db.session.get(Enrolment, enrolment.id).user_id == user.id


def test_staff_enrol_a_cohort_from_an_old_excel_file_through_the_pages(app, client):
    cohort = make_cohort()
    cohort_id = cohort.id
    login(client, make_user(roles=("staff",)))
    page = client.post(f"/training/cohorts/{cohort_id}/import", data={
        "file": (io.BytesIO((DATA / "liste-terrain.xls").read_bytes()), "LISTE PNC.xls")},
        content_type="multipart/form-data")
    assert page.status_code == 302
    preview = client.get(page.headers["Location"])
    assert 'id="problem-count">0<' in preview.text and 'id="valid-count">3<' in preview.text
    assert "TSHIBANDA" in preview.text
    done = client.post(page.headers["Location"], data={"mode": "valid"})
    assert done.status_code == 200
    db.session.rollback()
    names = set(db.session.scalars(select(User.last_name).join(
        Enrolment, Enrolment.user_id == User.id).where(Enrolment.cohort_id == cohort_id)))
    assert names == {"KALALA NGOY", "MBUYI", "TSHIBANDA KABEYA"}  # nom and postnom
