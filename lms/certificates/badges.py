"""Open Badges 3.0 export: a certificate as a W3C Verifiable Credential, signed eddsa-jcs-2022."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC
from typing import TYPE_CHECKING

from lms.certificates.models import Certificate
from lms.certificates.signing import raw_public

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA_ID = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
             "ob_v3p0_achievementcredential_schema.json")
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc(data: bytes) -> str:
    """Bitcoin base58 encoding (multibase 'z' without the prefix)."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def did_key(private_key: Ed25519PrivateKey) -> str:
    """The did:key identifier of the signing key's public half."""
    return "did:key:z" + base58btc(b"\xed\x01" + raw_public(private_key.public_key()))


def base58btc_decode(text: str) -> bytes:
    """Decode Bitcoin base58; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ValueError("not base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def jcs(value) -> bytes:
    """JSON canonical form (RFC 8785) for the strings, lists, objects and integers used here."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _hash_data(document: dict, proof_options: dict) -> bytes:
    context = document.get("@context", CONTEXT)
    return (hashlib.sha256(jcs({**proof_options, "@context": context})).digest()
            + hashlib.sha256(jcs(document)).digest())


def sign_document(document: dict, private_key: Ed25519PrivateKey, created: str) -> dict:
    """The document with a Data Integrity proof (eddsa-jcs-2022) as a one-element array."""
    issuer = did_key(private_key)
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": created,
             "verificationMethod": f"{issuer}#{issuer[len('did:key:'):]}",
             "proofPurpose": "assertionMethod"}
    proof["proofValue"] = "z" + base58btc(private_key.sign(_hash_data(document, proof)))
    return {**document, "proof": [proof]}


def verify_document(signed: dict, public_keys: dict) -> str:
    """Check a document's eddsa-jcs-2022 proof against the academy's keys; return the key id.

    Raises ValueError with a sentence when the proof is missing, from an unknown key, or wrong.
    """
    from cryptography.exceptions import InvalidSignature

    from lms.certificates.signing import key_id

    proofs = signed.get("proof") if isinstance(signed, dict) else None
    proof = proofs[0] if isinstance(proofs, list) and len(proofs) == 1 else proofs
    if not isinstance(proof, dict) or proof.get("cryptosuite") != "eddsa-jcs-2022":
        raise ValueError("The file has no eddsa-jcs-2022 proof.")
    method = str(proof.get("verificationMethod", ""))
    value = str(proof.get("proofValue", ""))
    try:
        raw = base58btc_decode(method.split("#", 1)[0].removeprefix("did:key:z"))
        signature = base58btc_decode(value[1:]) if value.startswith("z") else b""
    except ValueError:
        raise ValueError("The file's proof is damaged.") from None
    key = next((k for kid, k in public_keys.items()
                if raw == b"\xed\x01" + raw_public(k) and kid == key_id(k)), None)
    if key is None:
        raise ValueError("The file was not signed by one of the academy's keys.")
    document = {k: v for k, v in signed.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        key.verify(signature, _hash_data(document, options))
    except InvalidSignature:
        raise ValueError("The file's signature does not match: it was altered.") from None
    return key_id(key)


def _iso(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def credential(cert: Certificate, *, issuer_name: str, verify_url: str, criteria: str,
               private_key: Ed25519PrivateKey, status_list_url: str | None = None) -> dict:
    """The certificate as an OpenBadgeCredential with a Data Integrity proof and its status."""
    issuer = did_key(private_key)
    achievement_id = uuid.uuid5(uuid.NAMESPACE_URL,
                                f"lms:programme:{cert.programme_code}:{cert.version_label}")
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name",
                        "hashed": False, "identityHash": cert.name}],
        "achievement": {
            "id": f"urn:uuid:{achievement_id}",
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": cert.title_in("fr"),
            "description": f"{cert.title_in('fr')} / {cert.title_in('en')} — "
                           f"{cert.site_name}, {cert.start_date:%Y-%m-%d} → "
                           f"{cert.end_date:%Y-%m-%d}",
            "criteria": {"narrative": criteria},
            "version": cert.version_label,
            "inLanguage": "fr",
        },
    }
    if cert.service_number:
        subject["identifier"].append({"type": "IdentityObject", "identityType": "ext:serviceNumber",
                                      "hashed": False, "identityHash": cert.service_number})
    document = {
        "@context": CONTEXT,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
        "validFrom": _iso(cert.issued_at),
        "name": cert.title_in("fr"),
        "credentialSubject": subject,
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if cert.valid_until is not None:
        document["validUntil"] = f"{cert.valid_until:%Y-%m-%d}T23:59:59Z"
    if cert.trainers:
        document["evidence"] = [trainer_evidence(t) for t in cert.trainers]
    if status_list_url and cert.status_index is not None:
        document["credentialStatus"] = {
            "id": f"{status_list_url}#{cert.status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(cert.status_index),
            "statusListCredential": status_list_url}
    return sign_document(document, private_key, document["validFrom"])


def trainer_evidence(trainer: dict) -> dict:
    """One trainer of the chain as an OB 3.0 Evidence entry."""
    held = trainer.get("qualification") or {}
    narrative = f"Trainer: {trainer['name']}"
    if held:
        narrative += (f"; qualified for {held.get('programme')} on {held.get('granted_on')}"
                      + (f" by the train-the-trainer session {held['source']}"
                         if held.get("source") else "")
                      + (f", ToT certificate {held['certificate']}"
                         if held.get("certificate") else ""))
    return {"type": ["Evidence"], "name": trainer["name"], "narrative": narrative,
            "genre": "Trainer"}
