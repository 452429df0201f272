"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms import create_app
from lms.cli import init_database
from lms.extensions import db


def test_migrations_match_the_models(tmp_path, database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    with app.app_context():
        init_database()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = [d for d in compare_metadata(context, db.metadata)
                    if not (d[0] == "remove_table" and d[1].name == "lms_alembic_version")]
        db.engine.dispose()
    assert diff == [], "models changed without a migration: run flask db migrate"


def test_lms_init_creates_then_upgrades_the_database(tmp_path, database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "init"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["lms", "init"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        from sqlalchemy import inspect

        assert "lms_users" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_migrated_database_keeps_one_valid_certificate_index_partial(tmp_path, database_url):
    """The migration keeps the WHERE of the partial index (the regen script cannot see it):
    without it a reissue after a revocation fails on every server built by `lms init`."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    with app.app_context():
        init_database()
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = "
                                       "'uq_lms_certificates_one_valid_per_enrolment'"))
            else:
                sql = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                       "'uq_lms_certificates_one_valid_per_enrolment'"))
        db.engine.dispose()
    assert sql is not None and "WHERE" in sql.upper() and "valid" in sql
