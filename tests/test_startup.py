"""A web worker imports only what serving pages needs: heavy libraries wait for their feature."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Imported by the first download, export, migration or signature (and publication, curriculum
# check or GIFT conversion for the last three), not by every worker.
HEAVY = ["alembic", "flask_migrate", "fpdf", "fontTools", "openpyxl", "segno", "cryptography",
         "markdown_it", "nh3", "yaml", "cv2", "numpy", "xml.sax",
         # The app's own pages a classroom seldom serves: bundles, publication, certificates,
         # national reports, authoring, the Moodle converter, photos of paper sheets.
         "lms.sync.services", "lms.curricula.services", "lms.curricula.parser",
         "lms.certificates.services", "lms.certificates.badges", "lms.reports.catalogue",
         "lms.authoring.services", "lms.assessment.gift", "lms.assessment.paper.scanning"]


def test_the_wsgi_app_starts_without_the_heavy_libraries(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LMS_SECRET_KEY": "x",
           "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite'}"}
    code = ("import json, sys, wsgi; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == []


def test_the_migration_commands_still_work(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LMS_SECRET_KEY": "x",
           "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
           "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite'}"}
    flask = [sys.executable, "-m", "flask", "--app", "lms"]
    upgrade = subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    current = subprocess.run([*flask, "db", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout
