"""Ed25519 keys and the compact signed certificate payload carried in the QR code.

The token is `base64url(payload) + "." + base64url(signature)` where the payload is a compact
JSON array of strings `["C2", serial, name, programme, version, issued (YYYY-MM-DD),
valid until (YYYY-MM-DD, or "" when it does not expire), status list index, key id]` (older
certificates: `["C1", serial, name, programme, version, issued, key id]`) and the signature
covers the payload bytes exactly as encoded. The key id is always the last element, so a
verifier finds the key, and checks the signature, before it parses anything. Verifying needs
only public keys: this module's `verify_token` and `load_public_keys` do not use Flask or the
database, so a laptop holding the exported public key set verifies a certificate offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import gettext as _

if TYPE_CHECKING:  # cryptography (8 MB) is imported by the functions that use it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

FORMAT = "C2"
FORMATS = {"C1": 7, "C2": 9}  # format -> number of fields
MAX_TOKEN = 4096  # characters: a real code is under 600
_KEY_ID_AT_END = re.compile(rb',"([0-9a-f]{8})"\]\Z')
PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEYS_FILE = "public-keys.json"


class SigningKeyError(Exception):
    """A signing key is missing or already present; the message says what to run."""


class VerificationFailed(Exception):
    """A token is malformed, signed by an unknown key, or altered; the message says which."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # malformed | unknown_key | bad_signature


@dataclass(frozen=True)
class Claims:
    """What a verified token says."""

    serial: str
    name: str
    programme: str
    version: str
    issued: str
    key_id: str
    valid_until: str = ""  # YYYY-MM-DD, "" when the certificate does not expire
    status_index: int | None = None  # position in the key's status list (C2 codes)


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError when invalid."""
    text = text.strip()
    if not text or any(c not in _B64URL for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short stable id for a public key: 8 hex digits of its SHA-256."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:8]


# Tokens ----------------------------------------------------------------------------------------

def sign_token(private_key: Ed25519PrivateKey, *, serial: str, name: str, programme: str,
               version: str, issued: str, valid_until: str = "",
               status_index: int | None = None) -> str:
    """Sign the certificate's claims; return the compact token for the QR code."""
    kid = key_id(private_key.public_key())
    index = "" if status_index is None else str(status_index)
    payload = json.dumps([FORMAT, serial, name, programme, version, issued, valid_until, index,
                          kid], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b64url(payload) + "." + b64url(private_key.sign(payload))


def extract_token(text: str) -> str:
    """The token inside a scanned text: a bare token or a URL carrying it as `p=`."""
    text = text.strip()
    if "p=" in text and ("?" in text or "&" in text):
        from urllib.parse import parse_qs, urlsplit

        values = parse_qs(urlsplit(text).query).get("p")
        if values:
            return values[0]
    return text


def _malformed() -> VerificationFailed:
    return VerificationFailed("malformed", _("This is not a certificate code: it is incomplete "
                                             "or damaged. Scan or copy it again."))


def verify_token(token: str, public_keys: dict[str, Ed25519PublicKey]) -> Claims:
    """Check the signature with the matching public key, then parse and return the claims.

    Nothing outside is parsed before its signature holds: the key id is read from the end of
    the payload bytes, the signature checked, and only then is the JSON read.
    """
    from cryptography.exceptions import InvalidSignature

    text = extract_token(token) if len(token) <= 4 * MAX_TOKEN else ""
    if not text or len(text) > MAX_TOKEN or text.count(".") != 1:
        raise _malformed()
    try:
        encoded_payload, encoded_signature = text.split(".")
        payload, signature = unb64url(encoded_payload), unb64url(encoded_signature)
    except ValueError:
        raise _malformed() from None
    match = _KEY_ID_AT_END.search(payload)
    if match is None or not payload.startswith(b'["C'):
        raise VerificationFailed("malformed", _("This is not a certificate code of this academy "
                                   "(unknown format)."))
    kid = match.group(1).decode("ascii")
    key = public_keys.get(kid)
    if key is None:
        raise VerificationFailed("unknown_key", _(
            "The code was signed with key '%(kid)s', which is not among the academy's public "
            "keys: it is forged, or your key set is out of date (export it again).", kid=kid))
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        raise VerificationFailed("bad_signature", _(
            "The signature does not match: this code was altered or forged. Do not accept this "
            "certificate.")) from None
    try:
        fields = json.loads(payload.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _malformed() from None
    if (not isinstance(fields, list) or not fields or FORMATS.get(fields[0]) != len(fields)
            or not all(isinstance(f, str) for f in fields)):
        raise VerificationFailed("malformed", _("This is not a certificate code of this academy "
                                   "(unknown format)."))
    if fields[0] == "C1":
        return Claims(*fields[1:])
    serial, name, programme, version, issued, valid_until, index, kid = fields[1:]
    return Claims(serial, name, programme, version, issued, kid, valid_until,
                  int(index) if index.isdigit() else None)


# Key files -------------------------------------------------------------------------------------

def load_private_key(folder: Path) -> Ed25519PrivateKey:
    """The current signing key from the key folder."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(folder) / PRIVATE_KEY_FILE
    if not path.exists():
        raise SigningKeyError(f"No certificate signing key in {folder}: run "
                              "`flask lms keys generate`.")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key.")
    return key


def read_key_set(folder: Path) -> dict:
    """The stored public key set (JWKS shape), empty when none."""
    path = Path(folder) / PUBLIC_KEYS_FILE
    if not path.exists():
        return {"keys": []}
    return json.loads(path.read_text("utf-8"))


def public_jwk(key: Ed25519PublicKey, created: str) -> dict:
    """A public key as a JSON Web Key (OKP, Ed25519) with its key id."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public(key)), "kid": key_id(key),
            "use": "sig", "alg": "EdDSA", "created": created}


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _write_key_set(folder: Path, key_set: dict) -> None:
    path = folder / PUBLIC_KEYS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(key_set, indent=2) + "\n", "utf-8")
    os.replace(tmp, path)


def generate_key(folder: Path, *, rotate: bool = False) -> str:
    """Create a signing key (mode 600) and add its public key to the set; return its id.

    Without `rotate`, refuse to replace an existing key. With it, the new key signs from now
    on and the old public keys stay in the set so that earlier certificates still verify.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / PRIVATE_KEY_FILE
    if path.exists() and not rotate:
        raise SigningKeyError(f"A signing key already exists in {folder}: use "
                              "`flask lms keys rotate` to replace it.")
    if rotate and not path.exists():
        raise SigningKeyError(f"No signing key to rotate in {folder}: run "
                              "`flask lms keys generate`.")
    key = Ed25519PrivateKey.generate()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    key_set = read_key_set(folder)
    for entry in key_set["keys"]:
        entry.setdefault("retired", now)
    key_set["keys"].append(public_jwk(key.public_key(), now))
    _write_key_set(folder, key_set)
    _write_private(path, key)
    return key_id(key.public_key())


def public_keys_from_set(key_set: dict) -> dict[str, Ed25519PublicKey]:
    """Public keys by id from a JWKS-shaped set."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    keys = {}
    for entry in key_set.get("keys", []):
        if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
            key = Ed25519PublicKey.from_public_bytes(unb64url(entry["x"]))
            keys[key_id(key)] = key
    return keys


def load_public_keys(source: str | Path) -> dict[str, Ed25519PublicKey]:
    """Public keys by id from an exported file: a JSON key set or one or more PEM keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = Path(source).read_text("utf-8")
    if text.lstrip().startswith("{"):
        return public_keys_from_set(json.loads(text))
    keys = {}
    for block in text.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" in block:
            pem = (block[block.index("-----BEGIN"):] + "-----END PUBLIC KEY-----\n").encode()
            key = serialization.load_pem_public_key(pem)
            if isinstance(key, Ed25519PublicKey):
                keys[key_id(key)] = key
    return keys


def export_pem(key_set: dict) -> str:
    """Every public key of the set as PEM, each preceded by a comment with its id."""
    from cryptography.hazmat.primitives import serialization

    out = []
    for kid, key in public_keys_from_set(key_set).items():
        pem = key.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        out.append(f"# key id {kid}\n{pem}")
    return "".join(out)
