"""Photos of answer sheets in: read what is clear, keep the rest for a person beside the image."""

from __future__ import annotations

import base64
from pathlib import Path

from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from lms.assessment.paper import scan
from lms.assessment.paper import services as paper
from lms.assessment.paper import sheet as geometry
from lms.assessment.paper.models import PaperSheet
from lms.extensions import db
from lms.training.models import Cohort


def scans_dir() -> Path:
    """Where straightened sheet images are kept until their paper is entered."""
    folder = Path(current_app.instance_path) / "paper-scans"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scan_sheet(actor, cohort: Cohort, item_key: str, image_bytes: bytes) -> tuple[PaperSheet,
                                                                                   bool]:
    """Read one photo of an answer sheet page; (paper, True) when the paper is now entered,
    (paper, False) when a person must look (unclear marks, written answers, pages missing)."""
    image = scan.straighten(image_bytes)
    sheet = paper.find_sheet(image.code, cohort, item_key)
    rows = geometry.sheet_rows(paper.paper_questions(sheet.attempt))
    readings = scan.read_rows(image, rows)
    (scans_dir() / f"{sheet.code}-{image.page + 1}.png").write_bytes(image.png)
    scans = dict((sheet.read or {}).get("scans", {}))
    scans[str(image.page)] = {"letters": {r.label: r.letters for r in readings},
                              "unclear": {r.label: r.unclear for r in readings if r.unclear}}
    sheet.read = {**(sheet.read or {}), "scans": scans}
    flag_modified(sheet, "read")
    db.session.commit()
    pages = {row.page for row in rows} or {0}
    complete = all(str(p) in scans for p in pages)
    clear = not any(s["unclear"] for s in scans.values())
    written = any(not row.ticks for row in rows)
    if complete and clear and not written:
        answers = paper.read_paper(sheet.attempt, typed_from_scans(sheet))
        paper.enter_paper(actor, sheet, answers, way="scan")
        return sheet, True
    return sheet, False


def typed_from_scans(sheet: PaperSheet) -> dict[int, str]:
    """What the scans read, as the entry form's boxes: letters by question number."""
    typed: dict[int, str] = {}
    for page in (sheet.read or {}).get("scans", {}).values():
        for label, letters in sorted(page["letters"].items(), key=lambda kv: _order(kv[0])):
            number = int(label.split(".")[0])
            typed[number] = typed.get(number, "") + (letters or ("-" if "." in label else ""))
    return {n: ("" if set(v) == {"-"} else v.replace("-", "?")) for n, v in typed.items()}


def unclear_of(sheet: PaperSheet) -> dict[str, str]:
    """Lines a person must look at, with the reason: {"3": "two boxes ticked"}."""
    found = {}
    for page in (sheet.read or {}).get("scans", {}).values():
        found.update(page["unclear"])
    return dict(sorted(found.items(), key=lambda kv: _order(kv[0])))


def scan_images(sheet: PaperSheet) -> list[str]:
    """The straightened images of the paper's scanned pages, as data: URLs for the page."""
    images = []
    for path in sorted(scans_dir().glob(f"{sheet.code}-*.png")):
        images.append("data:image/png;base64," + base64.b64encode(path.read_bytes()).decode())
    return images


def _order(label: str) -> tuple[int, int]:
    number, _dot, item = label.partition(".")
    return int(number), int(item or 0)
