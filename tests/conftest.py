"""Shared fixtures: an app on a fresh SQLite file (or LMS_TEST_DATABASE_URL), clients, factories."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import flask_babel
import pytest
from flask import session
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CURRICULA = ROOT / "curricula"
PASSWORD = "secret-pass-1"


def _postgres_database(url: str) -> str:
    """Create a throwaway database on the PostgreSQL server at `url`; return its URL."""
    name = "lms_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, database session and `g`,
    as in production, even though the test itself runs inside an app context."""

    def open(self, *args, **kwargs):
        # End the test's own read transaction first: its next read then sees what the request
        # wrote, and its next write never has to upgrade a stale SQLite snapshot. (Test code
        # commits what it makes before calling the client.)
        if _cv_app.get(None) is not None:
            db.session.rollback()
        token = _cv_app.set(None)
        # A streamed body (a report export) is read here, inside the request's own context, as
        # a server reads it, not later inside the test's.
        kwargs.setdefault("buffered", True)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Hash test passwords at a low Argon2 cost: the suite signs in thousands of times.

    Production cost (7 MiB, t=5) is checked by tests marked `real_password_cost`, and used by
    every server the reliability and browser tests start in a subprocess."""
    if request.node.get_closest_marker("real_password_cost"):
        return
    from argon2 import PasswordHasher

    from lms.auth import passwords

    monkeypatch.setattr(passwords, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def database_url(tmp_path):
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if base:
        url = _postgres_database(base.replace("postgresql://", "postgresql+psycopg://", 1))
        yield url
        admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'lms.sqlite'}"


@pytest.fixture
def app(tmp_path, database_url):
    """The standalone app on a fresh database."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-key-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_CURRICULA_DIR": str(CURRICULA),
        "WTF_CSRF_ENABLED": False,
    })
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Tables straight from the models (fast); tests/test_migrations.py proves the
        # migrations build the same schema.
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


# Factories ---------------------------------------------------------------------------------

def make_user(roles=("trainee",), **fields):
    from lms.auth.services import create_user

    defaults = {"first_name": "Test", "last_name": "User", "sex": "F",
                "service_number": "PNC-" + uuid.uuid4().hex[:6].upper(), "password": PASSWORD}
    defaults.update(fields)
    return create_user(roles=roles, **defaults)


def make_programme_folder(tmp_path: Path, name: str = "police-de-proximite") -> Path:
    """A copy of a bundled programme that a test may edit."""
    target = tmp_path / "curricula" / name
    shutil.copytree(CURRICULA / name, target)
    return target


def publish(folder: Path | None = None):
    from lms.curricula.services import publish_programme

    version, _created = publish_programme(folder or CURRICULA / "police-de-proximite")
    return version


def make_cohort(version=None, name="Cohort A"):
    from lms.training.services import create_cohort, get_or_create_site

    version = version or publish()
    site = get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi")
    qualifies_for = None
    if version.programme.code == "formation-des-formateurs":  # a ToT session qualifies for one
        qualifies_for = [publish(CURRICULA / "police-de-proximite").programme]
    cohort = create_cohort(name=name, programme=version.programme, site=site,
                           start=date(2026, 3, 29), end=date(2026, 8, 28), version=version,
                           qualifies_for=qualifies_for)
    db.session.commit()
    return cohort


def make_enrolment(user=None, cohort=None):
    from lms.training.services import enrol

    user = user or make_user()
    enrolment = enrol(user, cohort or make_cohort())
    db.session.commit()
    return enrolment


def make_certificate(enrolment, status="valid", supersedes=None, issued_at=None):
    """A certificate row for an enrolment, written directly (its token is not a signature)."""
    from lms.certificates.models import Certificate
    from lms.certificates.services import new_serial

    cohort, version = enrolment.cohort, enrolment.curriculum_version
    certificate = Certificate(
        serial=new_serial(), user_id=enrolment.user_id, enrolment_id=enrolment.id,
        cohort_id=cohort.id, programme_id=cohort.programme_id,
        curriculum_version_id=version.id, site_id=cohort.site_id,
        name=enrolment.user.display_name, programme_code=version.programme.code,
        programme_title={}, version_label=version.version, content_hash=version.content_hash,
        site_name=cohort.site.name, start_date=cohort.start_date, end_date=cohort.end_date,
        key_id="test", token="-", status=status, supersedes=supersedes)
    if issued_at is not None:
        certificate.issued_at = issued_at
    db.session.add(certificate)
    db.session.flush()
    return certificate


def login(client, user_or_login, password=PASSWORD, prefix=""):
    login_id = getattr(user_or_login, "login_id", user_or_login)
    return client.post(f"{prefix}/login", data={"login": login_id, "password": password})


@contextmanager
def in_language(app, lang: str | None):
    """A request context whose session has chosen `lang` (None: no choice)."""
    with app.test_request_context():
        if lang:
            session["locale"] = lang
        flask_babel.refresh()
        yield


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


# The demo academy, built once per test session by `flask lms demo` (about 5 s) and only read.

@pytest.fixture(scope="session")
def demo_world(tmp_path_factory):
    """An app whose database holds the demo academy, loaded through the CLI; tests only read."""
    from argon2 import PasswordHasher

    from lms.auth import passwords

    base = os.environ.get("LMS_TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp("demo")
    if base:
        url = _postgres_database(base.replace("postgresql://", "postgresql+psycopg://", 1))
    else:
        url = f"sqlite:///{folder / 'lms.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-key-" + uuid.uuid4().hex,
                      "SQLALCHEMY_DATABASE_URI": url, "LMS_CURRICULA_DIR": str(CURRICULA),
                      "WTF_CSRF_ENABLED": False})
    app.instance_path = str(folder / "instance")
    app.test_client_class = IsolatedClient
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["lms", "demo"])
            assert result.exit_code == 0, result.output
            db.session.remove()
    yield app, result.output
    with app.app_context():
        db.engine.dispose()
    if base:
        admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def demo_app(demo_world):
    """The demo academy's app, inside an app context."""
    app, _output = demo_world
    with app.app_context():
        yield app
        db.session.remove()


def choice(attempt_id: int, question_id: str, *indexes: int) -> list[str]:
    """The form values a question page sends for choices `indexes` of one attempt (for a
    question without choices, the indexes as typed text)."""
    from lms.learning.choices import choice_value
    from lms.learning.models import Attempt
    from lms.learning.services import question_of

    attempt = db.session.get(Attempt, attempt_id)
    if not question_of(attempt, question_id).get("choices"):
        return [str(index) for index in indexes]
    return [choice_value(attempt.uuid, question_id, index) for index in indexes]


def form_values(attempt, question_id: str, values: list[str]) -> list[str]:
    """Answers written with choice indexes ("0", "2") as the question page would send them."""
    return [choice(attempt.id, question_id, int(v))[0] if v.isdigit() else v for v in values]
