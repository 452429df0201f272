"""Publish a generated 1,000-lesson curriculum and time the lesson and quiz pages.

    /work/venv/bin/python bench/curricula_publish.py --lessons 1000

Prints the publishing time (target under 3 s) and, for one lesson page and one quiz question
page of that programme, the render time (median of repeated requests through the app) and the
page weight in bytes (HTML; the stylesheet and script are cached after the first page).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PASSWORD, PROGRAMME, write_programme  # noqa: E402


def timed(client, method: str, path: str, repeat: int, **kwargs) -> tuple[float, int, object]:
    """Median seconds and body size of `repeat` requests."""
    times, response = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = getattr(client, method)(path, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(response.data), response


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    from lms import create_app, resources
    from lms.cli import init_database
    from lms.curricula.services import publish_programme
    from lms.extensions import db
    from tests.conftest import make_cohort, make_enrolment, make_user

    tmp = Path(tempfile.mkdtemp(prefix="lms-publish-"))
    write_programme(tmp / "curricula", questions=20, lessons=args.lessons)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'lms.sqlite'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    app.instance_path = str(tmp / "instance")
    with app.app_context():
        init_database()
        started = time.perf_counter()
        version, _created = publish_programme(tmp / "curricula" / PROGRAMME)
        published = time.perf_counter() - started
        files = len(version.sources)
        print(f"published {args.lessons} lessons + 1 quiz ({files} files) in {published:.2f} s "
              f"[target < 3 s: {'PASS' if published < 3 else 'FAIL'}]")
        enrolment = make_enrolment(make_user(password=PASSWORD), make_cohort(version))
        login, eid = enrolment.user.login_id, enrolment.id
        db.session.remove()

    # Requests outside the seeding context, each with its own, as under a server.
    client = app.test_client()
    client.post("/login", data={"login": login, "password": PASSWORD})
    middle = f"lecon-{args.lessons // 2:04d}"
    seconds, size, _r = timed(client, "get", f"/learn/{eid}/examen/{middle}", args.repeat)
    print(f"lesson page: {seconds * 1000:.1f} ms, {size} bytes of HTML")
    start = client.post(f"/learn/{eid}/examen/quiz-final/start")
    seconds, size, _r = timed(client, "get", start.headers["Location"], args.repeat)
    print(f"quiz question page: {seconds * 1000:.1f} ms, {size} bytes of HTML")
    seconds, size, _r = timed(client, "get", f"/learn/{eid}", args.repeat)
    print(f"programme outline ({args.lessons} lessons): {seconds * 1000:.1f} ms, "
          f"{size} bytes of HTML")
    static = sum(p.stat().st_size for p in resources.static_dir().rglob("*") if p.is_file())
    print(f"static files (stylesheet, script), cached by the browser: {static} bytes")
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
