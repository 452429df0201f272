"""Backup and restore of the LMS database: SQLite online backup; pg_dump/pg_restore advice."""

from __future__ import annotations

import sqlite3
import time
from contextlib import suppress
from pathlib import Path

from sqlalchemy.engine import make_url

from lms.base import LMSError
from lms.i18n import lazy_message as _l

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
        raise BackupError(_l("An in-memory database cannot be backed up."))
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
        raise BackupError(_l("There is no database at %(path)s: check LMS_DATABASE_URL, or "
                             "create it with \"flask lms init\".", path=str(source)))
    if dest.exists():
        raise BackupError(_l("%(path)s already exists: choose a new file name.", path=str(dest)))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _copy_database(f"file:{source}?mode=ro", dest, self_contained=True)
    except (OSError, sqlite3.Error) as exc:
        with suppress(OSError):  # never leave half a backup that looks like one
            dest.unlink()
        raise BackupError(_l("The backup could not be written to %(path)s (%(reason)s): choose "
                             "another folder or free some space.", path=str(dest),
                             reason=str(exc))) from exc
    return check_lms_database(dest)


def _copy_database(source_uri: str, dest: Path, self_contained: bool = False) -> None:
    src = sqlite3.connect(source_uri, uri=True, timeout=30)
    try:
        out = sqlite3.connect(dest, timeout=30)
        try:
            # One step (pages=-1) reads one snapshot, whatever writers do meanwhile; through
            # SQLite (not a file copy) the WAL and the other connections stay coherent.
            src.backup(out, pages=-1)
            if self_contained:
                out.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        finally:
            out.close()
    finally:
        src.close()


def check_lms_database(path: Path) -> dict[str, int]:
    """Row counts per LMS table, after checking `path` is an intact LMS database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(_l("%(path)s cannot be opened as a database: %(reason)s",
                              path=str(path), reason=str(exc))) from exc
    try:
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not LMS_TABLES <= tables:
            raise BackupError(_l("%(path)s is not an LMS database (its tables are missing).",
                                  path=str(path)))
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(_l("%(path)s is damaged (%(reason)s).",
                                  path=str(path), reason=status))
        return {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                for name in sorted(tables) if name.startswith("lms_")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(_l("%(path)s is not an LMS database (%(reason)s).", path=str(path),
                              reason=str(exc))) from exc
    finally:
        conn.close()


def check_backup_file(backup: Path) -> dict[str, int]:
    """Row counts per LMS table of a backup, after checking it exists and is intact."""
    if not backup.is_file():
        raise BackupError(_l("There is no file at %(path)s: check the name of the backup.",
                             path=str(backup)))
    return check_lms_database(backup)


def restore_sqlite(backup: Path, target: Path, now: float | None = None) -> Path | None:
    """Put a backup in place of the database; the replaced database is kept beside it.

    Returns the path of the copy of the replaced database (None if there was none).
    """
    check_backup_file(backup)
    kept = None
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        backup_sqlite(target, kept)
    try:
        _copy_database(f"file:{backup}?mode=ro", target)
    except sqlite3.Error as exc:
        raise BackupError(_l("The restore failed (%(reason)s): the database was not replaced. "
                             "Stop the server and try again.", reason=str(exc))) from exc
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
