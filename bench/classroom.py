"""A whole intake takes the same quiz at once against the app under gunicorn, on loopback.

    /work/venv/bin/python bench/classroom.py --trainees 400
    /work/venv/bin/python bench/classroom.py --trainees 400 \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres

Seeds a fresh SQLite database (or, with --database-url, a database of its own on that
PostgreSQL server, dropped at the end) with N trainees in one cohort and a 20-question
auto-graded quiz, starts `gunicorn -c gunicorn.conf.py wsgi:app`, and lets N simulated
trainees (one thread and one keep-alive connection each, like a browser without JavaScript)
sign in together, open the quiz, save each answer with its own POST, submit and read the
result. Then it measures answer-save throughput at saturation side by side with a bare Flask +
SQLite app under the same settings.
Prints per-step figures, peak memory and cold start, checks the database, and exits non-zero on
any error or wrong count (timings are reported against the targets, not asserted).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bare_app, pg  # noqa: E402
from bench.harness import (  # noqa: E402
    PASSWORD,
    QUIZ_KEY,
    Browser,
    Server,
    answer_for,
    attempt_counts,
    cpu_seconds,
    is_password_process,
    schedule_waves,
    seed,
    start_gunicorn,
    write_programme,
)

QUESTIONS = 20
STEPS = ("login page", "login", "dashboard", "quiz page", "wait page", "start", "question",
         "save answer", "review", "submit", "result")
MB = 1024 * 1024
PG_DATABASE = "lms_bench_classroom"


class Recorder:
    """Latencies and errors per step, from many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[tuple[float, float]]] = defaultdict(list)  # (end, seconds)
        self.errors: list[str] = []

    def page(self, step: str, page, expect: tuple[int, ...]) -> None:
        with self.lock:
            self.times[step].append((time.perf_counter(), page.seconds))
            if page.status not in expect:
                self.errors.append(f"{step}: HTTP {page.status} {page.body[:200]!r}")
            elif "database is locked" in page.body:
                self.errors.append(f"{step}: 'database is locked' shown")

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def trainee(port: int, login: str, rec: Recorder, start: threading.Barrier, think: tuple,
            keep: list, arrives: float | None = None) -> None:
    """One trainee's whole sitting, as their browser would send it; with waves, the trainee
    comes in at `arrives` (time.time()), a little before their class's wave opens."""
    browser = Browser(port, login=login)
    rng = random.Random(login)
    try:
        start.wait()
        if arrives is not None:
            time.sleep(max(0.0, arrives - time.time()))
        page = browser.get("/login")
        rec.page("login page", page, (200,))
        page = browser.post("/login", {"csrf_token": page.csrf(), "login": login,
                                       "password": PASSWORD})
        rec.page("login", page, (302,))
        rec.page("dashboard", browser.get(page.location or "/"), (200,))
        module, item = QUIZ_KEY.split("/")
        quiz_page = f"/learn/{enrolment_of(login)}/{module}/{item}"
        page = browser.get(quiz_page)
        rec.page("quiz page", page, (200, 302))
        while page.status == 302 and page.location.endswith("/wait"):  # before their wave
            wait = page.location
            page = browser.get(wait)
            rec.page("wait page", page, (200, 302))
            while page.status == 200:  # <meta http-equiv="refresh" content="N">, as a browser
                time.sleep(int(_REFRESH.search(page.body).group(1)))
                page = browser.get(wait)
                rec.page("wait page", page, (200, 302))
            page = browser.get(quiz_page)
            rec.page("quiz page", page, (200, 302))
        page = browser.post(f"/learn/{enrolment_of(login)}/{module}/{item}/start",
                            {"csrf_token": page.csrf()})
        rec.page("start", page, (302,))
        location = page.location
        for _number in range(QUESTIONS):
            page = browser.get(location)
            rec.page("question", page, (200,))
            time.sleep(rng.uniform(*think))
            page = browser.post(location, {"csrf_token": page.csrf(),
                                           "answer": answer_for(page), "go": "next"})
            rec.page("save answer", page, (302,))
            location = page.location
        page = browser.get(location)  # the review page after the last question
        rec.page("review", page, (200,))
        attempt = location.split("/")[2]
        page = browser.post(f"/attempt/{attempt}/submit", {"csrf_token": page.csrf()})
        rec.page("submit", page, (302,))
        page = browser.get(page.location)
        rec.page("result", page, (200,))
        keep.append(browser)
    except Exception as exc:  # noqa: BLE001  (counted and shown, never hidden)
        rec.error(f"{login}: {type(exc).__name__}: {exc}")


_ENROLMENTS: dict[str, int] = {}
_REFRESH = re.compile(r'http-equiv="refresh" content="(\d+)"')


def enrolment_of(login: str) -> int:
    return _ENROLMENTS[login]


def saturate(server: Server, clients: list[Browser], seconds: float, path_of,
             data_of) -> tuple[float, float]:
    """Answer saves per second with every client posting back to back for `seconds`, and the
    server's CPU time per save (all its processes, in ms)."""
    done = [0] * len(clients)
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        browser, n = clients[i], 0
        try:
            while time.perf_counter() < stop:
                page = browser.post(path_of(i, n), data_of(i, n))
                if page.status != 302:
                    errors.append(f"HTTP {page.status}")
                    return
                done[i] += 1
                n += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}")

    began, cpu = time.perf_counter(), cpu_seconds(server.pids())
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    cpu = cpu_seconds(server.pids()) - cpu
    if errors:
        log = server.log.read_text(errors="replace")[-3000:] if server.log else ""
        raise RuntimeError(f"{len(errors)} errors while saturating: {errors[:3]}\n"
                           f"end of the server's log:\n{log}")
    return sum(done) / (time.perf_counter() - began), 1000 * cpu / max(1, sum(done))


def lms_saturation(server: Server, browsers: list[Browser],
                   seconds: float) -> tuple[float, float]:
    """Start a new attempt for each client, read its questions, then save answers flat out."""
    module, item = QUIZ_KEY.split("/")
    plans = []
    for browser in browsers:
        login = browser.login
        page = browser.get(f"/learn/{enrolment_of(login)}/{module}/{item}")
        page = browser.post(f"/learn/{enrolment_of(login)}/{module}/{item}/start",
                            {"csrf_token": page.csrf()})
        base = page.location.rsplit("/", 1)[0]
        answers = []
        for number in range(1, QUESTIONS + 1):
            question = browser.get(f"{base}/{number}")
            answers.append(answer_for(question))
        plans.append((base, question.csrf(), answers))

    def path_of(i, n):
        return f"{plans[i][0]}/{n % QUESTIONS + 1}"

    def data_of(i, n):
        return {"csrf_token": plans[i][1], "answer": plans[i][2][n % QUESTIONS], "go": "next"}

    return saturate(server, browsers, seconds, path_of, data_of)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=400)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0),
                        metavar=("MIN", "MAX"),
                        help="seconds a trainee spends on each question (uniform); real "
                             "trainees take 15 s or more")
    parser.add_argument("--saturation-clients", type=int, default=32)
    parser.add_argument("--saturation-seconds", type=float, default=6.0)
    parser.add_argument("--saturation-rounds", type=int, default=3,
                        help="turns of LMS then bare stack; the median ratio is reported")
    parser.add_argument("--timeout", type=float, default=600,
                        help="give up on the classroom phase after this many seconds")
    parser.add_argument("--database-url", metavar="URL",
                        help="run on this PostgreSQL server (postgresql://user@host:port/db), "
                             f"in a database of its own, {PG_DATABASE}")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (and the PostgreSQL database)")
    parser.add_argument("--waves", type=int, default=0, metavar="CLASS_SIZE",
                        help="open the quiz in waves, one class of this many trainees at a time")
    parser.add_argument("--wave-gap", type=int, default=20,
                        help="seconds between two waves (with --waves)")
    parser.add_argument("--lead", type=float, default=15.0,
                        help="with --waves, seconds from seeding to the first wave")
    parser.add_argument("--early", type=float, default=8.0,
                        help="with --waves, trainees arrive up to this many seconds before "
                             "their wave and wait on the waiting page")
    args = parser.parse_args(argv)
    n = args.trainees

    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    db_path, instance = tmp / "lms.sqlite", tmp / "instance"
    began = time.perf_counter()
    write_programme(tmp / "curricula", questions=QUESTIONS)
    url = None
    if args.database_url:
        url, _kept = pg.fresh_database(args.database_url, PG_DATABASE)
    logins = seed(db_path, instance, n, tmp / "curricula", database_url=url,
                  class_size=args.waves)
    arrivals: dict[str, float | None] = dict.fromkeys(logins)
    if args.waves:
        from datetime import UTC, datetime, timedelta

        lead = args.lead  # server start and threads, before the first wave opens
        opens = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead)
        schedule_waves(db_path, instance, opens, args.wave_gap, url)
        early = random.Random(7)
        for i, login in enumerate(logins):
            arrivals[login] = (opens.timestamp() + (i // args.waves) * args.wave_gap
                               - early.uniform(0, args.early))
    if url:
        _ENROLMENTS.update(pg.enrolment_ids(url))
    else:
        import sqlite3

        with sqlite3.connect(db_path) as conn:
            _ENROLMENTS.update(conn.execute(
                "SELECT u.service_number, e.id FROM lms_enrolments e "
                "JOIN lms_users u ON u.id = e.user_id").fetchall())
    print(f"seeded {n} trainees in {time.perf_counter() - began:.1f} s ({url or tmp})")

    env = {"LMS_DATABASE_URL": url or f"sqlite:///{db_path}", "LMS_SECRET_KEY": "bench-secret",
           "LMS_INSTANCE_PATH": str(instance), "LMS_CURRICULA_DIR": str(tmp / "curricula")}
    server = start_gunicorn("wsgi:app", env, tmp / "gunicorn.log")
    failures: list[str] = []
    try:
        print(f"cold start to first page: {server.cold_start:.2f} s")
        rec, keep = Recorder(), []
        barrier = threading.Barrier(n + 1)
        threads = [threading.Thread(target=trainee, daemon=True,
                                    args=(server.port, login, rec, barrier, tuple(args.think),
                                          keep, arrivals[login])) for login in logins]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        deadline = t0 + args.timeout
        for t in threads:
            t.join(max(0.0, deadline - time.perf_counter()))
        wall = time.perf_counter() - t0
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            rec.error(f"{stuck} trainees still running after {args.timeout} s")

        print(f"\nclassroom: {n} trainees, think {args.think[0]:g}-{args.think[1]:g} s per "
              f"question, {wall:.1f} s wall" + (f"; waves of one class ({args.waves}) every "
                                                f"{args.wave_gap} s" if args.waves else ""))
        print(f"{'step':<12} {'count':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'max ms':>7}")
        summary = {}
        for step, rows in rec.times.items():
            ms = [s * 1000 for _end, s in rows]
            span = max(e for e, _s in rows) - t0
            summary[step] = {"p95": percentile(ms, 95), "last": span}
            print(f"{step:<12} {len(ms):>6} {len(ms) / span:>7.1f} {statistics.median(ms):>7.1f}"
                  f" {percentile(ms, 95):>7.1f} {percentile(ms, 99):>7.1f} {max(ms):>7.1f}")
        print(f"errors: {len(rec.errors)}")
        for message in rec.errors[:10]:
            print("  ", message)
        logins_done = summary.get("login", {}).get("last", float("inf"))

        counts = pg.attempt_counts(url) if url else attempt_counts(db_path)
        complete = [r for r in counts["submitted"] if r[3] == QUESTIONS]
        per_enrolment = {r[1] for r in counts["rows"]}
        print(f"database: {len(counts['submitted'])} submitted attempts, {len(complete)} with "
              f"{QUESTIONS} responses, {len(counts['open'])} open, {len(per_enrolment)} "
              f"trainees; integrity {counts['integrity']}")
        if rec.errors:
            failures.append(f"{len(rec.errors)} errors")
        if not (len(complete) == len(counts["rows"]) == len(per_enrolment) == n):
            failures.append("the database does not hold exactly one complete attempt per trainee")

        k = min(args.saturation_clients, len(keep))
        clients = keep[:k]
        # Both servers stay up and take turns, so that a burst of load from elsewhere on the
        # machine hits both sides alike; the median of the rounds' ratios is the figure.
        bare_app.prepare(str(tmp / "bare.sqlite"))
        bare = start_gunicorn("bench.bare_app:app", {"BARE_DB": str(tmp / "bare.sqlite")},
                              tmp / "bare.log")
        rounds = []
        try:
            browsers = [Browser(bare.port) for _ in range(max(k, 1))]
            for _round in range(args.saturation_rounds if k else 0):
                ours, our_cpu = lms_saturation(server, clients, args.saturation_seconds)
                theirs, their_cpu = saturate(bare, browsers, args.saturation_seconds,
                                  lambda i, n: "/save",
                                  lambda i, n: {"question": f"q{n % QUESTIONS}", "answer": "1"})
                rounds.append((ours, theirs, our_cpu, their_cpu))
        finally:
            bare.stop()
        rss, pss = server.peak_rss(), server.pss()
        hashers = {pid: rss.pop(pid) for pid in list(rss) if is_password_process(pid)}
    finally:
        server.stop()

    master, *workers = rss.values() if rss else (0,)
    ratios = sorted(ours / theirs for ours, theirs, *_cpu in rounds if theirs)
    ratio = statistics.median(ratios) if ratios else 0.0
    print(f"\nanswer saves at saturation ({k} clients, {len(rounds)} rounds of "
          f"{args.saturation_seconds:g} s each side, taking turns):")
    for number, (ours, theirs, our_cpu, their_cpu) in enumerate(rounds, start=1):
        print(f"  round {number}: LMS {ours:.0f}/s, bare Flask+SQLite {theirs:.0f}/s, "
              f"ratio {ours / theirs if theirs else 0:.2f}; server CPU per save: LMS "
              f"{our_cpu:.1f} ms, bare {their_cpu:.1f} ms")
    print(f"  median ratio {ratio:.2f}")
    print(f"peak RSS: master {master / MB:.0f} MB, workers "
          + ", ".join(f"{w / MB:.0f} MB" for w in workers)
          + "".join(f", password process {h / MB:.0f} MB" for h in hashers.values()))
    if pss:
        print("PSS at the end (shared pages counted once): "
              + ", ".join(f"{p / MB:.0f} MB" for p in pss.values())
              + f"; whole server {sum(pss.values()) / MB:.0f} MB")
    targets = [
        ("no error", not rec.errors),
        ("one complete attempt per trainee", "the database does not hold exactly one complete "
         "attempt per trainee" not in failures),
        ("p95 save answer < 250 ms", summary.get("save answer", {}).get("p95", 1e9) < 250),
        ("p95 submit < 250 ms", summary.get("submit", {}).get("p95", 1e9) < 250),
        ("save throughput >= 0.5 x bare", ratio >= 0.5),
        ("all logins within 15 s", logins_done < 15 or bool(args.waves)),  # waves: spread
        (f"RSS < 80 MB per worker (peak {max(workers, default=0) / MB:.0f} MB)",
         bool(workers) and max(workers) < 80 * MB),
        ("cold start < 2 s", server.cold_start < 2),
    ]
    if args.waves:
        # Every page a trainee sees, in order; a page nobody reached fails, it is not left out.
        targets += [(f"p95 {step} < 1 s" + ("" if step in summary else " (never requested)"),
                     summary.get(step, {}).get("p95", 1e9) < 1000) for step in STEPS]
    print(f"all {n} logins done {logins_done:.1f} s after the start")
    print("\ntargets:")
    for label, ok in targets:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        if url:
            pg.drop_database(args.database_url, PG_DATABASE)
    if failures:
        print("FAILED:", "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
