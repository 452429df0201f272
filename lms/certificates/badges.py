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


def jcs(value) -> bytes:
    """JSON canonical form (RFC 8785) for the strings, lists and objects used here."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def credential(cert: Certificate, *, issuer_name: str, verify_url: str, criteria: str,
               private_key: Ed25519PrivateKey) -> dict:
    """The certificate as an OpenBadgeCredential with a Data Integrity proof."""
    issuer = did_key(private_key)
    achievement_id = uuid.uuid5(uuid.NAMESPACE_URL,
                                f"lms:programme:{cert.programme_code}:{cert.version_label}")
    document = {
        "@context": CONTEXT,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
        "validFrom": cert.issued_at.astimezone(UTC).isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "name": cert.title_in("fr"),
        "credentialSubject": {
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
        },
    }
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
             "created": document["validFrom"],
             "verificationMethod": f"{issuer}#{issuer[len('did:key:'):]}",
             "proofPurpose": "assertionMethod"}
    hash_data = (hashlib.sha256(jcs({**proof, "@context": CONTEXT})).digest()
                 + hashlib.sha256(jcs(document)).digest())
    proof["proofValue"] = "z" + base58btc(private_key.sign(hash_data))
    return {**document, "proof": proof}
