"""Wire the LMS into a Flask app: configuration, extensions, blueprints, hooks, CLI."""

from __future__ import annotations

import os
import sqlite3
import zoneinfo
from datetime import date, timedelta

import flask_babel
from flask import Blueprint, Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event

from lms import assets, resources
from lms.config import DEFAULTS, default_database_uri, instance_secret_key
from lms.extensions import babel, csrf, db, login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def configure_app(app: Flask, url_prefix: str = "") -> None:
    """Apply defaults, bind extensions and register the `lms` blueprint tree."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config["LMS_URL_PREFIX"] = url_prefix
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", default_database_uri(app.instance_path))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[11:]
    elif uri.startswith("postgresql://"):
        uri = app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[13:]
    if uri.startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("timeout", app.config["LMS_SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        if fcntl is not None:
            connect_args.setdefault("factory", QueuedWriterConnection)
    idle = timedelta(minutes=app.config["LMS_SESSION_IDLE_MINUTES"])
    _default(app, "PERMANENT_SESSION_LIFETIME", idle)
    _default(app, "SESSION_COOKIE_HTTPONLY", True)
    _default(app, "SESSION_COOKIE_SAMESITE", "Lax")
    # A new cookie (signed, compressed) only when the session changes: at least every 30 s of
    # activity, when `last_seen` moves (lms.auth.services.session_expired), not on every answer.
    _default(app, "SESSION_REFRESH_EACH_REQUEST", False)
    # A quiz can last hours: a token must outlive the longest attempt.
    _default(app, "WTF_CSRF_TIME_LIMIT", 12 * 3600)
    _default(app, "MAX_CONTENT_LENGTH", app.config["LMS_MAX_UPLOAD_BYTES"])
    _default(app, "BABEL_DEFAULT_LOCALE", app.config["LMS_DEFAULT_LOCALE"])
    _default(app, "BABEL_DEFAULT_TIMEZONE", _checked_timezone(app.config["LMS_TIMEZONE"]))
    _default(app, "BABEL_TRANSLATION_DIRECTORIES", str(resources.translations_dir()))

    from lms import models  # noqa: F401  (register every table before binding)

    if "sqlalchemy" not in app.extensions:
        db.init_app(app)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    login_manager.init_app(app)
    login_manager.login_view = "lms.auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    if "babel" not in app.extensions:
        from lms.i18n import select_locale

        babel.init_app(app, locale_selector=select_locale)

    app.register_blueprint(build_blueprint(), url_prefix=url_prefix or None)
    from lms.cli import MigrationsCommand, lms_cli

    app.cli.add_command(lms_cli)
    if "db" not in app.cli.commands:  # a host app's own `flask db` stays its own
        app.cli.add_command(MigrationsCommand("db"))


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate (Alembic) to `app` for the migration commands, once.

    Not done at start-up: Alembic adds about 10 MB and 0.2 s to every web worker, which never
    migrates.
    """
    current = app.extensions.get("migrate")
    if current is not None and getattr(current, "lms", False):
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(resources.migrations_dir()), render_as_batch=True,
            version_table="lms_alembic_version", compare_type=True)
    app.extensions["migrate"].lms = True


STATIC_MAX_AGE = 365 * 24 * 3600


class _LMSBlueprint(Blueprint):
    """The LMS blueprint: static files cached for a year, their URLs changing with the file."""

    def get_send_file_max_age(self, filename: str | None) -> int:
        return STATIC_MAX_AGE


def _checked_timezone(name: str) -> str:
    """The configured time zone, refused at start-up when the name is unknown."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"LMS_TIMEZONE: unknown time zone {name!r}; use a name such as "
                           "'Africa/Lubumbashi' or 'Africa/Kinshasa'.") from None
    return name


def _default(app: Flask, key: str, value) -> None:
    """Set `key` unless the app (or its host) already chose a value other than Flask's own."""
    if key not in app.config or app.config[key] == Flask.default_config.get(key):
        app.config[key] = value


def build_blueprint() -> Blueprint:
    """The `lms` blueprint: templates, static files and every feature blueprint nested in it."""
    from lms.assessment import bp as assessment_bp
    from lms.auth import bp as auth_bp
    from lms.certificates import bp as certificates_bp
    from lms.curricula import bp as curricula_bp
    from lms.learning import bp as learning_bp
    from lms.people import bp as people_bp
    from lms.reports import bp as reports_bp
    from lms.sync import bp as sync_bp
    from lms.training.views import bp as training_bp

    bp = _LMSBlueprint("lms", __name__, template_folder=str(resources.templates_dir()),
                       static_folder=str(resources.static_dir()), static_url_path="/static")
    for child in (auth_bp, learning_bp, curricula_bp, people_bp, sync_bp, assessment_bp,
                  training_bp, reports_bp, certificates_bp):
        bp.register_blueprint(child)
    bp.before_app_request(_before_request)
    bp.after_app_request(_after_request)
    bp.app_url_defaults(assets.add_static_version)
    bp.app_context_processor(_template_context)
    from lms.i18n import format_answer, format_percentage

    bp.add_app_template_filter(format_percentage, "lms_percent")
    bp.add_app_template_filter(format_answer, "lms_answer")
    # Report cells hold dates as dates (spreadsheets get real dates); pages show them in words.
    bp.add_app_template_test(lambda value: isinstance(value, date), "lms_date")
    from lms import errors

    errors.register(bp)
    return bp


_ALLOWED_BEFORE_PASSWORD_CHANGE = {"lms.auth.password", "lms.auth.logout", "lms.auth.language",
                                   "lms.static"}


def _before_request():
    if not _is_lms_request():
        return
    from lms.forms import drop_nul_from_request

    drop_nul_from_request(request)
    # Choose the language afresh for each request, even where an app context outlives one
    # request (tests, host apps): the choice may have changed since.
    flask_babel.refresh()
    if not session.permanent:  # setting it marks the session changed: a new cookie each time
        session.permanent = True
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "lms_checks_signed_in_user", False):
        return None  # the view runs check_signed_in_user() itself (lms.learning.fastsave)
    return check_signed_in_user()


def check_signed_in_user():
    """End an idle session; send a user who must change their password to that page first.

    Run before every LMS view; a redirect to return, or None.
    """
    from lms.auth.services import session_expired

    if current_user.is_authenticated and session_expired(session):
        from flask import flash
        from flask_babel import gettext as _

        from lms.auth.services import end_session

        end_session()
        g.lms_session_expired = True
        flash(_("Your session ended after a period of inactivity. Please sign in again; "
                "your saved answers are kept."), "info")
    elif (current_user.is_authenticated and current_user.must_change_password
          and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE):
        from flask import redirect, url_for

        return redirect(url_for("lms.auth.password"))


def _after_request(response):
    if not _is_lms_request():
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "lms.static":
        # Shared lab computers: Back must not show the previous person's pages.
        response.headers["Cache-Control"] = "no-store"
    return assets.compress(response)


def _is_lms_request() -> bool:
    if request.url_rule is None:  # no route matched (404, 405): judge by the URL prefix
        prefix = current_app.config.get("LMS_URL_PREFIX", "")
        return not prefix or request.path == prefix or request.path.startswith(prefix + "/")
    return bool(request.blueprint) and request.blueprint.split(".")[0] == "lms"


def _template_context() -> dict:
    from lms import labels
    from lms.i18n import current_locale

    return {"current_locale": current_locale, "enum_label": labels.enum_label,
            "role_list": labels.role_list, "audit_details": labels.audit_details}


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, busy timeout and durable commits for SQLite; explicit transactions."""
    # Let SQLAlchemy's "begin" event emit BEGIN IMMEDIATE instead of pysqlite's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn) -> None:
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
        mode = "IMMEDIATE" if has_request_context() and _request_writes() else "DEFERRED"
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


def _request_writes() -> bool:
    """Whether this request's transactions take the write lock from their first query."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("lms_reads_only"):
        return False
    view = current_app.view_functions.get(request.endpoint)
    # Such views take the lock only inside write_transaction() (lms/transactions.py).
    return not getattr(view, "lms_writes_in_blocks", False)


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
