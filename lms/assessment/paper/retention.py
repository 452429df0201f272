"""How long photos of answer sheets are kept: while a person may still need them, then for a
retention period after the paper's results are final; then removed (`flask lms paper
purge-scans`, run from cron).

A paper's scans are needed while it is not entered (unclear marks, written answers to type),
while its written answers await a grader, and while their grades are not released (anonymous
marking, a second look before release). Its results are final at the latest of its entry and
its grades' marking and release; the scans stay `LMS_PAPER_SCAN_RETENTION_DAYS` after that, for
a trainee who contests a mark. The scans of a paper whose attempt was deleted are removed at
once: nothing refers to them any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from lms.assessment.paper.models import PaperSheet
from lms.assessment.paper.scanning import scans_dir
from lms.assessment.services import attempt_grades
from lms.base import utcnow
from lms.extensions import db
from lms.learning.services import as_utc

SCAN_NAME = re.compile(r"^([2-9A-Z]{8})-\d+\.png$")


@dataclass
class ScanSweep:
    """What a sweep of the scans folder found: files removed (or to remove, in a preview) and
    papers whose scans stay, by reason."""

    removed: list[Path] = field(default_factory=list)
    orphaned: int = 0  # papers whose attempt no longer exists (their files are in `removed`)
    expired: int = 0  # papers past their retention period
    needed: int = 0  # papers a person must still enter, grade or release
    kept: int = 0  # papers within their retention period


def final_at(sheet: PaperSheet) -> datetime | None:
    """When a paper's results became final, or None while a person still needs its scans."""
    attempt = sheet.attempt
    if sheet.entered_at is None or attempt.is_open or attempt.pending_grading:
        return None
    grades = attempt_grades(attempt).values()
    if any(not g.released for g in grades):
        return None
    times = [sheet.entered_at, *(g.graded_at for g in grades),
             *(g.released_at for g in grades if g.released_at)]
    return max(as_utc(t) for t in times)


def sweep_scans(now: datetime | None = None, days: int | None = None,
                preview: bool = False) -> ScanSweep:
    """Remove the scans no one needs any more: of deleted attempts, and of papers final for
    more than `days` (default LMS_PAPER_SCAN_RETENTION_DAYS). `preview`: remove nothing."""
    now = now or utcnow()
    if days is None:
        days = current_app.config["LMS_PAPER_SCAN_RETENTION_DAYS"]
    files: dict[str, list[Path]] = {}
    for path in sorted(scans_dir().iterdir()):
        if path.is_file() and (match := SCAN_NAME.match(path.name)):
            files.setdefault(match.group(1), []).append(path)
    sheets = {s.code: s for s in db.session.scalars(
        select(PaperSheet).where(PaperSheet.code.in_(list(files))))} if files else {}
    sweep = ScanSweep()
    for code, paths in files.items():
        sheet = sheets.get(code)
        final = final_at(sheet) if sheet is not None else None
        if sheet is None:
            sweep.orphaned += 1
        elif final is None:
            sweep.needed += 1
            continue
        elif now - final < timedelta(days=days):
            sweep.kept += 1
            continue
        else:
            sweep.expired += 1
        sweep.removed.extend(paths)
    if not preview:
        for path in sweep.removed:
            path.unlink(missing_ok=True)
    return sweep
