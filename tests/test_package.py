"""The wheel carries templates, static files, curricula and migrations, and works on its own."""

import os
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ["lms/templates/lms/base.html", "lms/static/lms/lms.css",
            "lms/curricula_bundled/police-de-proximite/manifest.yaml", "lms/migrations/env.py",
            "lms/migrations/alembic.ini", "lms/migrations/script.py.mako",
            "lms/fonts/DejaVuSans.ttf", "lms/fonts/DejaVuSans-Bold.ttf"]

SNIPPET = textwrap.dedent("""
    import re, sys
    import lms
    from lms import create_app

    assert "site-packages" in lms.__file__, lms.__file__
    app = create_app({"WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"login": "PNC-1001", "password": "demo-pass-2026"})
    assert response.status_code == 302, response.status_code
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Police de proximité" in dashboard.text
    enrolment = re.search(r'href="/learn/(\\d+)"', dashboard.text).group(1)
    lesson = client.get(f"/learn/{enrolment}/principes/six-principes")
    assert lesson.status_code == 200, lesson.status_code
    assert "Les six principes de la police de proximité" in lesson.text
    css = re.search(r'href="(/static/lms\\.css[^"]*)"', lesson.text).group(1)
    with client.get(css) as sheet:
        assert sheet.status_code == 200 and len(sheet.data) > 100
    print("LESSON OK")
""")


def _run(args, cwd, env, timeout=600):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_and_runs_without_the_source_tree(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LMS_", "PYTHON", "VIRTUAL_ENV", "FLASK_"))}
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
          str(ROOT)], cwd=tmp_path, env=env)
    wheel = next(wheels.glob("police_academy_lms-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in REQUIRED:
        assert required in names, required
    assert not any(n.startswith(("tests/", "curricula/", "templates/")) for n in names)
    assert not any(n.startswith("lms/static/") and n.endswith(".ttf") for n in names)

    target = tmp_path / "venv"
    try:
        venv.EnvBuilder(with_pip=True).create(target)
    except Exception as exc:  # noqa: BLE001 (any failure here means no venv on this machine)
        pytest.skip(f"cannot create a virtual environment here: {exc}")
    python = target / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, env=env,
         timeout=900)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {**env, "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
           "PATH": f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    demo = _run([str(target / "bin" / "flask"), "--app", "lms", "lms", "demo"], cwd=outside,
                env=env)
    assert "PNC-1001" in demo.stdout
    check = _run([str(python), "-c", SNIPPET], cwd=outside, env=env)
    assert "LESSON OK" in check.stdout
    assert (tmp_path / "instance" / "lms.sqlite").is_file()
    assert (tmp_path / "instance" / "secret_key").is_file()
