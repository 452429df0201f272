"""Through the pages: staff issue and print a cohort's certificates; anyone verifies them."""

import io
import json
import re
import zipfile

import pytest
from pypdf import PdfReader

from lms.certificates import services as svc
from lms.certificates import signing
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates.conftest import eligible_enrolment
from tests.conftest import login, make_cohort, make_enrolment, make_user


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _issued(version, **user_fields):
    return svc.issue_certificate(eligible_enrolment(version, **user_fields), None)


def test_staff_issue_a_cohort_and_print_it(app, client, key_id, quiz_only_version):
    cohort = make_cohort(quiz_only_version)
    ready = [eligible_enrolment(quiz_only_version, cohort=cohort, first_name=n,
                                last_name="Kalala") for n in ("Esther", "Grâce")]
    waiting = make_enrolment(cohort=cohort)
    staff = make_user(roles=("staff",))
    cohort_id, waiting_name = cohort.id, waiting.user.display_name
    login(client, staff)
    page = client.get(f"/certificates/cohort/{cohort_id}")
    assert page.status_code == 200
    assert ("Délivrer les certificats à tous les stagiaires qui remplissent les conditions (2)"
            in page.text)
    row = page.text[page.text.index(waiting_name):]
    assert "Ne remplit pas encore les conditions" in row and "Quiz des modules réussis" in row
    assert "pas encore passé" in row

    done = client.post(f"/certificates/cohort/{cohort_id}/issue", follow_redirects=True)
    assert "Certificats délivrés\u00a0: 2." in done.text
    certs = db.session.scalars(db.select(Certificate).order_by(Certificate.name)).all()
    assert {c.enrolment_id for c in certs} == {e.id for e in ready}
    assert svc.valid_certificate(waiting) is None

    combined = client.get(f"/certificates/cohort/{cohort_id}/certificates.pdf")
    assert combined.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(combined.data))
    assert len(reader.pages) == 2
    text = _pdf_text(combined.data)
    for cert in certs:
        assert cert.display_serial in text and cert.name in text
    assert "Grâce KALALA" in text and "Police de proximité" in text
    assert "CERTIFICAT DE FIN DE FORMATION" in text and "Certificate of completion" in text
    assert f"/v/{certs[0].serial}" in text

    archive = zipfile.ZipFile(io.BytesIO(client.get(
        f"/certificates/cohort/{cohort_id}/certificates.zip").data))
    names = archive.namelist()
    assert len(names) == 3 and "0-tous-les-certificats-all.pdf" in names
    one = next(n for n in names if certs[0].serial in n)
    assert certs[0].display_serial in _pdf_text(archive.read(one))


def test_staff_issue_one_certificate_from_the_cohort_page(app, client, key_id,
                                                          quiz_only_version):
    enrolment = eligible_enrolment(quiz_only_version)
    cohort_id, enrolment_id = enrolment.cohort_id, enrolment.id
    login(client, make_user(roles=("staff",)))
    page = client.post(f"/certificates/cohort/{cohort_id}/issue",
                       data={"enrolment_id": enrolment_id}, follow_redirects=True)
    assert "délivré à" in page.text
    assert svc.valid_certificate(enrolment) is not None


def test_a_valid_certificate_shows_only_what_is_printed_on_it(app, client, key_id,
                                                              quiz_only_version):
    cert = _issued(quiz_only_version, first_name="Grâce", last_name="Ilunga", rank="Brigadier",
                   unit="Sous-commissariat Bipemba", phone="+243 81 000 0000",
                   service_number="PNC-4242")
    page = client.get(f"/v/{cert.display_serial.lower()}")  # no login
    assert page.status_code == 200
    assert "Certificat VALABLE" in page.text
    for shown in ("Grâce ILUNGA", "Police de proximité", "École de police de Mbuji-Mayi",
                  cert.display_serial):
        assert shown in page.text
    for hidden in ("PNC-4242", "Brigadier", "Bipemba", "+243", cert.user.academy_number,
                   cert.content_hash[:12], cert.key_id):
        assert hidden not in page.text


def test_a_revoked_certificate_says_so_with_its_date(app, client, key_id, quiz_only_version):
    cert = _issued(quiz_only_version)
    svc.revoke_certificate(cert, None, "Fraude constatée")
    page = client.get(f"/v/{cert.serial}")
    assert "Certificat ANNULÉ" in page.text and "Certificat VALABLE" not in page.text
    assert str(cert.revoked_at.year) in page.text
    assert "Fraude constatée" not in page.text


def test_a_superseded_certificate_links_to_the_new_one(app, client, key_id, quiz_only_version):
    old = _issued(quiz_only_version)
    new = svc.reissue_certificate(old, None, "Nom corrigé", name="Grâce ILUNGA")
    page = client.get(f"/v/{old.serial}")
    assert "Certificat REMPLACÉ" in page.text
    assert f'href="/v/{new.serial}"' in page.text
    assert "Certificat VALABLE" in client.get(f"/v/{new.serial}").text


def test_unknown_and_mistyped_serials(app, client):
    serial = svc.new_serial()
    assert "Certificat inconnu" in client.get(f"/v/{serial}").text
    typed = client.get("/v?serial=ABCDE-12345")
    assert "pas valable" in typed.text
    ok = client.get(f"/v?serial={serial[:5]}-{serial[5:]}")
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/v/{serial}")


def test_the_scanned_code_is_checked_and_a_forged_one_is_caught(app, client, key_id,
                                                               quiz_only_version):
    cert = _issued(quiz_only_version)
    good = client.get(f"/v/{cert.serial}", query_string={"p": cert.token})
    assert "Certificat VALABLE" in good.text and "est aussi correcte" in good.text
    payload, signature = cert.token.split(".")
    forged_payload = signing.unb64url(payload).replace(b"USER", b"FAKE")
    forged = signing.b64url(forged_payload) + "." + signature
    bad = client.get(f"/v/{cert.serial}", query_string={"p": forged})
    assert "NON VALABLE" in bad.text and "Certificat VALABLE" not in bad.text
    # A genuine code shown under another serial's address is not accepted either.
    other = _issued(quiz_only_version)
    mixed = client.get(f"/v/{other.serial}", query_string={"p": cert.token})
    assert "NON VALABLE" in mixed.text


def test_trainees_see_and_download_only_their_own_certificates(app, client, key_id,
                                                              quiz_only_version):
    mine = _issued(quiz_only_version, first_name="Esther")
    theirs = _issued(quiz_only_version, first_name="Patrick")
    login(client, mine.user)
    page = client.get("/my/certificates")
    assert mine.display_serial in page.text and theirs.display_serial not in page.text
    own = client.get(f"/certificates/{mine.id}/certificate.pdf")
    assert own.status_code == 200 and mine.display_serial in _pdf_text(own.data)
    assert client.get(f"/certificates/{theirs.id}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/{theirs.id}/badge.json").status_code == 404
    transcript = client.get("/my/transcript.pdf")
    text = _pdf_text(transcript.data)
    assert "RELEVÉ DE NOTES" in text and "Police de proximité" in text
    assert mine.display_serial in text and "20/20" in text


@pytest.mark.parametrize("method,path", [
    ("get", "/certificates"), ("get", "/certificates/cohort/{cohort}"),
    ("post", "/certificates/cohort/{cohort}/issue"),
    ("get", "/certificates/cohort/{cohort}/certificates.pdf"),
    ("get", "/certificates/{cert}"), ("post", "/certificates/{cert}/revoke"),
    ("post", "/certificates/{cert}/reissue"),
])
@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_only_staff_issue_print_revoke_and_reissue(app, client, key_id, quiz_only_version,
                                                   method, path, role):
    cert = _issued(quiz_only_version)
    url = path.format(cohort=cert.cohort_id, cert=cert.id)
    cert_id = cert.id
    login(client, cert.user if role == "trainee" else make_user(roles=(role,)))
    response = getattr(client, method)(url, data={"reason": "x"})
    assert response.status_code == 403
    assert db.session.get(Certificate, cert_id).status == "valid"


def test_staff_revoke_and_reissue_from_the_certificate_page(app, client, key_id,
                                                           quiz_only_version):
    cert = _issued(quiz_only_version)
    cert_id = cert.id
    login(client, make_user(roles=("staff",)))
    page = client.get(f"/certificates/{cert_id}")
    assert "Délivrer à nouveau avec des corrections" in page.text
    client.post(f"/certificates/{cert_id}/reissue", data={"name": "Grâce  TEST ", "reason": "Nom"})
    new = db.session.scalar(db.select(Certificate).where(Certificate.supersedes_id == cert_id))
    assert new.name == "Grâce TEST"
    # Revoking is final: a first post only asks to confirm, naming the person and the reason.
    asked = client.post(f"/certificates/{new.id}/revoke", data={"reason": "Erreur"})
    assert asked.status_code == 200 and "Grâce TEST" in asked.text and "Erreur" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert db.session.get(Certificate, new.id).status == "valid"
    client.post(f"/certificates/{new.id}/revoke", data={"reason": "Erreur", "confirm": "yes"})
    assert db.session.get(Certificate, new.id).status == "revoked"
    assert db.session.get(Certificate, cert_id).status == "superseded"


def test_badge_is_an_open_badges_3_credential_with_a_valid_proof(app, client, key_id,
                                                                 quiz_only_version):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from lms.certificates import badges

    cert = _issued(quiz_only_version, first_name="Grâce")
    login(client, cert.user)
    credential = json.loads(client.get(f"/certificates/{cert.id}/badge.json").data)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Police de proximité"
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == cert.name
    assert credential["id"].endswith(f"/v/{cert.serial}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", credential["validFrom"])
    [proof] = credential.pop("proof")
    signature_b58 = proof.pop("proofValue")[1:]
    number = 0
    for char in signature_b58:
        number = number * 58 + badges._B58.index(char)
    signature = number.to_bytes(64, "big")
    import hashlib

    data = (hashlib.sha256(badges.jcs({**proof, "@context": credential["@context"]})).digest()
            + hashlib.sha256(badges.jcs(credential)).digest())
    raw = signing.unb64url(signing.read_key_set(svc.key_folder())["keys"][0]["x"])
    Ed25519PublicKey.from_public_bytes(raw).verify(signature, data)  # raises if wrong
    assert credential["issuer"]["id"] == "did:key:z" + badges.base58btc(b"\xed\x01" + raw)
