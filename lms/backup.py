"""Backup and restore of the LMS database: SQLite online backup; pg_dump/pg_restore advice."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from lms.base import LMSError

try:
    import fcntl
except ImportError:  # Windows: no check, the README's advice (stop the server first) stands
    fcntl = None

# A file is an LMS database if it holds these tables.
LMS_TABLES = {"lms_users", "lms_attempts", "lms_responses", "lms_curriculum_versions"}


class BackupError(LMSError):
    """A backup or restore could not be done; the message says why and what to do."""


def sqlite_path(database_uri: str) -> Path | None:
    """The SQLite file of a database URI, or None for another database."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    database = url.database
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    return Path(database)


def default_backup_path(folder: Path, now: float | None = None) -> Path:
    """backups/lms-YYYYMMDD-HHMMSS.sqlite under `folder`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return folder / "backups" / f"lms-{stamp}.sqlite"


def backup_sqlite(source: Path, dest: Path) -> dict[str, int]:
    """Copy a live SQLite database to `dest` consistently (online backup API); table counts."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    if dest.exists():
        raise BackupError(f"{dest} already exists: choose a new file name.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    out = sqlite3.connect(dest)
    try:
        # One step (pages=-1) reads one snapshot, whatever writers do meanwhile.
        src.backup(out, pages=-1)
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        out.close()
        src.close()
    return check_lms_database(dest)


def check_lms_database(path: Path) -> dict[str, int]:
    """Row counts per LMS table, after checking `path` is an intact LMS database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened as a database: {exc}") from exc
    try:
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not LMS_TABLES <= tables:
            raise BackupError(f"{path} is not an LMS database (its tables are missing).")
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"{path} is damaged ({status}).")
        return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                for name in sorted(tables) if name.startswith("lms_")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an LMS database ({exc}).") from exc
    finally:
        conn.close()


def restore_sqlite(backup: Path, target: Path, now: float | None = None) -> Path | None:
    """Put a backup in place of the database; the replaced database is kept beside it.

    Returns the path of the copy of the replaced database (None if there was none).
    """
    if not backup.exists():
        raise BackupError(f"There is no file at {backup}.")
    check_lms_database(backup)
    kept = None
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        backup_sqlite(target, kept)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    live = sqlite3.connect(target, timeout=30)
    try:
        # Through SQLite (not a file copy): the WAL and the other connections stay coherent.
        src.backup(live, pages=-1)
    finally:
        live.close()
        src.close()
    check_lms_database(target)
    return kept


def database_in_use(target: Path) -> bool:
    """Whether another process (a server still running) has the SQLite database open.

    Every connection to a WAL database holds a shared lock on one byte of the `-shm` file (the
    "DMS" byte at offset 128, see SQLite's os_unix.c); an exclusive lock on it is refused while
    any other process is connected. Call it after closing this process's own connections.
    """
    shm = target.with_name(target.name + "-shm")
    if fcntl is None or not shm.exists():
        return False
    with open(shm, "rb+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128, 0)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, 128, 0)
    return False


def postgres_commands(database_uri: str, path: str) -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for a PostgreSQL database."""
    url = make_url(database_uri).set(drivername="postgresql")
    shown = url.render_as_string(hide_password=True)
    return (f'pg_dump --format=custom --file "{path}" "{shown}"',
            f'pg_restore --clean --if-exists --no-owner --dbname "{shown}" "{path}"')
