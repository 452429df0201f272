"""The bare stack: a minimal Flask app doing one SQLite insert per request, same durability.

Served by the same gunicorn settings as the LMS (`gunicorn -c gunicorn.conf.py
bench.bare_app:app`, database file in BARE_DB), so that the LMS's answer-save throughput can be
read as a ratio of what Flask + SQLite + gunicorn give at best on the same machine.
"""

import os
import sqlite3
import threading

from flask import Flask, redirect, request

app = Flask(__name__)
_local = threading.local()


def prepare(path: str) -> None:
    """Create the database once, before the server starts, as the LMS's is seeded beforehand.

    Switching a new file to WAL and creating the table from every worker's first request at
    once can fail with "database is locked" (the journal-mode switch does not wait for the
    busy timeout), which showed up as a rare HTTP 500 in CI.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, "
                     "question TEXT, answer TEXT)")
    finally:
        conn.close()


def connection() -> sqlite3.Connection:
    """One connection per thread, with the per-connection pragmas the LMS uses."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(os.environ["BARE_DB"], timeout=15, isolation_level=None)
        for pragma in ("synchronous=FULL", "foreign_keys=ON", "busy_timeout=15000"):
            conn.execute(f"PRAGMA {pragma}")
        _local.conn = conn
    return conn


@app.get("/login")
def ready():
    return "ok"


@app.post("/save")
def save():
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO answers (question, answer) VALUES (?, ?)",
                 (request.form.get("question", ""), request.form.get("answer", "")))
    conn.execute("COMMIT")
    return redirect("/login")
