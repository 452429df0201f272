"""Shared fixtures: an app on a fresh SQLite file (or LMS_TEST_DATABASE_URL), clients, factories."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import date
from pathlib import Path

import pytest
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


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, requests would reuse the test's app context: `g` (and Flask-Login's cached
    user) and the database session would leak from one request, or one client, to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


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
    app.test_client_class = RequestClient
    with app.app_context():
        # Tables straight from the models (fast); tests/test_migrations.py proves the
        # migrations build the same schema.
        db.create_all()
        # Objects a test makes stay usable between requests; each request has its own app
        # context and session (RequestClient): db.session.rollback() before reading what a
        # request wrote.
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
    cohort = create_cohort(name=name, programme=version.programme, site=site,
                           start=date(2026, 3, 29), end=date(2026, 8, 28), version=version)
    db.session.commit()
    return cohort


def make_enrolment(user=None, cohort=None):
    from lms.training.services import enrol

    user = user or make_user()
    enrolment = enrol(user, cohort or make_cohort())
    db.session.commit()
    return enrolment


def login(client, user_or_login, password=PASSWORD, prefix=""):
    login_id = getattr(user_or_login, "login_id", user_or_login)
    return client.post(f"{prefix}/login", data={"login": login_id, "password": password})


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)
