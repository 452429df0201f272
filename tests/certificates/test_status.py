"""Certificates that stay true for years: status list, validity, renewal, conformance, duties.

The proofs are checked here with PyNaCl (libsodium) and hashlib, independently of the signing
code path (cryptography), and the badge against the OB 3.0 rules with `jsonschema`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import VerifyKey
from sqlalchemy import select

from lms.audit import AuditRecord
from lms.base import utcnow
from lms.certificates import services as svc
from lms.certificates import signing, validity
from lms.extensions import db
from tests.certificates.conftest import eligible_enrolment, meet_every_rule
from tests.conftest import (
    login,
    make_cohort,
    make_enrolment,
    make_user,
)

DATA = Path(__file__).parent / "data"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    return number.to_bytes(64, "big")


def _canon(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _check_proof(document: dict, raw_keys: set[bytes]) -> None:
    """An independent eddsa-jcs-2022 check with libsodium (PyNaCl)."""
    assert isinstance(document["proof"], list) and len(document["proof"]) == 1
    proof = dict(document["proof"][0])
    value = proof.pop("proofValue")
    raw = None
    method = proof["verificationMethod"].split("#")[0].removeprefix("did:key:z")
    number = 0
    for char in method:
        number = number * 58 + B58.index(char)
    raw = number.to_bytes(34, "big")
    assert raw[:2] == b"\xed\x01" and raw[2:] in raw_keys
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    data = (hashlib.sha256(_canon({**proof, "@context": document["@context"]})).digest()
            + hashlib.sha256(_canon(unsigned)).digest())
    VerifyKey(raw[2:]).verify(data, _b58(value[1:]))  # raises BadSignatureError


def _raw_keys() -> set[bytes]:
    return {signing.unb64url(k["x"]) for k in signing.read_key_set(svc.key_folder())["keys"]}


def _bit(status_list: dict, index: int) -> bool:
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_issued_today_revoked_or_expired_in_three_years_is_reported_so_everywhere(
        app, client, runner, key_id, three_year_version, monkeypatch, tmp_path):
    import jsonschema

    kept = svc.issue_certificate(eligible_enrolment(three_year_version), None)
    revoked = svc.issue_certificate(eligible_enrolment(three_year_version), None)
    assert kept.valid_until == validity.add_months(kept.issued_at.date(), 36) - timedelta(1)
    assert kept.status_index != revoked.status_index

    # The badge: OB 3.0 rules, an independent proof check, a status entry and a validity.
    login(client, kept.user)
    badge = json.loads(client.get(f"/certificates/{kept.id}/badge.json").data)
    schema = json.loads((DATA / "ob_v3p0_achievementcredential_rules.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(badge)
    with pytest.raises(jsonschema.ValidationError):  # the rules bite: a bare proof object
        jsonschema.Draft202012Validator(schema).validate({**badge, "proof": badge["proof"][0]})
    _check_proof(badge, _raw_keys())
    assert badge["validUntil"] == f"{kept.valid_until:%Y-%m-%d}T23:59:59Z"
    status_url = badge["credentialStatus"]["statusListCredential"]
    assert badge["credentialStatus"]["statusListIndex"] == str(kept.status_index)
    tampered = json.loads(json.dumps(badge))
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    with pytest.raises(Exception, match="Signature was forged or corrupt"):
        _check_proof(tampered, _raw_keys())

    svc.revoke_certificate(revoked, make_user(roles=("staff",)), "Fraude à l'examen")
    path = status_url.split("localhost", 1)[1]
    status_list = json.loads(client.get(path).data)
    _check_proof(status_list, _raw_keys())
    assert _bit(status_list, revoked.status_index) and not _bit(status_list, kept.status_index)
    assert client.get(f"/certificates/{revoked.id}/badge.json").status_code == 404  # not his
    client = app.test_client()
    login(client, revoked.user)
    refused = client.get(f"/certificates/{revoked.id}/badge.json")
    assert refused.status_code == 410 and "annulé" in refused.text

    # Offline: the last status list file and the command line.
    list_file = tmp_path / "status.json"
    result = runner.invoke(args=["lms", "certificate", "status-list", "-o", str(list_file)])
    assert result.exit_code == 0, result.output
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(signing.read_key_set(svc.key_folder())))
    later = (utcnow() + timedelta(days=3 * 365 + 1)).date().isoformat()
    today = utcnow().date().isoformat()

    def offline(cert, day):
        return runner.invoke(args=["lms", "certificate", "verify", cert.token, "--public-keys",
                                         str(keys_file), "--status-list", str(list_file),
                                         "--today", day])

    assert offline(kept, today).exit_code == 0 and "VALIDE." in offline(kept, today).output
    assert "RÉVOQUÉ" in offline(revoked, today).output and offline(revoked, today).exit_code == 2
    assert "EXPIRÉ" in offline(kept, later).output and offline(kept, later).exit_code == 2
    assert "RÉVOQUÉ" in offline(revoked, later).output

    # The public page, today and three years on.
    assert "Certificat VALABLE" in client.get(f"/v/{kept.serial}").text
    assert "Certificat ANNULÉ" in client.get(f"/v/{revoked.serial}?p={revoked.token}").text
    monkeypatch.setattr("lms.certificates.views.utcnow",
                        lambda: utcnow() + timedelta(days=3 * 365 + 1))
    page = client.get(f"/v/{kept.serial}?p={kept.token}").text
    assert "Certificat EXPIRÉ" in page and "VALABLE" not in page
    assert "Certificat ANNULÉ" in client.get(f"/v/{revoked.serial}").text


def test_a_deeply_nested_payload_is_refused_before_any_parsing(app, client, runner, key_id):
    nested = signing.b64url(b"[" * 100_000 + b"]" * 100_000)
    page = client.get(f"/v?p={nested}.{signing.b64url(b'x' * 64)}")
    assert page.status_code == 200 and "NON VALABLE" in page.text
    result = runner.invoke(args=["lms", "certificate", "verify", f"{nested}.AAAA"])
    assert result.exit_code == 1 and "NON VALIDE" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@settings(max_examples=25, deadline=None)
@given(depth=st.integers(0, 50_000), size=st.integers(0, 20_000),
       garbage=st.binary(max_size=300))
def test_verify_token_answers_every_input_with_a_clear_refusal(depth, size, garbage):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate().public_key()
    keys = {signing.key_id(key): key}
    for payload in (b"[" * depth + b"]" * depth, b'["C2","' + b"9" * size + b'"]', garbage,
                    b'["C2",' + b"[" * depth + b'"' + signing.key_id(key).encode() + b'"]'):
        token = signing.b64url(payload) + "." + signing.b64url(garbage or b"x")
        with pytest.raises(signing.VerificationFailed) as failure:
            signing.verify_token(token, keys)
        assert failure.value.reason in ("malformed", "unknown_key", "bad_signature")
        assert str(failure.value).endswith(".")


def test_certificate_look_ups_are_limited_per_address(app, client, key_id, quiz_only_version):
    app.config["LMS_CERTIFICATE_LOOKUPS_PER_WINDOW"] = 3
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    for _ in range(3):
        assert client.get(f"/v/{cert.serial}").status_code == 200
    refused = client.get(f"/v?serial={cert.display_serial}")
    assert refused.status_code == 429 and "Trop de vérifications" in refused.text
    assert client.get(f"/v/{cert.serial}", environ_base={"REMOTE_ADDR": "10.0.0.9"}
                      ).status_code == 200  # another address is not held back


def test_nobody_certifies_grades_or_qualifies_themselves(app, key_id, quiz_only_version):
    from lms.assessment import services as grading
    from lms.training import tot
    from lms.training.services import TrainingError

    staff = make_user(roles=("staff", "trainer"))
    own = eligible_enrolment(quiz_only_version)
    own.user_id = staff.id
    db.session.commit()
    with pytest.raises(svc.CertificateError, match="propre inscription"):
        svc.issue_certificate(own, staff)
    assert svc.issue_for_cohort(own.cohort, staff) == []
    with pytest.raises(grading.GradingError, match="propre"):
        grading.record_practical(staff, own, "principes/accueil-plainte",
                                 {"accueil": "2", "ecoute": "2", "registre": "2", "suite": "2"},
                                 "", 0)
    other = make_user(roles=("trainer",))
    grade = grading.record_practical(other, own, "principes/accueil-plainte",
                                     {"accueil": "2", "ecoute": "2", "registre": "2",
                                      "suite": "2"}, "", 0)
    with pytest.raises(grading.GradingError, match="propre"):
        grading.release_grades(staff, [grade])
    assert grading.release_grades(staff, [grade], skip_own=True) == 0
    assert grading.release_grades(other, [grade]) == 1
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "grade.release"))
    assert entry.actor_id == other.id and entry.after["for"] == staff.login_id
    cert = svc.issue_certificate(own, other)
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "certificate.issue"))
    assert audit.actor_id == other.id and audit.after["for"] == staff.login_id
    from datetime import date

    from lms.training import services as training

    session = training.create_cohort(
        name="ToT", programme=publish_tot().programme, site=own.cohort.site,
        start=date(2026, 3, 1), end=date(2026, 3, 20), version=publish_tot(),
        qualifies_for=[quiz_only_version.programme])
    db.session.commit()
    tot_enrolment = make_enrolment(staff, session)
    meet_every_rule(tot_enrolment, other)
    with pytest.raises(TrainingError, match="propre inscription"):
        tot.complete_enrolment(tot_enrolment, actor=staff)
    assert cert.status == "valid"


def publish_tot():
    from tests.training.factories import programme_version

    return programme_version("formation-des-formateurs")


def test_tot_qualification_follows_the_rules_lapses_and_shows_in_the_cascade(app, client):
    from lms.training import services as training
    from lms.training import tot
    from lms.training.services import NotQualified, TrainingError
    from tests.training.factories import programme_version

    session = make_cohort(publish_tot(), name="ToT Kasapa")
    idle = make_enrolment(make_user(first_name="Paul", last_name="Passif"), session)
    with pytest.raises(TrainingError, match="règles du certificat.*pas encore passé"):
        tot.complete_enrolment(idle)
    assert idle.status != "completed"
    graduate = make_enrolment(make_user(first_name="Ana", last_name="Alpha"), session)
    meet_every_rule(graduate, make_user(roles=("staff",)))
    [qualification] = tot.complete_enrolment(graduate, on=utcnow().date() - timedelta(days=1200))
    qualification.expires_on = utcnow().date() - timedelta(days=5)  # lapsed last week
    db.session.commit()
    cohort = make_cohort(programme_version(), name="Proximité 9")
    with pytest.raises(NotQualified, match="a expiré le"):
        training.create_class(cohort, "Classe A", trainer=graduate.user)
    login(client, make_user(roles=("staff",)))
    assert "qualification expirée le" in client.get("/training/cascade").text


def test_renewal_chain_of_trainers_service_number_and_the_expiring_list(
        app, client, key_id, three_year_version):
    from pypdf import PdfReader

    from lms.training import services as training
    from tests.training.factories import qualified_trainer

    first_cohort = make_cohort(three_year_version, name="Proximité 2026")
    trainer = qualified_trainer(three_year_version.programme, first_name="Jean",
                                last_name="Mutombo")
    cohort_class = training.create_class(first_cohort, "Classe A", trainer=trainer)
    enrolment = eligible_enrolment(three_year_version, cohort=first_cohort, unit="Bipemba",
                                   service_number="PNC-777")
    enrolment.cohort_class = cohort_class
    db.session.commit()
    old = svc.issue_certificate(enrolment, None, now=utcnow() - timedelta(days=3 * 365 - 30))
    assert old.trainers[0]["name"] == trainer.display_name
    assert old.trainers[0]["qualification"]["programme"] == "police-de-proximite"
    staff = make_user(roles=("staff",))
    login(client, staff)
    listed = client.get("/certificates/expiring").text
    assert old.display_serial in listed and "PNC-777" in listed
    csv_text = client.get("/certificates/expiring.csv?unit=Bipemba").data.decode("utf-8-sig")
    assert "PNC-777" in csv_text and old.display_serial in csv_text
    assert "PNC-777" not in client.get("/certificates/expiring.csv?unit=Autre").data.decode()
    pdf = client.get(f"/certificates/{old.id}/certificate.pdf").data
    text = "".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf)).pages)
    assert "PNC-777" in text and "Jean MUTOMBO" in text and "Valable jusqu" in text

    refresher = make_enrolment(enrolment.user, make_cohort(three_year_version, name="Recyclage"))
    from tests.certificates.conftest import pass_everything

    pass_everything(refresher)
    new = svc.issue_certificate(refresher, staff)
    assert new.renews_serial == old.serial
    assert old.display_serial not in client.get("/certificates/expiring").text
    assert old.display_serial in client.get(f"/v/{new.serial}").text

    login(client, enrolment.user)
    badge = json.loads(client.get(f"/certificates/{old.id}/badge.json").data)
    assert "Jean MUTOMBO" in badge["evidence"][0]["narrative"]
    assert any(i["identityHash"] == "PNC-777" for i in badge["credentialSubject"]["identifier"])


def test_the_public_how_to_page_and_the_verifier_file(app, client, key_id, quiz_only_version):
    svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    page = client.get("/v/how").text
    assert "/v/keys.json" in page and f"/v/status/{key_id}.json" in page
    assert "Télécharger le vérificateur autonome" in page
    english = client.get("/v/how", headers={"Accept-Language": "en"}).text
    assert "How to check a certificate" in english or "Comment vérifier" in english
    download = client.get("/v/verifier.html")
    assert "attachment" in download.headers["Content-Disposition"]
    assert key_id in download.text and 'name: "Ed25519"' in download.text
    assert "http" not in download.text.split("<script")[0].replace("http-equiv", "")


def test_a_damaged_or_deeply_nested_status_list_file_gets_a_sentence(app, runner, key_id,
                                                                      quiz_only_version,
                                                                      tmp_path):
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    for content in ("[" * 200_000 + "]" * 200_000, "{not json", '{"type": ["Other"]}'):
        bad = tmp_path / "status.json"
        bad.write_text(content)
        result = runner.invoke(args=["lms", "certificate", "verify", cert.token,
                                     "--status-list", str(bad)])
        assert result.exit_code == 1 and "fichier de liste de statuts" in result.output
        assert "Traceback" not in result.output


def test_the_issue_page_refuses_staff_their_own_certificate_and_says_why(
        app, client, key_id, quiz_only_version):
    staff = make_user(roles=("staff",))
    own = eligible_enrolment(quiz_only_version)
    own.user_id = staff.id
    db.session.commit()
    login(client, staff)
    page = client.post(f"/certificates/cohort/{own.cohort_id}/issue",
                       data={"enrolment_id": own.id}, follow_redirects=True)
    assert "pour votre propre inscription" in page.text
    assert svc.valid_certificate(own) is None
