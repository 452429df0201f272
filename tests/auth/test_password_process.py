"""The password process: one small process hashes and checks the passwords of every web worker,
and a sign-in never depends on it (the worker hashes when it does not answer)."""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from lms.auth import hasher_process
from tests.conftest import PASSWORD, login, make_user


@pytest.fixture
def password_process(monkeypatch):
    from lms.auth import passwords

    # The suite hashes at a low cost in the test process; the password process at the real one.
    monkeypatch.setattr(passwords, "_hasher", hasher_process.HASHER)
    process, path = hasher_process.start(slots=1)
    monkeypatch.setenv("LMS_PASSWORD_HASHER", path)
    yield process, path
    hasher_process.stop(process, path)


def _served(path: str) -> int:
    return hasher_process.ask(path, {"op": "stats"})["served"]


def test_sign_ins_are_checked_by_the_password_process(app, client, password_process):
    process, path = password_process
    user = make_user()  # hashed there
    assert _served(path) == 1
    assert PasswordHasher().verify(user.password_hash, PASSWORD)  # a standard Argon2id hash

    refused = login(client, user, password="pas-le-bon")
    assert refused.status_code == 200 and "/login" not in refused.headers.get("Location", "")
    assert _served(path) == 2
    assert login(client, user).status_code == 302
    assert _served(path) == 3
    assert client.get("/").status_code == 200


def test_a_sign_in_works_when_the_process_is_gone(app, client, password_process, caplog):
    process, path = password_process
    user = make_user()
    hasher_process.stop(process, path)
    with caplog.at_level(logging.WARNING, logger="lms.auth.passwords"):
        assert login(client, user).status_code == 302
    assert "did not answer" in caplog.text


def test_the_process_is_private_and_refuses_nonsense_then_goes_on(password_process):
    process, path = password_process
    assert os.stat(Path(path).parent).st_mode & 0o077 == 0  # nobody else can reach the socket
    for line in (b"not json\n", b"[1, 2]\n", b'{"op": "hash", "password": 12}\n',
                 b'{"op": "verify", "password": "x"}\n', b'{"op": "shell"}\n',
                 b'{"op": "hash", "password": "' + b"a" * 40_000 + b'"}\n'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(path)
            conn.sendall(line)
            reply = json.loads(conn.makefile("rb").readline())
        assert reply == {"error": "bad request"}, line[:40]
    stored = hasher_process.ask(path, {"op": "hash", "password": "encore"})["hash"]
    assert hasher_process.ask(path, {"op": "verify", "stored": stored, "password": "encore"}) \
        == {"ok": True}
    assert hasher_process.ask(path, {"op": "verify", "stored": "n'importe quoi",
                                     "password": "encore"}) == {"ok": False}
    assert process.poll() is None


def test_the_process_leaves_when_its_parent_dies(tmp_path):
    """Orphaned (the server killed by a power cut or the OOM killer), it exits by itself."""
    import subprocess
    import sys
    import time

    path = str(tmp_path / "p.sock")
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-I', {hasher_process.__file__!r}, {path!r}]); "
        "time.sleep(60)")])
    deadline = time.monotonic() + 10
    while hasher_process.ask(path, {"op": "stats"}, timeout=1) is None:
        assert time.monotonic() < deadline, "the process did not start"
        time.sleep(0.05)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while hasher_process.ask(path, {"op": "stats"}, timeout=1) is not None:
        assert time.monotonic() < deadline, "the orphaned process is still serving"
        time.sleep(0.2)
