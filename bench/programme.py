"""Six months of a programme on weekly USB sticks: a central server and three classroom labs.

The central server runs on PostgreSQL when one answers at 127.0.0.1:5432 (else SQLite); the labs
of Mbuji-Mayi, Lubumbashi and Kalemie run on SQLite. A train-the-trainer session at Kasapa
qualifies officers of the three sites, who then lead cohorts at home; each lab enrols its own
intake (numbers handed out by each lab's own sequence); trainees answer quizzes every week; one
trainee transfers from Mbuji-Mayi to Kalemie; an officer comes back for a refresher; staff grade at
the centre; one week's stick from Kalemie is lost; two of Lubumbashi's sticks arrive out of order.
At the end it asserts that the centre holds exactly what was done everywhere and that each lab
holds what the centre sent it, and prints bundle sizes, export and import times and the peak
resident memory of each exchange; then a new central server imports a lab's whole history (its
export and import each run in a process of its own, so their peak memory is their own).
Quiz attempts and answers are written in bulk (drawn and scored by the app).

    python bench/programme.py --small --no-memory   # a few trainees, about a minute (CI)
    python bench/programme.py --trainees 400 --attempts-per-week 3   # the issue's scale
    python bench/programme.py --first-import-only   # one lab, 400 trainees, 250,000 answers
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from bench.programme_work import Memory, bulk_week, peak_rss_mb, status_mb  # noqa: E402
from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402

CURRICULA = ROOT / "curricula"
LABS = {"mbuji-mayi": "Lab Mbuji-Mayi", "lubumbashi": "Lab Lubumbashi",
        "kalemie": "Lab Kalemie"}
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def _curricula(folder: Path) -> Path:
    """The bundled programmes, with unlimited quiz attempts: six months of weekly practice."""
    target = folder / "curricula"
    if not target.exists():
        for name in ("police-de-proximite", "formation-des-formateurs"):
            shutil.copytree(CURRICULA / name, target / name)
        for quiz in target.rglob("*.md"):
            content = quiz.read_text(encoding="utf-8")
            if "max_attempts:" in content:
                quiz.write_text("\n".join(line for line in content.splitlines()
                                          if not line.startswith("max_attempts:")) + "\n",
                                encoding="utf-8")
    return target


def _app(url: str, folder: Path, name: str):
    app = create_app({"SECRET_KEY": "bench-" + name, "SQLALCHEMY_DATABASE_URI": url,
                      "LMS_CURRICULA_DIR": str(_curricula(folder))})
    app.instance_path = str(folder / f"{name}-instance")
    with app.app_context():
        db.create_all()
    return app


@contextmanager
def on(app):
    """Work on one server."""
    with app.app_context():
        yield
        db.session.remove()


def lab_url(folder: Path, code: str) -> str:
    return f"sqlite:///{folder / code}.sqlite"


def _mb(value: float | None) -> str:
    return f"+{value:4.0f} MB" if value is not None else "   -- MB"


def _central_url(folder: Path, use_pg: bool, suffix: str = "") -> tuple[str, str | None]:
    if use_pg:
        try:
            admin = create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
            name = f"lms_bench_programme_{os.getpid()}{suffix}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            return PG + name, name
        except Exception as exc:  # noqa: BLE001 - any failure: fall back to SQLite, and say so
            print(f"PostgreSQL not available ({type(exc).__name__}): the centre runs on SQLite")
    return f"sqlite:///{folder / 'central.sqlite'}", None


class Programme:
    """The servers, what each did, and the sticks between them."""

    def __init__(self, folder: Path, trainees: int, attempts: int, use_pg: bool, memory: bool,
                 labs: tuple[str, ...] = tuple(LABS)):
        self.folder, self.trainees, self.attempts = folder, trainees, attempts
        self.memory = Memory(memory)
        url, self.pg_name = _central_url(folder, use_pg)
        self.central = _app(url, folder, "central")
        self.labs = {code: _app(lab_url(folder, code), folder, code) for code in labs}
        self.done = {"attempts": set(), "responses": 0, "grades": set()}
        self.rows: list[dict] = []
        self.quizzes: list[str] = []
        self.practical = ""
        self.answers: dict[str, dict] = {}
        self.password_hash = ""

    # Set-up -----------------------------------------------------------------------------------
    def set_up(self) -> None:
        """Curricula, sites, the Kasapa ToT, home cohorts; identities and peers."""
        from lms.auth.passwords import hash_password
        from lms.curricula.services import publish_programme
        from lms.sync import services as sync
        from lms.training.services import assign_trainer, create_cohort, get_or_create_site
        from lms.training.tot import record_qualification

        self.password_hash = hash_password("bench-pass-2026")
        with on(self.central):
            pdp, _ = publish_programme(_curricula(self.folder) / "police-de-proximite")
            tot, _ = publish_programme(_curricula(self.folder) / "formation-des-formateurs")
            kasapa = get_or_create_site("kasapa", "Académie de Kasapa")
            sites = {code: get_or_create_site(code, name.removeprefix("Lab "))
                     for code, name in LABS.items()}
            session = create_cohort(name="ToT Kasapa", programme=tot.programme, site=kasapa,
                                    start=date(2026, 1, 5), end=date(2026, 1, 30),
                                    qualifies_for=[pdp.programme])
            for code, site in sites.items():
                officer = self._person(f"OFF-{code[:3].upper()}", site, "trainee")
                self._enrol(officer, session)  # qualified by the session, recorded by staff
                record_qualification(officer, pdp.programme, date(2026, 1, 30),
                                     source_cohort=session)
                cohort = create_cohort(name=f"PdP {code}", programme=pdp.programme, site=site,
                                       start=date(2026, 2, 2), end=date(2026, 7, 31))
                assign_trainer(cohort, officer)
                self._person(f"STAFF-{code[:3].upper()}", site, "staff")
            self._person("STAFF-ACADEMY", kasapa, "staff")
            db.session.commit()
            sync.set_up("Academy", "central")
            card = sync.identity_card()
            from lms.curricula.structure import assessment_for

            quizzes = [assessment_for(pdp.structure, key, "fr")
                       for key in pdp.structure["assessments"]]
            self.quizzes = [q["key"] for q in quizzes if q["settings"]["kind"] != "practical"]
            self.answers = {q["id"]: ({"choices": [0]} if q.get("choices") else
                                      {"matches": []} if q["type"] == "matching" else
                                      {"text": "1"})
                            for quiz in quizzes for q in quiz.get("questions", [])}
            self.practical = next(q["key"] for q in quizzes
                                  if q["settings"]["kind"] == "practical")
        for code, app in self.labs.items():
            with on(app):
                sync.set_up(LABS[code], "lab", code)
                sync.add_peer(card)
                lab_card = sync.identity_card()
            with on(self.central):
                sync.add_peer(lab_card)

    def _person(self, number: str | None, site, role: str):
        from lms.auth.models import User, UserRole
        from lms.auth.services import next_academy_number

        user = User(service_number=number, academy_number=next_academy_number(2026),
                    first_name="Agent", last_name=number or "Recrue", sex="M", site=site,
                    password_hash=self.password_hash, role_rows=[UserRole(role=role)])
        db.session.add(user)
        db.session.flush()
        return user

    def _enrol(self, user, cohort):
        from lms.training.services import enrol

        return enrol(user, cohort)

    # Work at the labs ---------------------------------------------------------------------------
    def enrol_intake(self, code: str) -> None:
        """The lab enrols its own intake into its home cohort (numbers from its own sequence)."""
        from lms.auth.models import Site
        from lms.training.models import Cohort

        with on(self.labs[code]):
            site = db.session.scalar(select(Site).where(Site.code == code))
            cohort = db.session.scalar(select(Cohort).where(Cohort.name == f"PdP {code}"))
            for _ in range(self.trainees):
                self._enrol(self._person(None, site, "trainee"), cohort)
            db.session.commit()

    def week_of_work(self, app, week: int, cohort_names: list[str]) -> None:
        """Every trainee of these cohorts on this server answers quizzes this week (in bulk)."""
        with on(app):
            attempts, answers = bulk_week(cohort_names, self.quizzes, self.answers,
                                          self.attempts, week)
        self.done["attempts"] |= attempts
        self.done["responses"] += answers

    # Sticks --------------------------------------------------------------------------------------
    def export(self, source, peer: str, label: str) -> tuple[bytes, float, float | None]:
        """A bundle made on `source` for `peer`, its export time and peak memory."""
        from lms.sync import services as sync

        with on(source):
            self.memory.start()
            started = time.perf_counter()
            out = io.BytesIO()
            sync.export_bundle(sync.get_peer(peer), out=out)
            return out.getvalue(), time.perf_counter() - started, self.memory.peak()

    def carry(self, source, target, peer: str, label: str, data: bytes | None = None) -> None:
        """Export (unless `data` is a stick made earlier) and import; one line of figures."""
        from lms.sync import services as sync

        exported, export_s, export_mb = (data, 0.0, None) if data else self.export(source, peer,
                                                                                  label)
        with on(target):
            self.memory.start()
            started = time.perf_counter()
            entry, _new = sync.import_bundle(exported)
            import_s, import_mb = time.perf_counter() - started, self.memory.peak()
            records = sum(sum(t.values()) for t in entry.counts.values())
        self.rows.append({"label": label, "bytes": len(exported), "records": records,
                          "export_s": export_s, "import_s": import_s,
                          "export_mb": export_mb, "import_mb": import_mb})
        print(f"{label:<33} {len(exported) / 1024:>8.1f} KB {records:>7} rec "
              f"export {export_s:5.2f} s {_mb(export_mb)}  import {import_s:5.2f} s "
              f"{_mb(import_mb)}", flush=True)

    def up(self, code: str, week: int, data: bytes | None = None) -> None:
        self.carry(self.labs[code], self.central, "Academy", f"w{week:02d} {code} -> centre", data)

    def down(self, code: str, week: int) -> None:
        self.carry(self.central, self.labs[code], LABS[code], f"w{week:02d} centre -> {code}")

    # Staff at the centre ------------------------------------------------------------------------
    def grade_at_centre(self, count: int) -> None:
        """Academy staff observe and grade a practical for trainees of every site."""
        from lms.assessment import services as grading
        from lms.auth.models import User
        from lms.training.models import Cohort, Enrolment

        with on(self.central):
            staff = User.by_login("STAFF-ACADEMY")
            for code in LABS:
                enrolments = db.session.scalars(select(Enrolment).join(Cohort).where(
                    Cohort.name == f"PdP {code}").order_by(Enrolment.id).limit(count)).all()
                for enrolment in enrolments:
                    practical = grading.practical_of(enrolment, self.practical, "fr")
                    levels = {c["id"]: str(c["levels"][-1]["points"])
                              for c in practical["criteria"]}
                    grade = grading.record_practical(staff, enrolment, self.practical, levels,
                                                     "Observé à l'académie", 0)
                    self.done["grades"].add(grade.uuid)

    def transfer_and_refresher(self) -> tuple[str, str]:
        """At the centre: a Mbuji-Mayi trainee moves to Kalemie's cohort; Lubumbashi's officer
        comes back for a refresher cohort at home. Returns the two cohort names."""
        from lms.auth.models import Site, User
        from lms.training.models import Cohort, Enrolment
        from lms.training.services import create_cohort

        with on(self.central):
            mover = db.session.scalars(select(Enrolment).join(Cohort).where(
                Cohort.name == "PdP mbuji-mayi").order_by(Enrolment.id.desc())).first()
            mover.status = "withdrawn"
            self._enrol(mover.user, db.session.scalar(select(Cohort).where(
                Cohort.name == "PdP kalemie")))
            lubumbashi = db.session.scalar(select(Site).where(Site.code == "lubumbashi"))
            home = db.session.scalar(select(Cohort).where(Cohort.name == "PdP lubumbashi"))
            refresher = create_cohort(name="Recyclage lubumbashi", programme=home.programme,
                                      site=lubumbashi, start=date.today(),
                                      end=date.today() + timedelta(days=30))
            self._enrol(User.by_login("OFF-LUB"), refresher)
            db.session.commit()
        return "PdP kalemie", "Recyclage lubumbashi"

    # Checks ------------------------------------------------------------------------------------
    def check(self) -> None:
        """The centre holds what was done everywhere; each lab holds what the centre sent it."""
        from lms.assessment.models import Grade
        from lms.auth.models import Site
        from lms.learning.models import Attempt, Response
        from lms.training.models import Cohort, Enrolment

        with on(self.central):
            attempts = set(db.session.scalars(select(Attempt.uuid)))
            responses = db.session.scalar(select(func.count()).select_from(Response))
            grades = set(db.session.scalars(select(Grade.uuid)))
        assert attempts == self.done["attempts"], (len(attempts), len(self.done["attempts"]))
        assert responses == self.done["responses"], (responses, self.done["responses"])
        assert grades == self.done["grades"], (len(grades), len(self.done["grades"]))
        lab_total = 0
        for code, app in self.labs.items():
            figures = []
            for server in (self.central, app):
                with on(server):
                    site_enrolments = select(Enrolment.id).join(Cohort).join(Site).where(
                        Site.code == code)
                    figures.append((
                        set(db.session.scalars(select(Enrolment.uuid).where(
                            Enrolment.id.in_(site_enrolments)))),
                        set(db.session.scalars(select(Attempt.uuid).where(
                            Attempt.enrolment_id.in_(site_enrolments)))),
                        set(db.session.scalars(select(Grade.uuid).where(
                            Grade.enrolment_id.in_(site_enrolments))))))
            assert figures[0] == figures[1], f"{code}: the lab lacks what the centre sent it"
            lab_total += len(figures[1][1])
        assert lab_total == len(self.done["attempts"])
        print(f"checked: the centre holds {len(attempts)} attempts, {responses} answers and "
              f"{len(grades)} grades, exactly what was done; each lab holds its site's records")

    def close(self) -> None:
        for app in [self.central, *self.labs.values()]:
            with app.app_context():
                db.engine.dispose()
        if self.pg_name:
            admin = create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            admin.dispose()


def run(args) -> None:
    """The 26 weeks, then the checks and the figures."""
    from lms.sync import export

    # Six months pass in minutes here: a delta starts exactly at the acknowledged bundle (the
    # two minutes of overlap that covers real clocks would carry every week's work again).
    export.MARGIN = timedelta(0)
    folder = Path(tempfile.mkdtemp(prefix="lms-programme-"))
    world = Programme(folder, args.trainees, args.attempts_per_week, not args.sqlite,
                      not args.no_memory)
    results: list[tuple[str, bool]] = []
    try:
        started = time.perf_counter()
        world.set_up()
        print(f"centre on {world.central.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, "
              f"{args.trainees} trainees per lab, {args.attempts_per_week} quiz attempts each "
              f"per week, {args.weeks} weeks")
        for code in LABS:
            world.down(code, 0)
            world.enrol_intake(code)
        cohorts = {code: [f"PdP {code}"] for code in LABS}
        held: bytes | None = None
        for week in range(1, args.weeks + 1):
            if week == 2:
                world.grade_at_centre(max(1, args.trainees // 10))
            if week == 4:
                _moved_to, refresher = world.transfer_and_refresher()
                cohorts["lubumbashi"].append(refresher)
            for code, app in world.labs.items():
                world.week_of_work(app, week, cohorts[code])
                if code == "kalemie" and week == 3:
                    world.export(app, "Academy", "lost")  # the stick is lost on the road
                    print(f"w{week:02d} kalemie -> centre: stick lost")
                elif code == "lubumbashi" and week == 5:
                    held = world.export(app, "Academy", "late")[0]  # arrives a week late
                    print(f"w{week:02d} lubumbashi -> centre: stick delayed")
                else:
                    world.up(code, week)
                    if held is not None and code == "lubumbashi":
                        world.up(code, week, data=held)  # the older stick, after the newer
                        held = None
                world.down(code, week)
        for code in LABS:  # a last round, so that every lab has what the others sent
            world.up(code, args.weeks + 1)
            world.down(code, args.weeks + 1)
        world.check()
        weekly = [r for r in world.rows if "-> centre" in r["label"] and not r["label"].startswith(
            ("w00", "w01"))]
        biggest = max(r["bytes"] for r in weekly) / 1024
        slowest = max(r["import_s"] for r in weekly)
        print(f"weekly lab bundle: max {biggest:.1f} KB, import max {slowest:.2f} s")
        results += [(f"weekly lab bundle < 1 MB ({biggest:.0f} KB)", biggest < 1024),
                    (f"weekly import < 3 s ({slowest:.2f} s)", slowest < 3)]
        peaks = [m for r in world.rows for m in (r["export_mb"], r["import_mb"]) if m is not None]
        first, app_mb = first_import(world, args)
        if peaks:
            results.append((f"peak RSS of any weekly exchange < 200 MB (a server process with the "
                            f"app loaded, {app_mb:.0f} MB, + the largest growth during a weekly "
                            f"exchange, {max(peaks):.0f} MB)", app_mb + max(peaks) < 200))
        results += first
        print(f"process peak RSS {peak_rss_mb():.0f} MB; total "
              f"{time.perf_counter() - started:.0f} s")
        verdict(results)
    finally:
        world.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run_first_import_only(args) -> None:
    """One lab of `--trainees` people with about `--answers` answers, written quickly; then its
    full export and a new central server's import, each in a process of its own."""
    from lms.sync import export

    export.MARGIN = timedelta(0)
    folder = Path(tempfile.mkdtemp(prefix="lms-first-import-"))
    world = Programme(folder, args.trainees, args.attempts_per_week, not args.sqlite,
                      not args.no_memory, labs=("mbuji-mayi",))
    try:
        started = time.perf_counter()
        world.set_up()
        world.down("mbuji-mayi", 0)
        world.enrol_intake("mbuji-mayi")
        week = 0
        while world.done["responses"] < args.answers:
            week += 1
            world.week_of_work(world.labs["mbuji-mayi"], week, ["PdP mbuji-mayi"])
        print(f"lab built: {args.trainees} trainees, {week} weeks of {args.attempts_per_week} "
              f"attempts, {len(world.done['attempts'])} attempts, {world.done['responses']} "
              f"answers in {time.perf_counter() - started:.0f} s", flush=True)
        verdict(first_import(world, args)[0])
    finally:
        world.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def first_import(world: Programme, args) -> tuple[list[tuple[str, bool]], float]:
    """A whole lab's history exported in full and imported into a new central server (on
    PostgreSQL when the bench's centre is), each in a fresh process: time and peak RSS; and
    the resident memory of a server process with the app loaded."""
    from lms.sync import services as sync

    folder = world.folder
    fresh_url, fresh_pg = _central_url(folder, world.pg_name is not None, "_fresh")
    fresh = _app(fresh_url, folder, "fresh")
    try:
        with on(world.labs["mbuji-mayi"]):
            card = sync.identity_card()
        with on(fresh):
            sync.set_up("New academy", "central")
            sync.add_peer(card)
            fresh_card = sync.identity_card()
        with on(world.labs["mbuji-mayi"]):
            sync.add_peer(fresh_card)
        with fresh.app_context():
            db.engine.dispose()
        bundle = folder / "first-full.lmsbundle"
        out = _child(args, "export", lab_url(folder, "mbuji-mayi"), "mbuji-mayi", bundle)
        into = _child(args, "import", fresh_url, "fresh", bundle)
    finally:
        if fresh_pg:
            _drop(fresh_pg)
    print(f"first full import of Lab Mbuji-Mayi ({fresh_url.split(':')[0]}): "
          f"{bundle.stat().st_size / 1024 ** 2:.1f} MB, {into['records']} records; export "
          f"{out['seconds']:.1f} s, peak RSS {out['peak_mb']:.0f} MB (app loaded "
          f"{out['start_mb']:.0f} MB); import {into['seconds']:.1f} s, peak RSS "
          f"{into['peak_mb']:.0f} MB (app loaded {into['start_mb']:.0f} MB)", flush=True)
    return [(f"first full import < 30 s ({into['seconds']:.1f} s, {into['records']} records)",
             into["seconds"] < 30),
            (f"peak RSS of the full export < 200 MB ({out['peak_mb']:.0f} MB)",
             out["peak_mb"] < 200),
            (f"peak RSS of the first import < 200 MB ({into['peak_mb']:.0f} MB)",
             into["peak_mb"] < 200)], into["start_mb"]


def _child(args, action: str, url: str, name: str, bundle: Path) -> dict:
    """Run one export or import in a new Python process; its figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--exchange", action, "--url", url,
               "--name", name, "--folder", str(bundle.parent), "--bundle", str(bundle)]
    if args.profile:
        command.append("--profile")
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def exchange(args) -> None:
    """In a child process: export Lab Mbuji-Mayi's full bundle for "New academy", or import it;
    print time and memory as JSON (peak RSS: the kernel's high-water mark after the app loads)."""
    from lms.sync import services as sync

    folder = Path(args.folder)
    app = _app(args.url, folder, args.name)
    memory = Memory(True)
    with on(app):
        sync.identity()  # the app, its models and a connection are loaded before measuring
        memory.start()
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        if args.exchange == "export":
            with open(args.bundle, "wb") as out:
                sync.export_bundle(sync.get_peer("New academy"), full=True, out=out)
            records = 0
        else:
            with open(args.bundle, "rb") as source:
                entry, _new = sync.import_bundle(source)
            records = sum(sum(t.values()) for t in entry.counts.values())
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
            stats.print_stats(r"lms/sync", 30)
            stats.sort_stats("tottime").print_stats(25)
    peak = status_mb("VmHWM") if memory.on else peak_rss_mb()
    print(json.dumps({"seconds": seconds, "records": records, "peak_mb": peak,
                      "start_mb": memory.start_mb or 0.0}))


def verdict(results: list[tuple[str, bool]]) -> None:
    print("targets:")
    for text_, ok in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {text_}")


def _drop(name: str) -> None:
    admin = create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=400, help="intake of each lab")
    parser.add_argument("--attempts-per-week", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--small", action="store_true",
                        help="3 trainees per lab, 1 attempt a week, 7 weeks (CI smoke run)")
    parser.add_argument("--first-import-only", action="store_true",
                        help="one lab with about --answers answers; time its first full import")
    parser.add_argument("--answers", type=int, default=250_000,
                        help="answers the lab holds for --first-import-only")
    parser.add_argument("--sqlite", action="store_true", help="the centre on SQLite too")
    parser.add_argument("--no-memory", action="store_true",
                        help="no peak memory per weekly exchange")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first full export and import (to stderr)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    for internal in ("--exchange", "--url", "--name", "--folder", "--bundle"):
        parser.add_argument(internal, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small:
        args.trainees, args.attempts_per_week, args.weeks = 3, 1, 7
    if args.exchange:
        exchange(args)
    elif args.first_import_only:
        run_first_import_only(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
