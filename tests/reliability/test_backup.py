"""flask lms backup / restore: a consistent copy while a writer runs, and a lossless round trip."""

import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from lms.backup import database_in_use, postgres_commands
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from tests.conftest import choice, make_enrolment

QUIZ = "principes/quiz-principes"
TABLES = ("lms_users", "lms_enrolments", "lms_attempts", "lms_responses", "lms_sites")


def _rows(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
    finally:
        conn.close()


class Writer(threading.Thread):
    """Inserts numbered sites, one transaction each, like a busy server."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.written, self.stop = path, 0, threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        while not self.stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO lms_sites (code, name, uuid, created_at, updated_at) "
                         "VALUES (?, 'w', ?, '2026-01-01', '2026-01-01')",
                         (f"w{self.written + 1:06d}", str(uuid.uuid4())))
            conn.execute("COMMIT")
            self.written += 1
        conn.close()

    def wait_for(self, count: int) -> None:
        while self.written < count and self.is_alive():
            self.stop.wait(0.005)


@pytest.fixture
def sqlite_db(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        pytest.skip("SQLite online backup; PostgreSQL uses pg_dump (see the README)")
    return Path(uri.removeprefix("sqlite:///"))


def _some_work():
    enrolment = make_enrolment()
    attempt = learning.start_attempt(enrolment, QUIZ, "fr")
    for question_id in attempt.question_order[:4]:
        answer_save.save_response(attempt, question_id, choice(attempt.id, question_id, 0))
    learning.submit_attempt(attempt)
    db.session.remove()


def test_backup_while_a_writer_runs_then_restore_loses_nothing(app, runner, sqlite_db, tmp_path):
    _some_work()
    writer = Writer(sqlite_db)
    writer.start()
    writer.wait_for(20)
    dest = tmp_path / "copy.sqlite"
    result = runner.invoke(args=["lms", "backup", str(dest)])
    assert result.exit_code == 0, result.output
    written_at_backup = writer.written
    writer.wait_for(written_at_backup + 20)
    writer.stop.set()
    writer.join(10)

    copy, live = _rows(dest), _rows(sqlite_db)
    sites = [row[1] for row in copy["lms_sites"] if row[1].startswith("w")]
    assert len(sites) >= 20
    assert sites == [f"w{i:06d}" for i in range(1, len(sites) + 1)]  # a snapshot, no gap
    assert copy["lms_sites"] == live["lms_sites"][:len(copy["lms_sites"])]
    for table in ("lms_users", "lms_enrolments", "lms_attempts", "lms_responses"):
        assert copy[table] == live[table] and copy[table]
    assert len(live["lms_sites"]) > len(copy["lms_sites"])

    result = runner.invoke(args=["lms", "restore", str(dest), "--yes"])
    assert result.exit_code == 0, result.output
    assert _rows(sqlite_db) == copy
    kept = [p for p in sqlite_db.parent.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and _rows(kept[0]) == live
    assert sqlite3.connect(sqlite_db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _not_lms_databases(tmp_path):
    """An SQLite file of another program, and a text file."""
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all " * 100)
    return other, text


def test_restore_refuses_a_file_that_is_not_an_lms_database(app, runner, sqlite_db, tmp_path):
    _some_work()
    before = _rows(sqlite_db)
    other, text = _not_lms_databases(tmp_path)
    for wrong in (other, text, tmp_path / "missing.sqlite"):
        result = runner.invoke(args=["lms", "restore", str(wrong), "--yes"])
        assert result.exit_code != 0
        assert "base de données du LMS" in result.output or "pas de fichier" in result.output
    assert _rows(sqlite_db) == before


def test_backup_of_a_postgresql_database_explains_pg_dump():
    dump, restore = postgres_commands("postgresql+psycopg://lms:s3cret@db.local/lms", "x.dump")
    assert dump.startswith("pg_dump --format=custom") and "s3cret" not in dump
    assert restore.startswith("pg_restore --clean") and "x.dump" in restore


def test_restore_warns_while_a_server_still_has_the_database_open(app, runner, sqlite_db,
                                                                  tmp_path):
    _some_work()
    backup = tmp_path / "copy.sqlite"
    assert runner.invoke(args=["lms", "backup", str(backup)]).exit_code == 0
    db.engine.dispose()
    assert not database_in_use(sqlite_db)  # nobody else has it open
    server = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM lms_users')"
         ".fetchall(); print('open', flush=True); time.sleep(60)", str(sqlite_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "open"
        warned = runner.invoke(args=["lms", "restore", str(backup), "--yes"])
    finally:
        server.kill()
        server.wait()
        server.stdout.close()
    assert warned.exit_code == 0, warned.output
    assert "serveur" in warned.output  # French, the default language of the command line


def test_backup_and_restore_refusals_are_in_the_command_lines_language(app, runner, sqlite_db,
                                                                      tmp_path):
    _some_work()
    before = _rows(sqlite_db)
    other, text = _not_lms_databases(tmp_path)
    for wrong, words in ((other, "n'est pas une base de données du LMS (ses tables manquent)"),
                         (text, "n'est pas une base de données du LMS"),
                         (tmp_path / "missing.sqlite", "Il n'y a pas de fichier à")):
        # Without --yes a wrong file is refused before the question is asked.
        result = runner.invoke(args=["lms", "restore", str(wrong)], input="y\n")
        assert result.exit_code == 1, result.output
        assert words in result.output and str(wrong) in result.output
        assert "Remplacer" not in result.output
    assert _rows(sqlite_db) == before

    taken = tmp_path / "taken.sqlite"
    taken.write_bytes(b"mine")
    result = runner.invoke(args=["lms", "backup", str(taken)])
    assert result.exit_code == 1 and "existe déjà : choisissez un autre nom" in result.output
    assert taken.read_bytes() == b"mine"

    blocked = text / "backup.sqlite"  # its folder is a file: nothing can be written there
    result = runner.invoke(args=["lms", "backup", str(blocked)])
    assert result.exit_code == 1, result.output
    assert "La sauvegarde n'a pas pu être écrite" in result.output
    assert "choisissez un autre dossier" in result.output

    good = tmp_path / "good.sqlite"
    result = runner.invoke(args=["lms", "backup", str(good)])
    assert result.exit_code == 0 and "Sauvegarde écrite" in result.output, result.output


def test_backup_messages_follow_an_english_default_locale(app, runner, sqlite_db, tmp_path):
    app.config["LMS_DEFAULT_LOCALE"] = "en"
    result = runner.invoke(args=["lms", "restore", str(tmp_path / "missing.sqlite"), "--yes"])
    assert result.exit_code == 1
    assert "There is no file at" in result.output and "check the name" in result.output

