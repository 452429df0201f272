"""W3C Bitstring Status List: the certificates a key signed that are no longer valid.

One list per signing key (its id names the list), 131,072 entries (the specification's minimum,
for herd privacy). Bit `i` (counted from the first byte's most significant bit) is set when the
certificate at index `i` is revoked or replaced. The list is a credential signed like the badges
(eddsa-jcs-2022), served at a stable address and exported as a file for offline verifiers.
Reading a list needs no database: `load_status_lists` and `status_of` work offline (their
messages follow the server's language inside the app).
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path

from flask_babel import gettext as _

LIST_BITS = 131_072
MAX_FILE = 2_000_000  # bytes: one list is about 200 bytes compressed
CONTEXT = ["https://www.w3.org/ns/credentials/v2"]


class StatusListError(Exception):
    """A status list file cannot be used; the message says why."""


def encode_bits(indices) -> str:
    """The bitstring with these indices set, gzip-compressed, as multibase base64url."""
    bits = bytearray(LIST_BITS // 8)
    for index in indices:
        if 0 <= index < LIST_BITS:
            bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The bitstring of an encoded list; StatusListError when damaged or too large."""
    if not isinstance(encoded, str) or not encoded.startswith("u") or len(encoded) > MAX_FILE:
        raise StatusListError(_("The status list is damaged (its encodedList is not "
                                "base64url)."))
    try:
        packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        bits = inflater.decompress(packed, LIST_BITS)  # never more than one list's bytes
    except (ValueError, zlib.error):
        raise StatusListError(_("The status list is damaged (it cannot be decompressed).")) \
            from None
    if inflater.unconsumed_tail or len(bits) < 16_384:
        raise StatusListError(_("The status list has the wrong size."))
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    """Whether entry `index` of a decoded list is set."""
    return 0 <= index < len(bits) * 8 and bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_credential(url: str, indices, private_key, now: str) -> dict:
    """A signed BitstringStatusListCredential for the entries in `indices`."""
    from lms.certificates.badges import did_key, sign_document

    document = {
        "@context": CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_key(private_key),
        "validFrom": now,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": encode_bits(indices)},
    }
    return sign_document(document, private_key, now)


def load_status_lists(source: str | Path) -> list[dict]:
    """The status list credentials in an exported file (one, or a JSON array of them)."""
    path = Path(source)
    if path.stat().st_size > MAX_FILE:
        raise StatusListError(_("%(file)s is too large to be a status list file.",
                                file=str(path)))
    try:
        data = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise StatusListError(_("%(file)s is not a status list file (not readable JSON).",
                                file=str(path))) from None
    lists = data if isinstance(data, list) else [data]
    if not lists or not all(isinstance(d, dict) and "BitstringStatusListCredential"
                            in (d.get("type") or []) for d in lists):
        raise StatusListError(_("%(file)s is not a status list file of the academy.",
                                file=str(path)))
    return lists


def list_key_id(status_list: dict) -> str:
    """The signing key whose certificates a list covers: the last part of its address."""
    return str(status_list.get("id", "")).rstrip("/").rsplit("/", 1)[-1].removesuffix(".json")


def status_of(lists: list[dict], key_id: str, index: int | None, public_keys: dict
              ) -> tuple[str, str]:
    """('revoked' | 'valid' | 'unknown', the list's date) for one certificate, checking the
    list's own signature first."""
    from lms.certificates.badges import verify_document

    for status_list in lists:
        if list_key_id(status_list) != key_id:
            continue
        try:
            verify_document(status_list, public_keys)
        except ValueError as exc:
            raise StatusListError(_("The status list cannot be trusted: %(reason)s",
                                reason=str(exc))) from None
        if index is None:
            return "unknown", str(status_list.get("validFrom", ""))
        subject = status_list.get("credentialSubject") or {}
        bits = decode_bits(subject.get("encodedList"))
        return ("revoked" if bit_is_set(bits, index) else "valid",
                str(status_list.get("validFrom", "")))
    return "unknown", ""
