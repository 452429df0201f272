"""PostgreSQL for the benchmarks: a database of their own on a given server, and what it holds."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def driver_url(url: str) -> str:
    """The SQLAlchemy URL with the psycopg driver the app uses."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def fresh_database(url: str, name: str, keep: bool = False) -> tuple[str, bool]:
    """Create database `name` on the server of `url` (dropped first unless kept); its URL and
    whether a kept one was already there."""
    admin = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                     {"n": name}))
            if found and not keep:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            if not (found and keep):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return driver_url(url).rsplit("/", 1)[0] + "/" + name, found and keep


def drop_database(url: str, name: str) -> None:
    """Drop database `name` on the server of `url`, if there."""
    admin = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def attempt_counts(url: str) -> dict:
    """What the database holds, as harness.attempt_counts says it for SQLite."""
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text(
                "SELECT a.id, a.enrolment_id, a.status, COUNT(r.id) FROM lms_attempts a "
                "LEFT JOIN lms_responses r ON r.attempt_id = a.id GROUP BY a.id"))]
            orphans = conn.scalar(text(
                "SELECT COUNT(*) FROM lms_responses r LEFT JOIN lms_attempts a "
                "ON a.id = r.attempt_id WHERE a.id IS NULL"))
            half_submitted = conn.scalar(text(
                "SELECT COUNT(*) FROM lms_attempts WHERE (status = 'submitted') <> "
                "(submitted_at IS NOT NULL AND score IS NOT NULL)"))
    finally:
        engine.dispose()
    return {"rows": rows, "integrity": "n/a (PostgreSQL)", "orphans": orphans,
            "half_submitted": half_submitted,
            "submitted": [r for r in rows if r[2] == "submitted"],
            "open": [r for r in rows if r[2] == "open"]}


def enrolment_ids(url: str) -> dict[str, int]:
    """Enrolment id by trainee login (service number)."""
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT u.service_number, e.id FROM lms_enrolments e "
                "JOIN lms_users u ON u.id = e.user_id")).all())
    finally:
        engine.dispose()
