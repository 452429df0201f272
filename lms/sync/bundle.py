"""Bundle files: a zip of JSON-lines tables with a manifest (counts, hashes) signed in Ed25519."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from lms.base import LMSError
from lms.safezip import ArchiveLimits, ArchiveRefused, open_archive

if TYPE_CHECKING:  # cryptography (8 MB) is imported when a bundle is signed or checked
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "lms-sync-bundle/1"
MAX_BUNDLE_BYTES = 2 * 1024 ** 3
# Read before the signature is checked: bounded tightly. JSON lines compress well, not 200 times.
LIMITS = ArchiveLimits(total_bytes=MAX_BUNDLE_BYTES, ratio=200,
                       member_bytes={"manifest.json": 16 * 1024 ** 2, "manifest.sig": 1024})


class BundleRefused(LMSError):
    """The bundle is damaged, altered, foreign or not for us; nothing was changed."""


@dataclass
class Bundle:
    """A verified bundle: its manifest and its tables as lists of records."""

    manifest: dict
    tables: dict[str, list[dict]]


def write_bundle(manifest: dict, tables: dict[str, list[dict]], key: Ed25519PrivateKey) -> bytes:
    """Pack tables and a signed manifest (with each table's count and SHA-256) into zip bytes."""
    files = {f"data/{name}.jsonl": "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n"
                                           for r in rows).encode()
             for name, rows in tables.items()}
    manifest = {**manifest, "format": FORMAT,
                "counts": {name: len(rows) for name, rows in tables.items()},
                "hashes": {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}}
    manifest_bytes = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
    signature = base64.b64encode(key.sign(manifest_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.sig", signature)
        for path, data in files.items():
            archive.writestr(path, data)
    return out.getvalue()


def read_manifest(data: bytes) -> dict:
    """The manifest of a bundle, unverified (to find who signed it)."""
    try:
        with open_archive(data, LIMITS) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except ArchiveRefused as exc:
        raise BundleRefused(str(exc)) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise BundleRefused(_("This file is not a complete sync bundle (damaged or cut short). "
                              "Copy it again from the other server.")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleRefused(_("This file is not a sync bundle of this application."))
    return manifest


def verify_bundle(data: bytes, public_key_pem: str) -> Bundle:
    """Check the signature and every table's hash and count; return the bundle's content."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    manifest = read_manifest(data)
    try:
        with open_archive(data, LIMITS) as archive:
            manifest_bytes = archive.read("manifest.json")
            signature = base64.b64decode(archive.read("manifest.sig"), validate=True)
            key = serialization.load_pem_public_key(public_key_pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise BundleRefused(_("The sender's key is not an Ed25519 key."))
            key.verify(signature, manifest_bytes)
            tables = {}
            for path, digest in manifest["hashes"].items():
                raw = archive.read(path)
                if hashlib.sha256(raw).hexdigest() != digest:
                    raise BundleRefused(_("The bundle was altered after it was made (%(file)s). "
                                          "Nothing was imported.", file=path))
                name = path.removeprefix("data/").removesuffix(".jsonl")
                rows = [json.loads(line) for line in raw.decode().splitlines() if line]
                if len(rows) != manifest["counts"].get(name):
                    raise BundleRefused(_("The bundle's counts do not match its content."))
                tables[name] = rows
    except InvalidSignature as exc:
        raise BundleRefused(_("The bundle's signature is wrong: it was altered or not made by "
                              "the server it claims. Nothing was imported.")) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise BundleRefused(_("This file is not a complete sync bundle (damaged or cut short). "
                              "Copy it again from the other server.")) from exc
    return Bundle(manifest, tables)
