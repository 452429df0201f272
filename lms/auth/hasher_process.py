"""One small process that hashes and checks passwords for all the web workers of a server.

Argon2id takes 7 MiB and a core for ~20 ms per password. Done inside each web worker, every
sign-in of an exam day puts those 7 MiB on top of a worker already full of pages and caches
(bench/README.md: workers peaked at 84 MB in waves, against 80 MB), and a storm of sign-ins
takes every core from the trainees already answering. Here the hashes are made in one process
that imports nothing but Argon2 (about 12 MB), a fixed number at a time (`LMS_PASSWORD_HASH_SLOTS`,
one per core by default): sign-ins queue for a slot, question pages keep their core.

gunicorn.conf.py starts it (`start`) before the workers and sets `LMS_PASSWORD_HASHER` to its
Unix socket (a private folder, mode 0700); lms.auth.passwords asks it and hashes in the worker
when it does not answer. It stops with the server, or by itself when its parent dies.

This file is run by its path (`python hasher_process.py SOCKET`), so it must not import `lms`.
One request per connection: a JSON line in, a JSON line out.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum recommended Argon2id cost (see lms.auth.passwords).
HASHER = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)
MAX_REQUEST = 16 * 1024  # a password (at most a few hundred bytes) and a hash, in JSON
SOCKET_NAME = "passwords.sock"


def answer(request: dict, hasher: PasswordHasher = HASHER) -> dict:
    """What the process answers to one request ({"op": "hash" | "verify", ...})."""
    if request.get("op") == "hash" and isinstance(request.get("password"), str):
        return {"hash": hasher.hash(request["password"])}
    if (request.get("op") == "verify" and isinstance(request.get("password"), str)
            and isinstance(request.get("stored"), str)):
        try:
            return {"ok": hasher.verify(request["stored"], request["password"])}
        except (VerificationError, InvalidHashError):
            return {"ok": False}
    return {"error": "bad request"}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(MAX_REQUEST)
        try:
            request = json.loads(line)
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            request = {}
        if request.get("op") == "stats":
            reply = {"served": self.server.served}
        else:
            with self.server.slots:
                reply = answer(request)
            with self.server.count_lock:
                self.server.served += 1
        self.wfile.write(json.dumps(reply).encode() + b"\n")


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    request_queue_size = 512  # an exam's sign-ins arrive together

    def __init__(self, path: str, slots: int):
        self.slots = threading.BoundedSemaphore(slots)
        self.count_lock = threading.Lock()
        self.served = 0
        super().__init__(path, _Handler)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def serve(path: str, slots: int) -> None:
    """Serve on `path` until killed or orphaned."""
    old_umask = os.umask(0o077)
    try:
        server = _Server(path, slots)
    finally:
        os.umask(old_umask)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    server.serve_forever()


def start(slots: int | None = None, timeout: float = 10.0) -> tuple[subprocess.Popen, str]:
    """Start the process in a private folder; return it and its socket once it answers."""
    folder = tempfile.mkdtemp(prefix="lms-passwords-")  # mode 0700
    path = os.path.join(folder, SOCKET_NAME)
    slots = slots or int(os.environ.get("LMS_PASSWORD_HASH_SLOTS", os.cpu_count() or 1))
    # glibc: Argon2's 7 MiB blocks mmap'd and given back when freed (a fixed threshold; by
    # default it rises after the first free and the blocks stay), and two malloc arenas, not
    # one per connection's thread (a burst of sign-ins had the process keep 57 MB).
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(1024 * 1024), "MALLOC_ARENA_MAX": "2"}
    process = subprocess.Popen([sys.executable, "-I", os.path.abspath(__file__), path, str(slots)],
                               env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if ask(path, {"op": "stats"}, timeout=1) is not None:
            return process, path
        time.sleep(0.05)
    stop(process, path)
    raise RuntimeError("the password process did not start")


def stop(process: subprocess.Popen, path: str) -> None:
    """Stop the process and remove its folder."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def ask(path: str, request: dict, timeout: float = 60.0) -> dict | None:
    """The process's answer, or None when it cannot be reached or answers nonsense."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(path)
            conn.sendall(json.dumps(request).encode() + b"\n")
            with conn.makefile("rb") as replies:
                reply = json.loads(replies.readline(MAX_REQUEST))
    except (OSError, ValueError):
        return None
    return reply if isinstance(reply, dict) and "error" not in reply else None


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)
