"""`flask lms quiz import` (Moodle XML or GIFT), `import-gift` / `export-gift` (also `flask lms
gift import|export`), and `flask lms quiz regrade`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.lazy import lazy_module

gift = lazy_module("lms.assessment.gift")  # at first use: not in every web worker


def import_gift(path: str, title: str, lang: str) -> None:
    """Print FILE (GIFT or Moodle XML) as a Markdown quiz; report what could not be converted
    on stderr (as FILE:LINE: message, in the app's default language)."""
    result = gift.parse_moodle_file(Path(path).read_bytes(), title, lang)
    for problem in result.problems:
        click.echo(f"{path}:{problem.line}: {problem.message}", err=True)
    if not result.converted:
        raise click.ClickException(_("No question could be converted."))
    click.echo(result.markdown, nl=False)
    _quiz, problems = gift.read_markdown_quiz(result.markdown)
    for problem in problems:
        click.echo(_("converted quiz: %(problem)s", problem=str(problem)), err=True)


def export_gift(path: str) -> None:
    """Print a Markdown quiz file as GIFT for Moodle."""
    quiz, problems = gift.read_markdown_quiz(Path(path).read_text(encoding="utf-8-sig"), path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if quiz is None:
        raise click.ClickException(_("%(path)s has errors: correct them first.", path=path))
    click.echo(gift.export_gift(quiz, Path(path).name), nl=False)


_file = click.argument("path", type=click.Path(exists=True, dir_okay=False))
_title = click.option("--title", default="", help="Quiz title (default: the Moodle category).")
_lang = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr",
                     help="Language of the quiz (true/false labels).")


@click.group("quiz")
def quiz_group() -> None:
    """Convert quizzes between Moodle (XML, GIFT) and the Markdown format; regrade past
    attempts."""


@quiz_group.command("import-gift")
@_file
@_title
@_lang
def quiz_import_gift(path, title, lang) -> None:
    """Convert a GIFT file to a Markdown quiz on standard output."""
    import_gift(path, title, lang)


@quiz_group.command("import")
@_file
@_title
@_lang
def quiz_import(path, title, lang) -> None:
    """Convert a Moodle question export (Moodle XML or GIFT) to a Markdown quiz on standard
    output."""
    import_gift(path, title, lang)


@quiz_group.command("export-gift")
@_file
def quiz_export_gift(path) -> None:
    """Convert a Markdown quiz file (e.g. modules/m/quiz.fr.md) to GIFT on standard output."""
    export_gift(path)


def _passed(value: bool | None) -> str:
    return {True: _("passed"), False: _("not passed")}.get(value, _("awaiting grading"))


def regrade_quiz(item_key: str, version: str, programme_code: str | None, apply: bool,
                 login: str | None) -> None:
    """Preview (or apply) the regrade of a quiz's past attempts to a version's answer key.

    Every line is in the server's language (LMS_DEFAULT_LOCALE), like the changes described.
    """
    from sqlalchemy import select

    from lms.assessment import answer_keys, regrade
    from lms.auth.models import User
    from lms.curricula.models import CurriculumVersion, Programme
    from lms.extensions import db

    query = select(CurriculumVersion).join(Programme).where(CurriculumVersion.version == version)
    if programme_code:
        query = query.where(Programme.code == programme_code)
    found = [v for v in db.session.scalars(query) if item_key in v.structure["assessments"]]
    if not found:
        raise click.ClickException(_("No published version %(version)s holds the quiz "
                                     "%(quiz)s.", version=version, quiz=item_key))
    if len(found) > 1:
        raise click.ClickException(_("Several programmes have this quiz and version: add "
                                     "--programme %(codes)s.", codes=" | ".join(
                                         v.programme.code for v in found)))
    target = found[0]
    actor = None
    if login:
        actor = User.by_login(login)
        if actor is None or not actor.has_role("staff"):
            raise click.ClickException(_("%(login)s is not a staff member's login.",
                                         login=login))
    try:
        plan = regrade.plan_regrade(target.programme, item_key, target)
    except regrade.RegradeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("%(programme)s %(quiz)s: regrade to version %(version)s",
                 programme=target.programme.code, quiz=item_key, version=target.version))
    for question in plan.questions:
        click.echo("  " + _("%(question)s (from %(version)s, %(n)d attempt(s)):",
                            question=question.question_id, version=question.from_version,
                            n=question.attempts))
        for change in question.changes:
            click.echo(f"    {answer_keys.describe_change(change)}")
    for problem in plan.problems:
        click.echo("  " + _("%(question)s (from %(version)s) not regraded: %(why)s",
                            question=problem.question_id, version=problem.from_version,
                            why=answer_keys.describe_problem(problem.reason, target.version)))
    for attempt, qid in plan.unmatched:
        click.echo("  " + _("%(question)s, %(name)s attempt %(n)d not regraded: %(why)s",
                            question=qid, name=attempt.enrolment.user.display_name,
                            n=attempt.number, why=answer_keys.describe_problem(
                                "choice_unmatched", target.version)))
    for trainee in plan.trainees:
        for change in trainee.attempts:
            before = f"{change.score_before or 0:g}/{change.max_before:g}"
            after = f"{change.score_after or 0:g}/{change.max_after:g}"
            click.echo(_("%(name)s (%(cohort)s) attempt %(n)d: %(before)s -> %(after)s, "
                         "%(was)s -> %(now)s", name=trainee.enrolment.user.display_name,
                         cohort=trainee.enrolment.cohort.name, n=change.attempt.number,
                         before=before, after=after, was=_passed(change.passed_before),
                         now=_passed(change.passed_after)))
    click.echo(_("%(attempts)d attempt(s) to regrade, %(scores)d score(s) change, %(flips)d "
                 "pass/fail result(s) change; %(current)d already on this key.",
                 attempts=len(plan.attempts), scores=len(plan.changed), flips=len(plan.flips),
                 current=plan.up_to_date))
    if not apply:
        click.echo(_("Preview only: nothing was changed. Add --apply to regrade."))
        return
    try:
        done = regrade.apply_regrade(actor, target.programme, item_key, target)
    except regrade.RegradeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Applied: regrade %(id)s.", id=done.uuid) if done else _("Nothing to regrade."))


@quiz_group.command("regrade")
@click.argument("item_key")
@click.option("--version", "version", required=True,
              help="The published version whose answer key is the corrected one.")
@click.option("--programme", "programme_code", help="Programme code, if several have the quiz.")
@click.option("--apply", "apply", is_flag=True, help="Regrade (default: preview only).")
@click.option("--by", "login", help="Login of the staff member responsible (recorded).")
@with_appcontext
def quiz_regrade(item_key, version, programme_code, apply, login) -> None:
    """Preview or apply a regrade of ITEM_KEY (e.g. principes/quiz-principes) to --version."""
    regrade_quiz(item_key, version, programme_code, apply, login)


@click.group("gift")
def gift_group() -> None:
    """Moodle GIFT conversion (same as `flask lms quiz import-gift/export-gift`)."""


# The same two commands under their Moodle-minded name: `flask lms gift import|export`.
gift_group.add_command(quiz_import_gift, "import")
gift_group.add_command(quiz_export_gift, "export")
