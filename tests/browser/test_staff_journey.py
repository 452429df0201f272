"""Academy staff in Chromium: create a cohort, import a Latin-1 roster with a bad row, print the
class list with first passwords, and a new trainee signs in with one."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import follow, sign_in

COHORT = "Police de proximité — Kasapa 2027"
# A roster as a French spreadsheet exports it: Windows/Latin-1, ';' separators, French titles.
ROSTER = "\r\n".join([
    "Matricule;Nom;Postnom;Prénom;Sexe;Grade;Unité;Téléphone",
    "PNC-2001;Kabeya;Mbuyamba;Thérèse;F;Agent de police;Commissariat Kenya;0991234567",
    "PNC-2002;Mwamba;;Héritier;Masculin;Brigadier;Sous-commissariat Ruashi;",
    "PNC-2003;Ilunga;Kyungu;;X;Agent de police;Commissariat Kenya;",  # no first name, sex X
    ";Ngoy;Banza;Béatrice;Féminin;Agent de police;Commissariat Kampemba;0812345678",
    "",
]).encode("latin-1")


def text(page, selector: str = "main") -> str:
    """The visible text, with runs of white space made single spaces."""
    return re.sub(r"\s+", " ", page.inner_text(selector))


@pytest.mark.browser
def test_staff_creates_a_cohort_imports_a_roster_and_prints_first_passwords(
        page_as, new_page, axe_check, shot):
    page = page_as("STAFF-001")
    follow(page, "header nav a[href$='/training/cohorts']")
    shot(page, "cohorts")
    follow(page, "main a[href$='/cohorts/new']")
    page.fill("#name", COHORT)
    page.select_option("#programme", label="Police de proximité")
    page.select_option("#site", label="Académie de police de Kasapa, Lubumbashi")
    page.fill("#start", "2027-01-11")
    page.fill("#end", "2027-06-25")
    shot(page, "new-cohort")
    follow(page, "form.card [type=submit]")
    assert page.inner_text("h1") == COHORT
    assert page.locator(".flash.info").count() == 1
    assert page.inner_text("#enrolled") == "0"
    shot(page, "cohort-created")

    follow(page, "main a[href$='/import']")
    page.set_input_files("input[type=file]", files=[
        {"name": "liste-kasapa.csv", "mimeType": "text/csv", "buffer": ROSTER}])
    shot(page, "import")
    follow(page, "form.card [type=submit]")
    assert page.inner_text("#valid-count") == "3"
    assert page.inner_text("#problem-count") == "1"
    problems = page.locator("#problems tbody tr")
    assert problems.count() == 1
    assert problems.locator("td").first.inner_text() == "4"  # line 4 of the file
    assert problems.locator("li").count() == 2  # the first name is missing; sex “X” unknown
    assert re.search(r"[«“]\s*X\s*[»”]", problems.inner_text())  # the unknown value, quoted
    rows = text(page, "#rows")
    assert "Thérèse" in rows and "Héritier" in rows and "Béatrice" in rows  # Latin-1 read right
    assert page.locator("tr.bad").count() == 1
    axe_check(page, "roster preview")
    shot(page, "preview")

    follow(page, "button[name=mode][value=valid]")
    listed = page.locator("table.sheet tbody tr")
    assert listed.count() == 3
    logins = listed.locator("td:nth-child(4)").all_inner_texts()
    passwords = listed.locator("td:nth-child(5)").all_inner_texts()
    assert "PNC-2001" in logins and "PNC-2002" in logins
    assert any(login.startswith("ACA-") for login in logins)  # no matricule: academy number
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", p) for p in passwords), passwords
    axe_check(page, "class list with passwords")
    shot(page, "class-list")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator(".noprint").first.is_hidden()
    shot(page, "class-list-print")
    page.emulate_media(media="screen")
    follow(page, "main a.button[href*='/cohorts/']")
    assert page.inner_text("#enrolled") == "3"

    # Thérèse Kabeya signs in with the password from the printed list, then chooses her own.
    trainee = new_page()
    printed = passwords[logins.index("PNC-2001")]
    sign_in(trainee, "PNC-2001", printed)
    assert trainee.url.endswith("/account/password")
    assert "Choisissez maintenant votre propre mot de passe" in text(trainee)
    shot(trainee, "new-trainee-chooses-password")
    trainee.fill("#current", printed)
    trainee.fill("#new", "kabeya-2026-pdp")
    trainee.fill("#confirm", "kabeya-2026-pdp")
    follow(trainee, "form.card [type=submit]")
    assert "Police de proximité" in text(trainee)
    shot(trainee, "new-trainee-signed-in")


DEMO_COHORT = "Police de proximité — Mbuji-Mayi"  # and the intake's year


@pytest.mark.browser
def test_staff_issues_certificates_and_anyone_verifies_them(
        live_server, page_as, new_page, axe_check, shot):
    # Two demo trainees of class B passed everything (their registers come from the demo,
    # which also made the academy's signing key).
    live_server.seed("make-eligible", "PNC-1005", "PNC-1006")
    page = page_as("STAFF-001")
    follow(page, "header nav a[href$='/certificates']")
    shot(page, "certificates")
    follow(page, f"main a:has-text('{DEMO_COHORT}')")
    rows = {row.locator("td").first.inner_text().split()[-1]: row
            for row in page.locator("table.eligibility tbody tr").all()}
    assert len(rows) == 40
    eligible = sorted(login for login, row in rows.items() if row.locator(".badge.ok").count())
    assert eligible == ["PNC-1005", "PNC-1006"]
    # The others see which rule they miss, one reason a line.
    assert rows["PNC-1002"].locator("ul.rules li li").count() >= 1
    axe_check(page, "certificate eligibility")
    shot(page, "eligibility")

    follow(page, "form[action$='/issue']:not(:has(input[name=enrolment_id])) button")
    assert re.search(r"\b2\b", page.locator(".flash").first.inner_text())  # 2 issued
    issued = {}
    for row in page.locator("table.eligibility tbody tr").all():
        serial = row.locator("a[href*='/certificates/']:not([href$='.pdf'])")
        if serial.count():
            issued[row.locator("td").first.inner_text().split()[-1]] = serial.inner_text()
    assert sorted(issued) == ["PNC-1005", "PNC-1006"]
    # Nobody else is eligible: no button offers to issue "0" certificates.
    assert page.locator("form[action$='/issue']").count() == 0
    shot(page, "issued")

    with page.expect_download() as download:
        page.click("table.eligibility tr:has-text('PNC-1006') a[href$='.pdf']")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000

    # Anyone (signed out) types the serial printed on the certificate.
    public = new_page()
    public.goto("/v")
    assert public.locator("form[action$='/logout']").count() == 0
    public.fill("#serial", issued["PNC-1006"].replace("-", "").lower())  # as typed in a hurry
    shot(public, "verify-form")
    with public.expect_navigation():
        public.press("#serial", "Enter")
    assert public.locator(".verdict.ok").count() == 1
    assert "Sarah MUJINGA" in public.inner_text("dl.cert-facts")
    axe_check(public, "certificate verification: valid")
    shot(public, "verify-valid")

    # Staff revoke Didier Kasongo's certificate; the public check then says so.
    follow(page, f"main a:text-is('{issued['PNC-1005']}')")
    page.fill("#revoke-reason", "Diplôme délivré par erreur : stage non terminé.")
    follow(page, "form[action$='/revoke'] button")
    # Revoking is final: a confirmation page names the person and the reason first.
    assert "Didier KASONGO" in text(page) and "stage non terminé" in text(page)
    shot(page, "revoke-confirm")
    follow(page, "button[name=confirm][value=yes]")
    assert page.locator("form[action$='/revoke']").count() == 0
    shot(page, "revoked")
    public.goto("/v")
    public.fill("#serial", issued["PNC-1005"])
    with public.expect_navigation():
        public.press("#serial", "Enter")
    assert public.locator(".verdict.ok").count() == 0
    assert public.locator(".verdict.bad").count() == 1
    assert "Didier KASONGO" in public.inner_text("dl.cert-facts")  # known, but revoked
    axe_check(public, "certificate verification: revoked")
    shot(public, "verify-revoked")
