"""`flask lms quiz import-gift` / `export-gift` (also `flask lms gift import|export`)."""

from __future__ import annotations

from pathlib import Path

import click

from lms.assessment import gift


def import_gift(path: str, title: str, lang: str) -> None:
    """Print FILE (GIFT) as a Markdown quiz; report what could not be converted on stderr."""
    result = gift.parse_gift(Path(path).read_bytes(), title, lang)
    for problem in result.problems:
        click.echo(f"{path}:{problem}", err=True)
    if not result.converted:
        raise click.ClickException("no question could be converted")
    click.echo(result.markdown, nl=False)
    _, problems = gift.read_markdown_quiz(result.markdown)
    for problem in problems:
        click.echo(f"converted quiz: {problem}", err=True)


def export_gift(path: str) -> None:
    """Print a Markdown quiz file as GIFT for Moodle."""
    quiz, problems = gift.read_markdown_quiz(Path(path).read_text(encoding="utf-8-sig"), path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if quiz is None:
        raise click.ClickException(f"{path} has errors: fix them first")
    click.echo(gift.export_gift(quiz, Path(path).name), nl=False)


_file = click.argument("path", type=click.Path(exists=True, dir_okay=False))
_title = click.option("--title", default="", help="Quiz title (default: the GIFT category).")
_lang = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr",
                     help="Language of the quiz (true/false labels).")


@click.group("quiz")
def quiz_group() -> None:
    """Convert quizzes between Moodle GIFT and the Markdown format."""


@quiz_group.command("import-gift")
@_file
@_title
@_lang
def quiz_import_gift(path, title, lang) -> None:
    """Convert a GIFT file to a Markdown quiz on standard output."""
    import_gift(path, title, lang)


@quiz_group.command("export-gift")
@_file
def quiz_export_gift(path) -> None:
    """Convert a Markdown quiz file (e.g. modules/m/quiz.fr.md) to GIFT on standard output."""
    export_gift(path)


@click.group("gift")
def gift_group() -> None:
    """Moodle GIFT conversion (same as `flask lms quiz import-gift/export-gift`)."""


# The same two commands under their Moodle-minded name: `flask lms gift import|export`.
gift_group.add_command(quiz_import_gift, "import")
gift_group.add_command(quiz_export_gift, "export")
