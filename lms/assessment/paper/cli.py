"""`flask lms paper purge-scans`: remove the photos of answer sheets no one needs any more."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext


@click.group("paper")
def paper_group() -> None:
    """Paper exams: the scanned answer sheets."""


@paper_group.command("purge-scans")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Days to keep the scans after a paper's results are final (default: "
                   "LMS_PAPER_SCAN_RETENTION_DAYS, 180).")
@click.option("--dry-run", "preview", is_flag=True, help="List what would be removed, remove "
                                                         "nothing.")
@with_appcontext
def purge_scans(days, preview) -> None:
    """Remove scans of deleted attempts and of papers final for longer than the retention
    period; keep those a person must still enter, grade or release. Safe to run from cron."""
    from lms.assessment.paper.retention import sweep_scans

    sweep = sweep_scans(days=days, preview=preview)
    for path in sweep.removed:
        click.echo(("  " + _("would remove %(file)s", file=path.name)) if preview else
                   ("  " + _("removed %(file)s", file=path.name)))
    papers = sweep.orphaned + sweep.expired
    click.echo((ngettext("%(num)d paper's scans to remove", "%(num)d papers' scans to remove",
                         papers) if preview else
                ngettext("%(num)d paper's scans removed", "%(num)d papers' scans removed",
                         papers))
               + " " + _("(%(files)d file(s): %(expired)d paper(s) past the retention period, "
                         "%(orphaned)d paper(s) whose attempt was deleted).",
                         files=len(sweep.removed), expired=sweep.expired, orphaned=sweep.orphaned))
    click.echo(_("Kept: %(needed)d paper(s) still to enter, grade or release; %(kept)d within "
                 "the retention period.", needed=sweep.needed, kept=sweep.kept))
