"""Hostile or broken sync bundles (deep nesting, huge values, zip bombs, malformed content) are
refused with a sentence: never a 500 on the sync page, never a traceback in the CLI."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.sync import services as sync
from lms.sync.bundle import FORMAT, BundleRefused, BundleWriter
from lms.sync.models import SyncBundle
from tests.conftest import PASSWORD, make_user

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)
NESTED = b"[" * 100_000 + b"]" * 100_000
HUGE = "x" * 3_000_000


@pytest.fixture
def centre(app):
    """The centre, and the key of a lab it trusts (the lab signs the test's bundles)."""
    sync.set_up("Academy", "central")
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    sync.add_peer(json.dumps({"uuid": "11111111-1111-4111-8111-111111111111", "name": "Lab X",
                              "role": "lab", "site_code": "x", "public_key": pem}))
    return key


SEQ = itertools.count(1)


def _manifest() -> dict:
    seq = next(SEQ)
    return {"bundle": f"00000000-0000-4000-8000-{seq:012d}", "created_at": "2026-12-01T08:00:00",
            "from": "11111111-1111-4111-8111-111111111111", "from_name": "Lab X",
            "to": sync.identity().uuid, "seq": seq, "ack": 0, "since": None}


def _signed(key, tables: dict[str, list], manifest: dict | None = None) -> bytes:
    out = io.BytesIO()
    writer = BundleWriter(out)
    for name, rows in tables.items():
        writer.table(name, iter([rows]))
    writer.finish(manifest or _manifest(), key)
    return out.getvalue()


def _raw_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _signed_raw_manifest(key, manifest_bytes: bytes) -> bytes:
    next(SEQ)
    return _raw_zip({"manifest.json": manifest_bytes,
                     "manifest.sig": base64.b64encode(key.sign(manifest_bytes))})


def _nothing_imported() -> bool:
    return db.session.scalar(select(func.count()).select_from(SyncBundle)) == 0


def test_a_nested_manifest_is_refused_signed_or_not(centre):
    unsigned = _raw_zip({"manifest.json": NESTED, "manifest.sig": b"AAAA"})
    with pytest.raises(BundleRefused, match="signature"):
        sync.import_bundle(unsigned)
    with pytest.raises(BundleRefused, match="mal formé"):
        sync.import_bundle(_signed_raw_manifest(centre, NESTED))
    with pytest.raises(BundleRefused, match="avant d'être lu"):  # huge: refused unread
        sync.import_bundle(_signed_raw_manifest(centre, json.dumps(
            {"format": FORMAT, "hashes": {"a": HUGE}}).encode()))
    assert _nothing_imported()


def test_a_zip_bomb_is_refused_before_it_is_read(centre):
    bomb = _raw_zip({"manifest.json": b"{}", "manifest.sig": b"",
                     "data/lms_users.jsonl": b"\n" * 30_000_000})
    with pytest.raises(BundleRefused, match="refusé avant d'être lu"):
        sync.import_bundle(bomb)


def test_signed_records_too_deep_too_long_or_of_the_wrong_kind_are_refused(centre):
    good = {"uuid": "22222222-2222-4222-8222-222222222222", "code": "x", "name": "X"}
    for record in ({**good, "name": json.loads(b"[" * 50 + b"]" * 50)},
                   {**good, "name": HUGE}, {**good, "name": 3}, [1, 2], {"uuid": 5},
                   {**good, "created_at": "not a date"}):
        with pytest.raises(BundleRefused):
            sync.import_bundle(_signed(centre, {"lms_sites": [record]}))
    nested_line = _signed(centre, {"lms_sites": [good]})
    assert sync.import_bundle(nested_line)[1]  # the well-formed one is merged


def test_the_sync_page_and_the_cli_answer_a_nested_bundle_with_a_sentence(app, centre, runner,
                                                                          tmp_path):
    staff = make_user(roles=("staff",))
    bad = _signed_raw_manifest(centre, NESTED)
    client = app.test_client()
    client.post("/login", data={"login": staff.login_id, "password": PASSWORD})
    response = client.post("/sync/import", data={"bundle": (io.BytesIO(bad), "x.lmsbundle")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "mal formé" in response.text
    path = tmp_path / "x.lmsbundle"
    path.write_bytes(bad)
    result = runner.invoke(args=["lms", "sync", "import", str(path)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@SETTINGS
@given(value=JSON, where=st.sampled_from(["manifest", "record", "column"]))
@example(value=json.loads(b"[" * 40 + b"]" * 40), where="record")
@example(value="é" * 100_000, where="column")
def test_any_signed_json_is_merged_or_refused_with_a_message(centre, value, where):
    users = db.session.scalar(select(func.count()).select_from(User))
    try:
        if where == "manifest":
            data = _signed_raw_manifest(centre, json.dumps(value).encode())
        elif where == "record":
            data = _signed(centre, {"lms_sites": [value]})
        else:
            data = _signed(centre, {"lms_users": [{
                "uuid": "33333333-3333-4333-8333-333333333333", "first_name": value,
                "last_name": value, "academy_number": value, "sex": "F",
                "password_hash": "x"}]})
        sync.import_bundle(data)
    except BundleRefused as exc:
        assert str(exc)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User)) == users
