"""The `flask lms` command group: the database, demo data, backups; each feature's commands
live in its package (`lms/<feature>/cli.py`) and are registered here."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms import resources


@click.group("lms")
def lms_cli() -> None:
    """Police academy LMS commands."""


@lms_cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the latest schema."""
    init_database()
    click.echo(_("Database ready: %(uri)s", uri=current_app.config["SQLALCHEMY_DATABASE_URI"]))


def init_database() -> None:
    """Run every Alembic migration up to head."""
    from flask_migrate import upgrade

    from lms.setup import init_migrations

    init_migrations(current_app)
    upgrade(directory=str(resources.migrations_dir()))


class MigrationsCommand(click.Command):
    """`flask db ...`: Flask-Migrate's command group, imported only when it runs."""

    def __init__(self, name: str) -> None:
        super().__init__(name, help="Perform database migrations (Flask-Migrate, Alembic).")

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as db_group

        from lms.setup import init_migrations

        if has_app_context():
            app = current_app._get_current_object()
        else:
            app = (parent or click.get_current_context()).ensure_object(ScriptInfo).load_app()
        init_migrations(app)
        return db_group.make_context(info_name, args, parent=parent, **extra)


@lms_cli.command("demo")
@click.option("--trainees", default=40, show_default=True, type=click.IntRange(6, 2000),
              help="Trainees of the Mbuji-Mayi intake (400 for the full intake).")
@with_appcontext
def demo_command(trainees: int) -> None:
    """Load a demo academy dated from today (never into a database holding real data)."""
    from lms.curricula.cli import curricula_root
    from lms.demo import DemoRefused, load_demo

    init_database()
    try:
        logins = load_demo(curricula_root(), trainees=trainees)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Demo academy ready. Sign in with (service number / password / role):"))
    for login, password, roles in logins:
        click.echo(f"  {login:<10} {password}  {roles}")


@lms_cli.command("backup")
@click.argument("dest", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path | None) -> None:
    """Copy the database to DEST (default: instance/backups/lms-<time>.sqlite) while it runs."""
    from lms.backup import (
        BackupError,
        backup_sqlite,
        default_backup_path,
        postgres_commands,
        sqlite_path,
    )

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        source = sqlite_path(uri)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if source is None:
        dump, _restore = postgres_commands(uri, str(dest or "lms.dump"))
        click.echo(_("This database is PostgreSQL: back it up with pg_dump (the server keeps "
                     "running):") + "\n  " + dump)
        return
    dest = dest or default_backup_path(Path(current_app.instance_path))
    try:
        counts = backup_sqlite(source, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Backup written to %(dest)s: %(users)s, %(attempts)s, %(answers)s.", dest=dest,
                 users=ngettext("%(num)d user", "%(num)d users", counts.get("lms_users", 0)),
                 attempts=ngettext("%(num)d attempt", "%(num)d attempts",
                                   counts.get("lms_attempts", 0)),
                 answers=ngettext("%(num)d answer", "%(num)d answers",
                                  counts.get("lms_responses", 0))))


@lms_cli.command("restore")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(src: Path, yes: bool) -> None:
    """Replace the database with the backup SRC (the replaced one is kept beside it)."""
    from lms.backup import (
        BackupError,
        check_backup_file,
        database_in_use,
        postgres_commands,
        restore_sqlite,
        sqlite_path,
    )
    from lms.extensions import db

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        target = sqlite_path(uri)
        if target is not None and not yes:  # a wrong file is refused before the question
            check_backup_file(src)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if target is None:
        _dump, restore = postgres_commands(uri, str(src))
        click.echo(_("This database is PostgreSQL: stop the app, then restore with "
                     "pg_restore:") + "\n  " + restore)
        return
    db.engine.dispose()
    if database_in_use(target):
        click.echo(_("Warning: the LMS server still has this database open. Stop the server "
                     "first: answers saved during the restore would be lost, and the server "
                     "would keep showing the old data."), err=True)
    if not yes:
        click.confirm(_("Replace %(target)s with %(src)s? Stop the server first.",
                        target=target, src=src), abort=True)
    try:
        kept = restore_sqlite(src, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Restored %(src)s into %(target)s.", src=src, target=target)
               + (" " + _("The replaced database is kept as %(kept)s.", kept=kept) if kept
                  else ""))


def _register_feature_commands() -> None:
    from lms.assessment.cli import gift_group, quiz_group
    from lms.assessment.paper.cli import paper_group
    from lms.auth.cli import user_group
    from lms.certificates.cli import certificate_group, keys_group
    from lms.curricula.cli import curricula_group
    from lms.sync.cli import sync_group

    lms_cli.add_command(user_group)
    lms_cli.add_command(curricula_group)
    lms_cli.add_command(sync_group)
    lms_cli.add_command(quiz_group)
    lms_cli.add_command(gift_group)
    lms_cli.add_command(paper_group)
    lms_cli.add_command(keys_group)
    lms_cli.add_command(certificate_group)


_register_feature_commands()
