"""Run the real app under gunicorn on a fresh SQLite file seeded with the demo data."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Debian's Chromium, never a downloaded browser; flags keep it quiet and offline.
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`flask lms demo` into a new database, then gunicorn serving `wsgi:app` on 127.0.0.1."""

    def __init__(self, workdir: Path, workers: int = 2) -> None:
        self.workdir = Path(workdir)
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = self.workdir / "lms.sqlite"
        self.log_path = self.workdir / "server.log"
        self.process: subprocess.Popen | None = None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        self.env.update({
            "LMS_DATABASE_URL": f"sqlite:///{self.database}",
            "LMS_INSTANCE_PATH": str(self.workdir / "instance"),
            "LMS_SECRET_KEY": secrets.token_hex(16),
            "LMS_CURRICULA_DIR": str(ROOT / "curricula"),
            "PYTHONDONTWRITEBYTECODE": "1",
        })

    def start(self) -> LiveServer:
        """Seed the demo data and start the server; wait until it answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        seeded = subprocess.run([sys.executable, "-m", "flask", "--app", "lms", "lms", "demo"],
                                cwd=ROOT, env=self.env, capture_output=True, text=True)
        if seeded.returncode:
            raise RuntimeError(f"`flask lms demo` failed:\n{seeded.stdout}\n{seeded.stderr}")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(self.workers), "--access-logfile", "-", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within 30 s:\n{self.log()}")

    def seed(self, command: str, *args: str) -> None:
        """Set up data through the services in the server's database (tests/browser/seed.py)."""
        done = subprocess.run([sys.executable, "-m", "tests.browser.seed", command, *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"seed {command} failed:\n{done.stdout}\n{done.stderr}")

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop gunicorn (its workers follow)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
