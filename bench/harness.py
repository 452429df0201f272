"""Shared by the benchmarks and tests/reliability: a generated curriculum, a seeded database,
the app under a real gunicorn subprocess, and a small cookie-keeping HTTP client (stdlib only)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2026"
PROGRAMME = "bench-classroom"
QUIZ_KEY = "examen/quiz-final"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"


# A generated programme ------------------------------------------------------------------------

LESSON = """---
title: Leçon {n} — {topic}
duration: 30
---

# {topic}

{paragraphs}
"""

PARAGRAPH = (
    "L'agent de police de proximité écoute la population, note les problèmes signalés au "
    "forum de quartier et revient rendre compte des suites données. Il respecte les droits de "
    "chaque personne, explique ce qu'il fait et pourquoi, et n'use de la force qu'en dernier "
    "recours, de manière nécessaire et proportionnée.\n\n"
)


def _question(n: int) -> str:
    """One auto-graded question; types rotate so every scorer is exercised."""
    kind = ("single", "multiple", "truefalse", "numeric", "short")[n % 5]
    head = f"## Question q{n:02d}\ntype: {kind}\npoints: {1 + n % 3}\n\n"
    if kind == "single":
        return head + (f"Question {n} : quel comportement convient au poste ?\n\n"
                       "- [x] Accueillir et écouter le plaignant\n"
                       "  > Oui : l'écoute vient d'abord.\n"
                       "- [ ] Le faire attendre sans explication\n"
                       "- [ ] Lui demander de l'argent\n"
                       "- [ ] Le renvoyer vers un autre poste\n")
    if kind == "multiple":
        return head + (f"Question {n} : cochez les principes de la police de proximité.\n\n"
                       "- [x] Prévention\n- [x] Partenariat\n- [ ] Intimidation\n"
                       "- [ ] Secret des opérations\n")
    if kind == "truefalse":
        return head + (f"Question {n} : un mineur peut consentir à un acte sexuel.\n\n"
                       "- [ ] Vrai\n- [x] Faux\n")
    if kind == "numeric":
        return head.replace("type: numeric\n", "type: numeric\nanswer: 18\n") + (
            f"Question {n} : à partir de quel âge est-on majeur selon la loi de 2006 ?\n")
    return head + (f"Question {n} : que signifie le « S » de SARA ?\n\n"
                   "- [x] Scanning\n- [x] Repérage\n")


def write_programme(root: Path, questions: int = 20, lessons: int = 12,
                    programme: str = PROGRAMME, version: str = "1.0.0") -> Path:
    """Write a French programme: a module of `lessons` lessons and one final quiz."""
    folder = root / programme
    module = folder / "modules" / "examen"
    module.mkdir(parents=True, exist_ok=True)
    lesson_ids = [f"lecon-{i:04d}" for i in range(1, lessons + 1)]
    for i, lid in enumerate(lesson_ids, start=1):
        (module / f"{lid}.fr.md").write_text(LESSON.format(
            n=i, topic="La police au service de la population", paragraphs=PARAGRAPH * 6),
            encoding="utf-8")
    quiz = ("---\ntitle: Examen final\nkind: quiz\npass_mark: 50\nshuffle_questions: true\n"
            "shuffle_choices: true\nfeedback: immediate\ngrading: best\n---\n\n")
    quiz += "\n".join(_question(n) for n in range(1, questions + 1))
    (module / "quiz-final.fr.md").write_text(quiz, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        f"id: {programme}\nversion: \"{version}\"\nlanguages: [fr]\n"
        "title:\n  fr: Banc d'essai\nmodules:\n  - id: examen\n    title:\n      fr: Examen\n"
        f"    lessons: [{', '.join(lesson_ids)}]\n    assessments: [quiz-final]\n",
        encoding="utf-8")
    return folder


# A seeded database ----------------------------------------------------------------------------

def app_config(db_path: Path, instance: Path, database_url: str | None = None) -> dict:
    """The configuration the seeding process and the server share (SQLite at `db_path`, or
    the database at `database_url`)."""
    return {"SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{db_path}",
            "SECRET_KEY": "bench-secret", "LMS_INSTANCE_PATH": str(instance)}


def seed(db_path: Path, instance: Path, trainees: int, programme_root: Path,
         database_url: str | None = None, class_size: int = 0) -> list[str]:
    """Create the schema, publish the programme and enrol `trainees` trainees (in classes of
    `class_size` when given, in login order); their logins."""
    from lms import create_app
    from lms.auth import services as auth_services
    from lms.cli import init_database
    from lms.curricula.services import publish_programme
    from lms.extensions import db
    from lms.training.services import create_cohort, enrol, get_or_create_site

    config = app_config(db_path, instance, database_url)
    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    app = create_app({k: v for k, v in config.items() if k != "LMS_INSTANCE_PATH"})
    with app.app_context():
        init_database()
        folder = programme_root / PROGRAMME
        version, _created = publish_programme(folder)
        site = get_or_create_site("bench", "École de police (banc d'essai)")
        cohort = create_cohort(name="Promotion banc d'essai", programme=version.programme,
                               site=site, start=date(2026, 3, 29), end=date(2026, 8, 28),
                               version=version)
        # Every trainee gets the same real Argon2id hash (same password): hashing 400 times
        # would only slow the seeding, not change what the server does at login.
        one_hash = auth_services.hash_password(PASSWORD)
        real_hash, auth_services.hash_password = auth_services.hash_password, lambda _p: one_hash
        logins, classes = [], []
        try:
            for i in range(trainees):
                user = auth_services.create_user(
                    first_name="Stagiaire", last_name=f"N{i:04d}", sex="FM"[i % 2],
                    service_number=f"BENCH-{i:05d}", password=PASSWORD, commit=False)
                if class_size and i % class_size == 0:
                    from lms.training.services import create_class

                    classes.append(create_class(cohort, f"Classe {len(classes) + 1:02d}"))
                enrol(user, cohort, cohort_class=classes[-1] if classes else None)
                logins.append(user.login_id)
        finally:
            auth_services.hash_password = real_hash
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return logins


def schedule_waves(db_path: Path, instance: Path, opens_at, gap: int,
                   database_url: str | None = None) -> None:
    """Open the bench quiz at `opens_at` (UTC) one class at a time, `gap` seconds apart."""
    from lms import create_app
    from lms.assessment import services as grading
    from lms.assessment import waves
    from lms.auth.models import User
    from lms.extensions import db
    from lms.training.models import Cohort

    app = create_app({k: v for k, v in app_config(db_path, instance, database_url).items()
                      if k != "LMS_INSTANCE_PATH"})
    with app.app_context():
        cohort = db.session.scalar(db.select(Cohort))
        staff = db.session.scalar(db.select(User))
        grading.set_schedule(staff, cohort, QUIZ_KEY, opens_at, None)
        waves.set_exam_options(staff, cohort, QUIZ_KEY, "class", 0, gap, False)
        db.session.remove()
        db.engine.dispose()


def attempt_counts(db_path: Path) -> dict:
    """What the database holds: attempts by status and how many responses each has."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT a.id, a.enrolment_id, a.status, COUNT(r.id) FROM lms_attempts a "
            "LEFT JOIN lms_responses r ON r.attempt_id = a.id GROUP BY a.id").fetchall()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        orphans = conn.execute(
            "SELECT COUNT(*) FROM lms_responses r LEFT JOIN lms_attempts a "
            "ON a.id = r.attempt_id WHERE a.id IS NULL").fetchone()[0]
        half_submitted = conn.execute(
            "SELECT COUNT(*) FROM lms_attempts WHERE (status = 'submitted') <> "
            "(submitted_at IS NOT NULL AND score IS NOT NULL)").fetchone()[0]
    finally:
        conn.close()
    return {"rows": rows, "integrity": integrity, "orphans": orphans,
            "half_submitted": half_submitted,
            "submitted": [r for r in rows if r[2] == "submitted"],
            "open": [r for r in rows if r[2] == "open"]}


# The server -----------------------------------------------------------------------------------

def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A gunicorn process tree serving one app on loopback."""

    process: subprocess.Popen
    port: int
    cold_start: float = 0.0
    log: Path | None = None

    def pids(self) -> list[int]:
        """The master and its workers."""
        return [self.process.pid, *children(self.process.pid)]

    def peak_rss(self) -> dict[int, int]:
        """Peak resident memory (VmHWM) in bytes for each process of the tree."""
        return {pid: peak for pid in self.pids() if (peak := vm_hwm(pid))}

    def pss(self) -> dict[int, int]:
        """Proportional set size in bytes (pages shared between processes counted once)."""
        return {pid: size for pid in self.pids() if (size := proportional_size(pid))}

    def kill(self) -> None:
        """SIGKILL the whole tree at once, as a power cut or the OOM killer would."""
        for pid in [*children(self.process.pid), self.process.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then kill what is left."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def children(pid: int) -> list[int]:
    """Direct children of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def is_password_process(pid: int) -> bool:
    """True for the process that hashes the workers' passwords (lms.auth.hasher_process)."""
    try:
        return b"hasher_process.py" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def vm_hwm(pid: int) -> int:
    """Peak resident set size of a process in bytes, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (Linux /proc), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def proportional_size(pid: int) -> int:
    """A process's PSS in bytes (Linux smaps_rollup), 0 if it is gone or unreadable."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextmanager
def gunicorn(app_spec: str, env: dict, log: Path, port: int | None = None,
             extra: list[str] | None = None, ready_path: str = "/login", timeout: float = 30):
    """Run `gunicorn -c gunicorn.conf.py app_spec` on loopback until the block ends."""
    server = start_gunicorn(app_spec, env, log, port, extra, ready_path, timeout)
    try:
        yield server
    finally:
        server.stop()


def start_gunicorn(app_spec: str, env: dict, log: Path, port: int | None = None,
                   extra: list[str] | None = None, ready_path: str = "/login",
                   timeout: float = 30) -> Server:
    """Start gunicorn and wait for the first page; the time to it is the cold start."""
    port = port or free_port()
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
           "--bind", f"127.0.0.1:{port}", *(extra or []), app_spec]
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=out)
    server = Server(process, port, log=log)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}:\n"
                               + log.read_text(errors="replace")[-3000:])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", ready_path)
            if conn.getresponse().status == 200:
                server.cold_start = time.perf_counter() - started
                return server
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.01)
    server.kill()
    raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {log}")


# A browser without JavaScript -----------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE = re.compile(r'<input type="(radio|checkbox)" name="answer" value="([0-9a-f]+)"')
TEXT_ANSWER = re.compile(r'<(?:input type="text"|textarea)[^>]*name="answer"')


@dataclass
class Page:
    """One HTTP answer."""

    status: int
    location: str
    body: str
    seconds: float

    def csrf(self) -> str:
        match = CSRF.search(self.body)
        if not match:
            raise ValueError(f"no CSRF token in the page (HTTP {self.status})")
        return match.group(1)


@dataclass
class Browser:
    """Keeps one connection and the cookies, like one browser tab."""

    port: int
    login: str = ""
    timeout: float = 60
    cookies: dict = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None
    last_used: float = 0.0
    # Below the server's keep-alive (gunicorn.conf.py): never send a form down a connection the
    # server may be closing, since a POST cannot be safely resent.
    idle_reconnect: float = 2.0

    def request(self, method: str, path: str, data: dict | list | None = None) -> Page:
        """Send one request (no redirect following) and time it."""
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"User-Agent": "lms-bench", "Accept-Language": "fr"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is not None and time.monotonic() - self.last_used > self.idle_reconnect:
            self.close()
        for retry in (True, False):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError) as exc:
                # The server closed an idle keep-alive connection: reconnect once, as browsers do.
                self.close()
                if retry and method == "GET":
                    continue
                raise exc
            seconds = time.perf_counter() - started
            self.last_used = time.monotonic()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Page(response.status, response.getheader("Location", ""), text, seconds)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> Page:
        return self.request("POST", path, data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def answer_for(page: Page) -> list[str]:
    """A plausible answer to the question shown: the first choice, or a text."""
    choices = CHOICE.findall(page.body)
    if choices:
        return [choices[0][1]]
    if TEXT_ANSWER.search(page.body):
        return ["18"]
    raise ValueError("no answer field in the question page")


def enrolment_ids(db_path: Path) -> dict[str, int]:
    """Enrolment id by trainee login (service number)."""
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT u.service_number, e.id FROM lms_enrolments e "
                                 "JOIN lms_users u ON u.id = e.user_id").fetchall())


def sign_in(browser: Browser, login: str) -> Page:
    """Open the sign-in page and send the form; the POST's answer."""
    page = browser.get("/login")
    return browser.post("/login", {"csrf_token": page.csrf(), "login": login,
                                   "password": PASSWORD})


def start_quiz(browser: Browser, enrolment_id: int) -> Page:
    """Open the quiz page and press Start (or Continue); the POST's answer."""
    module, item = QUIZ_KEY.split("/")
    page = browser.get(f"/learn/{enrolment_id}/{module}/{item}")
    return browser.post(f"/learn/{enrolment_id}/{module}/{item}/start",
                        {"csrf_token": page.csrf()})


def server_env(tmp: Path) -> dict:
    """Environment for the LMS under gunicorn on the database in `tmp`."""
    return {"LMS_DATABASE_URL": f"sqlite:///{tmp / 'lms.sqlite'}",
            "LMS_SECRET_KEY": "bench-secret", "LMS_INSTANCE_PATH": str(tmp / "instance"),
            "LMS_CURRICULA_DIR": str(tmp / "curricula")}
