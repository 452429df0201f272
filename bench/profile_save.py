"""Profile one trainee's answer saves in-process (cProfile): where a save's CPU goes.

    /work/venv/bin/python bench/profile_save.py --saves 2000 [--sort tottime] [--lines 40]

Seeds a fresh SQLite database with one trainee and the 20-question quiz of classroom.py, signs
in through the test client, starts the attempt and saves answers back to back, printing the
mean time (and CPU time) of a save and the cProfile table. Gunicorn's HTTP parsing is not included.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    PASSWORD,
    QUIZ_KEY,
    answer_for,
    app_config,
    enrolment_ids,
    seed,
    write_programme,
)


class _Page:
    def __init__(self, response) -> None:
        self.body = response.get_data(as_text=True)
        self.status = response.status_code
        self.location = response.headers.get("Location", "")

    def csrf(self) -> str:
        import re

        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.body).group(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--no-profile", action="store_true",
                        help="only time the saves (no cProfile run)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="lms-profile-"))
    write_programme(tmp / "curricula", questions=20)
    logins = seed(tmp / "lms.sqlite", tmp / "instance", 1, tmp / "curricula")
    enrolment = enrolment_ids(tmp / "lms.sqlite")[logins[0]]

    from lms import create_app

    app = create_app(app_config(tmp / "lms.sqlite", tmp / "instance"))
    client = app.test_client()
    page = _Page(client.get("/login"))
    client.post("/login", data={"csrf_token": page.csrf(), "login": logins[0],
                                "password": PASSWORD})
    module, item = QUIZ_KEY.split("/")
    page = _Page(client.get(f"/learn/{enrolment}/{module}/{item}"))
    page = _Page(client.post(f"/learn/{enrolment}/{module}/{item}/start",
                             data={"csrf_token": page.csrf()}))
    base = page.location.rsplit("/", 1)[0]
    plans = []
    for number in range(1, 21):
        question = _Page(client.get(f"{base}/{number}"))
        plans.append((f"{base}/{number}", {"csrf_token": question.csrf(),
                                           "answer": answer_for(question), "go": "next"}))

    def save(n: int) -> None:
        path, data = plans[n % len(plans)]
        response = client.post(path, data=data)
        assert response.status_code == 302, response.status_code

    for n in range(50):  # warm caches
        save(n)
    # Batches of 100: the quickest batch is the figure least disturbed by other processes.
    plain = cpu = float("inf")
    for batch in range(max(1, args.saves // 100)):
        began, used = time.perf_counter(), time.process_time()
        for n in range(100):
            save(batch * 100 + n)
        plain = min(plain, (time.perf_counter() - began) / 100)
        cpu = min(cpu, (time.process_time() - used) / 100)
    print(f"{args.saves} saves without the profiler, quickest batch: {plain * 1000:.2f} ms "
          f"each, {cpu * 1000:.2f} ms of CPU ({tmp})")
    if args.no_profile:
        return 0
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(args.saves):
        save(n)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
