"""How the LMS uses SQLite: WAL, durable commits, and write transactions that queue.

A classroom lab runs on one SQLite file with 20 to 40 browsers saving answers at once: every
connection gets the pragmas below, a request that may write takes the write lock at its first
query, and writers wait their turn on a lock file instead of SQLite's sleep-and-retry.
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(app: Flask) -> None:
    """Set the SQLite connection options (busy timeout, queued writers) unless already chosen."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    connect_args = options.setdefault("connect_args", {})
    connect_args.setdefault("timeout", app.config["LMS_SQLITE_BUSY_TIMEOUT_MS"] / 1000)
    if fcntl is not None:
        connect_args.setdefault("factory", QueuedWriterConnection)


def listen_to_engine(engine: Engine) -> None:
    """Apply the pragmas to each new connection and begin transactions as the request needs."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", sqlite_pragmas):
        event.listen(engine, "connect", sqlite_pragmas)
        event.listen(engine, "begin", sqlite_begin)


def sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, busy timeout and durable commits for SQLite; explicit transactions."""
    # Let SQLAlchemy's "begin" event emit BEGIN IMMEDIATE instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def sqlite_begin(conn) -> None:
    """Start SQLite transactions explicitly.

    A request that may write (POST and the like) takes the write lock at once (BEGIN IMMEDIATE),
    so a read never has to upgrade to a write and fail with "database is locked"; pages that
    only read use a deferred transaction and never block writers (WAL). Views marked with
    `lms.transactions.writes_in_blocks` read in deferred transactions and write only in
    `write_transaction()`. Other code can ask for either with the `sqlite_begin` execution
    option, or for "AUTOCOMMIT": no BEGIN, for a single read statement (SQLite runs it in a
    transaction of its own).
    """
    mode = conn.get_execution_options().get("sqlite_begin")
    if mode is None:
        mode = "IMMEDIATE" if has_request_context() and request_writes() else "DEFERRED"
    if mode == "AUTOCOMMIT":
        return
    raw = conn.connection.dbapi_connection
    if mode != "DEFERRED" and isinstance(raw, QueuedWriterConnection):
        raw.wait_for_writer_turn()
    try:
        conn.exec_driver_sql(f"BEGIN {mode}")
    except BaseException:
        if isinstance(raw, QueuedWriterConnection):
            raw.writer_done()
        raise


def request_writes() -> bool:
    """Whether this request's transactions take the write lock from their first query."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("lms_reads_only"):
        return False
    from lms.transactions import view_writes_in_blocks

    # Such views take the lock only inside write_transaction() (lms/transactions.py).
    return not view_writes_in_blocks(current_app.view_functions.get(request.endpoint))


try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy timeout alone
    fcntl = None


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on a lock file beside the database.

    SQLite lets a writer that finds the database locked sleep and retry (1, 2, 5 ... 100 ms):
    with 400 trainees saving at once, waiters oversleep and the unlucky ones starve. Taking an
    exclusive flock() first makes every thread of every worker wait in the kernel, woken the
    moment the previous writer commits; SQLite's lock and busy timeout still guard everything.
    """

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_turn = False
        path = os.fspath(database)
        if path and path != ":memory:" and not path.startswith("file:"):
            try:
                self._writer_fd = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:  # read-only folder: SQLite will refuse the write anyway
                self._writer_fd = None

    def wait_for_writer_turn(self) -> None:
        """Block until no other connection is writing (before BEGIN IMMEDIATE)."""
        if self._writer_fd is not None and not self._writer_turn:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            self._writer_turn = True

    def writer_done(self) -> None:
        """Let the next writer in."""
        if self._writer_turn:
            self._writer_turn = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.writer_done()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.writer_done()

    def close(self) -> None:
        self.writer_done()
        if self._writer_fd is not None:
            os.close(self._writer_fd)
            self._writer_fd = None
        super().close()
