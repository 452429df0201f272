"""The `flask lms` command group: database, demo data, users and curricula."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms import resources


def curricula_root() -> Path:
    """The configured curricula folder, else the bundled one."""
    return Path(current_app.config.get("LMS_CURRICULA_DIR") or resources.bundled_curricula_dir())


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
    from lms.demo import DemoRefused, load_demo

    init_database()
    try:
        logins = load_demo(curricula_root(), trainees=trainees)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Demo academy ready. Sign in with (service number / password / role):"))
    for login, password, roles in logins:
        click.echo(f"  {login:<10} {password}  {roles}")


@lms_cli.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.option("--service-number", help="Police service number (matricule), if known.")
@click.option("--academy-number", help="Academy number; generated when omitted.")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--sex", type=click.Choice(["F", "M"], case_sensitive=False), required=True)
@click.option("--rank", default="")
@click.option("--unit", default="")
@click.option("--role", "roles", multiple=True, default=["trainee"],
              type=click.Choice(["trainee", "trainer", "staff", "admin"]),
              help="Repeat for several roles.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_create(service_number, academy_number, first_name, last_name, sex, rank, unit, roles,
                password) -> None:
    """Create a user who signs in with the service (or academy) number."""
    from lms.auth.services import AccountError, create_user

    try:
        user = create_user(service_number=service_number, academy_number=academy_number,
                           first_name=first_name, last_name=last_name, sex=sex, rank=rank,
                           unit=unit, roles=roles, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created %(name)s: sign in with %(login)s", name=user.display_name,
                 login=user.login_id))


@lms_cli.group("curricula")
def curricula_group() -> None:
    """Check, publish and list curricula."""


def _folders(path: str | None) -> list[Path]:
    root = Path(path) if path else curricula_root()
    if (root / "manifest.yaml").exists():
        return [root]
    folders = sorted(p.parent for p in root.glob("*/manifest.yaml"))
    if not folders:
        raise click.ClickException(f"No programme (folder with manifest.yaml) in {root}")
    return folders


@curricula_group.command("check")
@click.argument("path", required=False)
def curricula_check(path) -> None:
    """Check a programme folder (or every programme under PATH); list every problem.

    Problems are written in the app's default language (LMS_DEFAULT_LOCALE, French)."""
    from lms.curricula.parser import check_programme

    failed = False
    for folder in _folders(path):
        _structure, problems = check_programme(folder)
        for problem in sorted(problems.items):
            click.echo(str(problem), err=problem.severity == "error")
        errors, warnings = len(problems.errors), len(problems.warnings)
        click.echo(_("%(programme)s: %(errors)s, %(warnings)s", programme=folder.name,
                     errors=ngettext("%(num)d error", "%(num)d errors", errors),
                     warnings=ngettext("%(num)d warning", "%(num)d warnings", warnings)))
        failed = failed or errors > 0
    if failed:
        raise SystemExit(1)


@curricula_group.command("publish")
@click.argument("path", required=False)
@with_appcontext
def curricula_publish(path) -> None:
    """Publish an immutable version of a programme (or of every programme under PATH)."""
    from lms.curricula.problems import CurriculumInvalid
    from lms.curricula.services import VersionConflict, publish_programme

    for folder in _folders(path):
        try:
            version, created = publish_programme(folder)
        except CurriculumInvalid as exc:
            raise click.ClickException(_("%(programme)s is not published.",
                                         programme=folder.name) + f"\n{exc}") from exc
        except VersionConflict as exc:
            raise click.ClickException(str(exc)) from exc
        state = _("published") if created else _("already published, unchanged")
        click.echo(f"{version.programme.code} {version.version} ({version.content_hash[:12]}): "
                   f"{state}")


@curricula_group.command("list")
@with_appcontext
def curricula_list() -> None:
    """List published programmes and versions."""
    from lms.curricula.services import list_programmes

    for programme in list_programmes():
        for version in programme.versions:
            click.echo(f"{programme.code}\t{version.version}\t{version.content_hash[:12]}\t"
                       f"{version.published_at:%Y-%m-%d %H:%M}")


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
    source = sqlite_path(uri)
    if source is None:
        dump, _restore = postgres_commands(uri, str(dest or "lms.dump"))
        click.echo("This database is PostgreSQL: back it up with pg_dump (the server keeps "
                   "running):\n  " + dump)
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
        database_in_use,
        postgres_commands,
        restore_sqlite,
        sqlite_path,
    )
    from lms.extensions import db

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = sqlite_path(uri)
    if target is None:
        _dump, restore = postgres_commands(uri, str(src))
        click.echo("This database is PostgreSQL: stop the app, then restore with pg_restore:"
                   "\n  " + restore)
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
    from lms.certificates.cli import certificate_group, keys_group
    from lms.sync.cli import sync_group

    lms_cli.add_command(sync_group)
    lms_cli.add_command(quiz_group)
    lms_cli.add_command(gift_group)
    lms_cli.add_command(keys_group)
    lms_cli.add_command(certificate_group)


_register_feature_commands()
