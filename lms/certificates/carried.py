"""Status lists signed by the issuing server, carried to labs in sync bundles (#16).

The centre puts its signed status list of each key into every bundle it sends to a lab. The lab
checks each list against the key that names it (the issuer's key, never its own), keeps the
newest one per key as the issuer's exact bytes in its instance folder, serves them unchanged at
/v/status/<key id>.json, and its /v/ page and badge download read revocations from them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import current_app, url_for

from lms.certificates import badges, signing, status

MEMBER_PREFIX = "status/"  # bundle members: status/<key id>.json
_KID = re.compile(r"^[0-9a-f]{8}$")


def folder() -> Path:
    """Where the carried lists live: the instance folder."""
    return Path(current_app.instance_path) / "status-lists"


def status_list_url(kid: str) -> str:
    """The stable public address of a signing key's status list."""
    base = current_app.config.get("LMS_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("lms.certificates.status_list", key_id=kid)
    return url_for("lms.certificates.status_list", key_id=kid, _external=True)


def own_key_id() -> str | None:
    """The id of this server's own signing key (None without one)."""
    from lms.certificates.services import key_folder

    try:
        return signing.key_id(signing.load_private_key(key_folder()).public_key())
    except signing.SigningKeyError:
        return None


def stored(kid: str) -> bytes | None:
    """The issuer's list for key `kid` exactly as received, or None."""
    if not _KID.match(kid or ""):
        return None
    path = folder() / f"{kid}.json"
    return path.read_bytes() if path.is_file() else None


def check(raw: bytes) -> tuple[str, dict]:
    """(key id, document) of a carried list whose proof holds (issuer's key from the proof, or
    one this server knows); ValueError with a sentence otherwise. Only lists in a bundle signed
    by the central server reach here."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from lms.certificates.services import public_keys

    if len(raw) > status.MAX_FILE:
        raise ValueError("The status list is too large.")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValueError("The status list is not readable JSON.") from None
    if not isinstance(document, dict) or "BitstringStatusListCredential" not in (
            document.get("type") or []) or not isinstance(document.get("validFrom"), str):
        raise ValueError("This is not a status list.")
    kid = status.list_key_id(document)
    if not _KID.match(kid):
        raise ValueError("The status list names no signing key.")
    keys = dict(public_keys())  # the issuer's keys this server knows, and the proof's own key
    proofs = document.get("proof")
    proof = proofs[0] if isinstance(proofs, list) and proofs else {}
    method = str(proof.get("verificationMethod", "")) if isinstance(proof, dict) else ""
    raw_key = badges.base58btc_decode(method.split("#", 1)[0].removeprefix("did:key:z"))
    if len(raw_key) != 34 or not raw_key.startswith(b"\xed\x01"):
        raise ValueError("The status list's proof names no Ed25519 key.")
    signer = Ed25519PublicKey.from_public_bytes(raw_key[2:])
    keys.setdefault(signing.key_id(signer), signer)
    badges.verify_document(document, keys)  # ValueError unless the proof holds
    status.decode_bits((document.get("credentialSubject") or {}).get("encodedList"))
    return kid, document


def keep(raw: bytes) -> bool:
    """Store a checked list unless the one held for its key is newer; True if kept."""
    try:
        kid, document = check(raw)
    except (ValueError, status.StatusListError, TypeError, AttributeError):
        return False
    if kid == own_key_id():
        return False  # this server signs its own key's list
    held = stored(kid)
    if held is not None:
        try:
            if json.loads(held)["validFrom"] > document["validFrom"]:
                return False
        except (ValueError, KeyError, TypeError):
            pass
    folder().mkdir(parents=True, exist_ok=True)
    temporary = folder() / f"{kid}.json.part"
    temporary.write_bytes(raw)
    temporary.replace(folder() / f"{kid}.json")
    return True


def revoked_by_issuer(kid: str, index: int | None) -> bool:
    """Whether the issuer's carried list for `kid` marks entry `index` revoked or replaced."""
    raw = stored(kid) if index is not None and kid != own_key_id() else None
    if raw is None:
        return False
    try:
        subject = json.loads(raw).get("credentialSubject") or {}
        return status.bit_is_set(status.decode_bits(subject.get("encodedList")), index)
    except (ValueError, status.StatusListError, AttributeError):
        return False


def to_carry() -> dict[str, bytes]:
    """The status lists the central server puts in a bundle for a lab, signed now with its key."""
    from flask import has_request_context

    from lms.certificates import public
    from lms.certificates.services import key_folder

    def document(kid: str) -> dict:
        if has_request_context():
            return public.status_list_document(kid, status_list_url(kid), key)
        with current_app.test_request_context():  # url_for outside a request
            return public.status_list_document(kid, status_list_url(kid), key)

    lists: dict[str, bytes] = {}
    try:
        key = signing.load_private_key(key_folder())
        own = signing.key_id(key.public_key())
    except signing.SigningKeyError:
        key, own = None, None
    for kid in public.status_list_keys():
        if key is not None and (kid == own or stored(kid) is None):
            lists[kid] = json.dumps(document(kid), ensure_ascii=False, indent=2).encode()
        elif (held := stored(kid)) is not None:
            lists[kid] = held
    return lists
