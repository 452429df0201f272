"""The `flask lms` commands: init, user create, demo, curricula publish and list."""

import uuid

import pytest
from sqlalchemy import func, inspect, select

from lms import create_app
from lms.auth.models import User
from lms.auth.passwords import verify_password
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from tests.conftest import CURRICULA


@pytest.fixture
def fresh(tmp_path, database_url):
    """An app on an empty database (no tables): the commands build the schema themselves."""
    app = create_app({"TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                      "SQLALCHEMY_DATABASE_URI": database_url,
                      "LMS_CURRICULA_DIR": str(CURRICULA)})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["lms", *args], **kwargs)


def test_init_creates_the_schema(fresh):
    result = invoke(fresh, "init")
    assert result.exit_code == 0, result.output
    assert "Base de données prête" in result.output  # French: LMS_DEFAULT_LOCALE
    tables = inspect(db.engine).get_table_names()
    assert "lms_users" in tables and "lms_alembic_version" in tables
    assert invoke(fresh, "init").exit_code == 0  # upgrading again is harmless


def test_user_create_and_duplicate_service_number(fresh):
    invoke(fresh, "init")
    args = ["user", "create", "--service-number", "pnc-7788", "--first-name", "Marie",
            "--last-name", "Kasongo", "--sex", "F", "--rank", "Brigadier", "--role", "trainer",
            "--role", "trainee", "--password", "mot-de-passe-1"]
    created = invoke(fresh, *args)
    assert created.exit_code == 0, created.output
    assert "PNC-7788" in created.output
    db.session.rollback()
    user = User.by_login("PNC-7788")
    assert user.first_name == "Marie" and user.rank == "Brigadier"
    assert user.roles == {"trainer", "trainee"}
    assert verify_password(user.password_hash, "mot-de-passe-1")
    again = invoke(fresh, *args)
    assert again.exit_code == 1
    # The message is translated (French by default once the catalogue exists): check its parts.
    assert again.output.startswith("Error: ") and "PNC-7788" in again.output
    assert "Traceback" not in again.output
    assert count(User) == 1


def test_user_create_prompts_for_the_password(fresh):
    invoke(fresh, "init")
    result = invoke(fresh, "user", "create", "--first-name", "Jean", "--last-name", "Mbuyi",
                    "--sex", "M", input="un-bon-secret\nun-bon-secret\n")
    assert result.exit_code == 0, result.output
    assert "connectez-vous avec ACA-" in result.output
    assert "un-bon-secret" not in result.output.split("MBUYI", 1)[1]


def test_user_create_refuses_a_short_password(fresh):
    invoke(fresh, "init")
    result = invoke(fresh, "user", "create", "--first-name", "Jean", "--last-name", "Mbuyi",
                    "--sex", "M", "--password", "court")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "8" in result.output
    assert count(User) == 0


def test_curricula_publish_then_list(fresh):
    invoke(fresh, "init")
    published = invoke(fresh, "curricula", "publish")
    assert published.exit_code == 0, published.output
    assert published.output.count(": publié") == 4
    again = invoke(fresh, "curricula", "publish", str(CURRICULA / "police-des-mines"))
    assert again.exit_code == 0 and "déjà publié, inchangé" in again.output
    listed = invoke(fresh, "curricula", "list")
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert sorted(r[0] for r in rows) == ["formation-des-formateurs", "police-de-proximite",
                                          "police-des-frontieres", "police-des-mines"]
    db.session.rollback()
    for code, version, digest, _when in rows:
        stored = db.session.scalar(select(CurriculumVersion).where(
            CurriculumVersion.version == version,
            CurriculumVersion.content_hash.startswith(digest)))
        assert stored is not None and stored.programme.code == code


def test_publishing_an_invalid_programme_fails_with_the_problems(fresh, tmp_path):
    invoke(fresh, "init")
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "manifest.yaml").write_text("id: bad\nversion: 1\n", encoding="utf-8")
    result = invoke(fresh, "curricula", "publish", str(folder))
    assert result.exit_code == 1
    output = result.output.replace("\xa0", " ")  # French no-break spaces
    assert "Le programme bad n'est pas publié." in output
    assert "bad/manifest.yaml:1: erreur : le manifeste n'a pas de ligne « title: »" in output
    assert count(CurriculumVersion) == 0


def test_the_command_line_speaks_the_servers_language(tmp_path, database_url):
    for locale, ready in (("fr", "Base de données prête"), ("en", "Database ready")):
        app = create_app({"TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                          "SQLALCHEMY_DATABASE_URI": database_url, "LMS_DEFAULT_LOCALE": locale,
                          "LMS_CURRICULA_DIR": str(CURRICULA)})
        with app.app_context():
            result = invoke(app, "init")
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code == 0 and ready in result.output, result.output
