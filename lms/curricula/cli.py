"""`flask lms curricula ...`: check, publish and list programmes."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms import resources


def curricula_root() -> Path:
    """The configured curricula folder, else the bundled one."""
    return Path(current_app.config.get("LMS_CURRICULA_DIR") or resources.bundled_curricula_dir())


@click.group("curricula")
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


@curricula_group.command("rebuild")
@click.option("--programme", help="Only this programme's versions (its code).")
@with_appcontext
def curricula_rebuild(programme) -> None:
    """Parse published versions again from their stored sources (same content hash), so a fix
    to the parser or the sanitiser reaches them; restart the server afterwards."""
    from lms.curricula.services import rebuild_structures

    for version, skipped in rebuild_structures(programme):
        state = f"left as it was: {skipped}" if skipped else "rebuilt"
        click.echo(f"{version.programme.code} {version.version} "
                   f"({version.content_hash[:12]}): {state}")
