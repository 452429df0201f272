"""Wire the LMS into a Flask app: configuration, extensions, blueprints, hooks, CLI."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

import flask_babel
from flask import Blueprint, Flask, current_app, request, session

from lms import assets, resources
from lms.config import DEFAULTS, default_database_uri, instance_secret_key
from lms.extensions import babel, csrf, db, login_manager
from lms.sqlite import configure_sqlite, listen_to_engine

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
        configure_sqlite(app)
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
    listen_to_engine(engine)
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
    from lms.authoring import bp as authoring_bp
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
                  training_bp, reports_bp, certificates_bp, authoring_bp):
        bp.register_blueprint(child)
    bp.add_url_rule("/favicon.ico", "favicon", _favicon)
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


def _favicon():
    """The site's icon where browsers look for it by default (pages name it in their head)."""
    from flask import Response

    icon = Response((resources.static_dir() / "favicon.ico").read_bytes(),
                    mimetype="image/vnd.microsoft.icon")
    icon.cache_control.public, icon.cache_control.max_age = True, 7 * 24 * 3600
    return icon


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
    from lms.auth.session import check_signed_in_user, view_checks_signed_in_user

    if view_checks_signed_in_user(current_app.view_functions.get(request.endpoint)):
        return None  # the view runs check_signed_in_user() itself (lms.learning.answers)
    return check_signed_in_user()


def _after_request(response):
    if not _is_lms_request():
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in ("lms.static", "lms.favicon"):
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
            "role_list": labels.role_list, "audit_details": labels.audit_details,
            "colon": labels.colon}
