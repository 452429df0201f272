"""Bundle files: a zip of JSON-lines tables with a manifest (counts, hashes) signed in Ed25519.

Written and read in batches (never the whole bundle in memory). Before any part is parsed the
reader checks the zip's listed sizes and compression ratio, the manifest's size and signature
(against the keys of the known servers), then each table's SHA-256; only then are lines parsed,
each with limits on length and nesting, so damaged or hostile content gets a sentence, never a
traceback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from flask_babel import gettext as _

from lms.base import LMSError

if TYPE_CHECKING:  # cryptography (8 MB) is imported when a bundle is signed or checked
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "lms-sync-bundle/1"
MAX_BUNDLE_BYTES = 2 * 1024 ** 3
MAX_MANIFEST_BYTES = 1024 ** 2
MAX_TABLE_BYTES = 4 * 1024 ** 3
MAX_RATIO = 200  # JSON lines compress 5 to 20 times; a zip bomb far more
MAX_LINE_BYTES = 4 * 1024 ** 2
MAX_DEPTH = 12
BATCH = 500


class BundleRefused(LMSError):
    """The bundle is damaged, altered, foreign or not for us; nothing was changed."""


def _damaged() -> BundleRefused:
    return BundleRefused(_("This file is not a complete sync bundle (damaged or cut short). "
                           "Copy it again from the other server."))


def _malformed(where: str) -> BundleRefused:
    return BundleRefused(_("The bundle is signed but its content is malformed (%(where)s): "
                           "nothing was imported. Make a new bundle on the other server with "
                           "this version of the application.", where=where))


def check_depth(value, limit: int = MAX_DEPTH) -> None:
    """Raise ValueError when `value` nests lists or objects deeper than `limit`."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise ValueError("nested too deeply")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_json(raw: bytes, where: str):
    """Parse one JSON text from outside, or refuse it with a sentence (never RecursionError)."""
    try:
        value = json.loads(raw)
        # Fewer brackets than the limit cannot nest deeper than it: most lines skip the walk.
        if not isinstance(raw, bytes) or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
            check_depth(value)
    except (ValueError, RecursionError) as exc:  # the C parser stops deep nesting cleanly
        raise _malformed(where) from exc
    return value


class BundleWriter:
    """Write a bundle to a binary file, table by table, in batches; sign the manifest at the end."""

    def __init__(self, out: IO[bytes]):
        self.archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.counts: dict[str, int] = {}
        self.hashes: dict[str, str] = {}

    def table(self, name: str, batches: Iterator[list[dict]]) -> int:
        """Write one table's records (batches of dicts); return how many were written."""
        path = f"data/{name}.jsonl"
        digest, count = hashlib.sha256(), 0
        with self.archive.open(path, "w", force_zip64=True) as member:
            for batch in batches:
                chunk = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n"
                                for r in batch).encode()
                digest.update(chunk)
                member.write(chunk)
                count += len(batch)
        self.counts[name] = count
        self.hashes[path] = digest.hexdigest()
        return count

    def member(self, path: str, data: bytes) -> None:
        """Write an extra file (e.g. `status/<key id>.json`), covered by the signed manifest."""
        self.archive.writestr(path, data)
        self.hashes[path] = hashlib.sha256(data).hexdigest()

    def finish(self, manifest: dict, key: Ed25519PrivateKey) -> dict:
        """Write the signed manifest and close the zip; return the manifest."""
        manifest = {**manifest, "format": FORMAT, "counts": self.counts, "hashes": self.hashes}
        manifest_bytes = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
        self.archive.writestr("manifest.json", manifest_bytes)
        self.archive.writestr("manifest.sig", base64.b64encode(key.sign(manifest_bytes)))
        self.archive.close()
        return manifest


@dataclass
class OpenBundle:
    """A bundle whose sizes, signature and table hashes were checked; tables read in batches."""

    archive: zipfile.ZipFile
    manifest: dict
    signer_key: str
    counts: dict[str, int] = field(default_factory=dict)

    def batches(self, name: str) -> Iterator[list[dict]]:
        """The records of one table, in batches, each line parsed with limits."""
        path = f"data/{name}.jsonl"
        if path not in self.manifest["hashes"]:
            return
        batch: list[dict] = []
        with self.archive.open(path) as member:
            for number, line in enumerate(member, 1):
                if len(line) > MAX_LINE_BYTES:
                    raise _malformed(f"{path}:{number}")
                record = parse_json(line, f"{path}:{number}")
                if not isinstance(record, dict) or not isinstance(record.get("uuid"), str):
                    raise _malformed(f"{path}:{number}")
                batch.append(record)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def members(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """The extra files under `prefix` whose hashes the signed manifest holds."""
        for path in sorted(self.manifest["hashes"]):
            if path.startswith(prefix) and path.count("/") == 1:
                info = self.archive.getinfo(path)
                if info.file_size <= MAX_MANIFEST_BYTES:
                    yield path[len(prefix):], self.archive.read(info)

    def close(self) -> None:
        """Close the zip."""
        self.archive.close()


def open_bundle(source: IO[bytes], public_keys: list[str]) -> OpenBundle:
    """Check a bundle before reading it: sizes, ratio, signature (one of `public_keys`), hashes."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        archive = zipfile.ZipFile(source)
        infos = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise _damaged() from exc
    try:
        manifest_info, sig_info = infos.get("manifest.json"), infos.get("manifest.sig")
        if manifest_info is None or sig_info is None:
            raise _damaged()
        total = 0
        for info in infos.values():
            total += info.file_size
            limit = MAX_MANIFEST_BYTES if not info.filename.startswith("data/") else MAX_TABLE_BYTES
            if (info.file_size > limit or total > MAX_BUNDLE_BYTES * MAX_RATIO
                    or info.file_size > MAX_RATIO * max(info.compress_size, 1024)):
                raise BundleRefused(_("The bundle's parts are far larger than a real bundle "
                                      "(%(file)s): it was refused before reading.",
                                      file=info.filename))
        manifest_bytes = archive.read("manifest.json")
        signature = base64.b64decode(archive.read("manifest.sig"), validate=True)
        signer = None
        for pem in public_keys:
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                continue
            try:
                key.verify(signature, manifest_bytes)
            except InvalidSignature:
                continue
            signer = pem
            break
        if signer is None:
            raise BundleRefused(_("The bundle's signature does not match any server this one "
                                  "knows: it was altered, or made by a server that is not a "
                                  "peer yet. Nothing was imported."))
        manifest = parse_json(manifest_bytes, "manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleRefused(_("This file is not a sync bundle of this application."))
        hashes, counts = manifest.get("hashes"), manifest.get("counts")
        if not isinstance(hashes, dict) or not isinstance(counts, dict):
            raise _malformed("manifest.json")
        for path, digest in hashes.items():
            info = infos.get(path)
            if info is None or not isinstance(digest, str):
                raise _damaged()
            check = hashlib.sha256()
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    check.update(chunk)
            if check.hexdigest() != digest:
                raise BundleRefused(_("The bundle was altered after it was made (%(file)s). "
                                      "Nothing was imported.", file=path))
    except BundleRefused:
        archive.close()
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError,
            NotImplementedError) as exc:
        archive.close()
        raise _damaged() from exc
    return OpenBundle(archive, manifest, signer,
                      {k: v for k, v in counts.items() if isinstance(v, int)})
