"""Six months of a programme on weekly USB sticks: a central server and three classroom labs.

The central server runs on PostgreSQL when one answers at 127.0.0.1:5432 (else SQLite); the labs
of Mbuji-Mayi, Lubumbashi and Kalemie run on SQLite. A train-the-trainer session at Kasapa
qualifies officers of the three sites, who then lead cohorts at home; each lab enrols its own
intake (numbers handed out by each lab's own sequence); trainees answer quizzes every week; one
trainee transfers from Mbuji-Mayi to Kalemie; an officer comes back for a refresher; staff grade at
the centre; one week's stick from Kalemie is lost; two of Lubumbashi's sticks arrive out of order.
At the end it asserts that the centre holds exactly what was done everywhere and that each lab
holds what the centre sent it, and prints bundle sizes, export and import times and the peak
memory (Python heap, tracemalloc) of each exchange.

    python bench/programme.py --small          # a few trainees, about a minute (CI smoke run)
    python bench/programme.py --trainees 400 --attempts-per-week 3   # the issue's scale
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.base import new_uuid, utcnow  # noqa: E402
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


def _central_url(folder: Path, use_pg: bool) -> tuple[str, str | None]:
    if use_pg:
        try:
            admin = create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
            name = f"lms_bench_programme_{os.getpid()}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            return PG + name, name
        except Exception as exc:  # noqa: BLE001 - any failure: fall back to SQLite, and say so
            print(f"PostgreSQL not available ({type(exc).__name__}): the centre runs on SQLite")
    return f"sqlite:///{folder / 'central.sqlite'}", None


class Programme:
    """The servers, what each did, and the sticks between them."""

    def __init__(self, folder: Path, trainees: int, attempts: int, use_pg: bool, memory: bool):
        self.folder, self.trainees, self.attempts, self.memory = folder, trainees, attempts, memory
        url, self.pg_name = _central_url(folder, use_pg)
        self.central = _app(url, folder, "central")
        self.labs = {code: _app(f"sqlite:///{folder / code}.sqlite", folder, code)
                     for code in LABS}
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
        """Every trainee of these cohorts on this server answers quizzes this week."""
        from lms.learning import services as learning
        from lms.learning.models import Response
        from lms.training.models import Cohort, Enrolment

        with on(app):
            enrolments = db.session.scalars(select(Enrolment).join(Cohort).where(
                Cohort.name.in_(cohort_names), Enrolment.status != "completed")).all()
            for enrolment in enrolments:
                for n in range(self.attempts):
                    key = self.quizzes[(week * self.attempts + n) % len(self.quizzes)]
                    attempt = learning.start_attempt(enrolment, key, "fr")
                    questions, moment = attempt.question_order, utcnow()
                    db.session.execute(insert(Response), [
                        {"uuid": new_uuid(), "attempt_id": attempt.id, "question_id": q,
                         "answer": self.answers[q], "saved_at": moment, "max_score": 1,
                         "created_at": moment, "updated_at": moment} for q in questions])
                    learning.submit_attempt(attempt)
                    self.done["attempts"].add(attempt.uuid)
                    self.done["responses"] += len(questions)
            db.session.commit()

    # Sticks --------------------------------------------------------------------------------------
    def export(self, source, peer: str, label: str) -> tuple[bytes, float, float]:
        """A bundle made on `source` for `peer`, its export time and peak heap."""
        from lms.sync import services as sync

        with on(source):
            self._start_memory()
            started = time.perf_counter()
            out = io.BytesIO()
            sync.export_bundle(sync.get_peer(peer), out=out)
            return out.getvalue(), time.perf_counter() - started, self._peak()

    def carry(self, source, target, peer: str, label: str, data: bytes | None = None) -> None:
        """Export (unless `data` is a stick made earlier) and import; one line of figures."""
        from lms.sync import services as sync

        exported, export_s, export_mb = (data, 0.0, 0.0) if data else self.export(source, peer,
                                                                                 label)
        with on(target):
            self._start_memory()
            started = time.perf_counter()
            entry, _new = sync.import_bundle(exported)
            import_s, import_mb = time.perf_counter() - started, self._peak()
            records = sum(sum(t.values()) for t in entry.counts.values())
        self.rows.append({"label": label, "bytes": len(exported), "records": records,
                          "export_s": export_s, "import_s": import_s,
                          "peak_mb": max(export_mb, import_mb)})
        row = self.rows[-1]
        print(f"{label:<38} {row['bytes'] / 1024:>9.1f} KB {records:>8} rec "
              f"export {export_s:6.2f} s  import {import_s:6.2f} s  peak {row['peak_mb']:6.1f} MB",
              flush=True)

    def _start_memory(self) -> None:
        if self.memory:
            tracemalloc.start()
            tracemalloc.reset_peak()

    def _peak(self) -> float:
        if not self.memory:
            return 0.0
        peak = tracemalloc.get_traced_memory()[1] / 1024 ** 2
        tracemalloc.stop()
        return peak

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
        print(f"weekly lab bundle: max {max(r['bytes'] for r in weekly) / 1024:.1f} KB, "
              f"import max {max(r['import_s'] for r in weekly):.2f} s")
        _first_import(world, _app(f"sqlite:///{folder / 'fresh.sqlite'}", folder, "fresh"))
        peak = max(r["peak_mb"] for r in world.rows)
        print(f"peak Python heap of any exchange: {peak:.1f} MB; process peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
              f"total {time.perf_counter() - started:.0f} s")
    finally:
        world.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _first_import(world: Programme, fresh) -> None:
    """A whole lab's six months, imported into a new central server (a first full import)."""
    from lms.sync import services as sync

    with on(world.labs["mbuji-mayi"]):
        card = sync.identity_card()
    with on(fresh):
        sync.set_up("New academy", "central")
        sync.add_peer(card)
        fresh_card = sync.identity_card()
    with on(world.labs["mbuji-mayi"]):
        sync.add_peer(fresh_card)
        out = io.BytesIO()
        started = time.perf_counter()
        world._start_memory()
        sync.export_bundle(sync.get_peer("New academy"), full=True, out=out)
        export_s, export_mb = time.perf_counter() - started, world._peak()
    with on(fresh):
        world._start_memory()
        started = time.perf_counter()
        entry, _new = sync.import_bundle(out.getvalue())
        import_s, import_mb = time.perf_counter() - started, world._peak()
        records = sum(sum(t.values()) for t in entry.counts.values())
    print(f"first full import of Lab Mbuji-Mayi: {len(out.getvalue()) / 1024:.0f} KB, "
          f"{records} records, export {export_s:.2f} s ({export_mb:.1f} MB), import "
          f"{import_s:.2f} s ({import_mb:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=400, help="intake of each lab")
    parser.add_argument("--attempts-per-week", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--small", action="store_true",
                        help="3 trainees per lab, 1 attempt a week, 7 weeks (CI smoke run)")
    parser.add_argument("--sqlite", action="store_true", help="the centre on SQLite too")
    parser.add_argument("--no-memory", action="store_true", help="no tracemalloc (faster)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.small:
        args.trainees, args.attempts_per_week, args.weeks = 3, 1, 7
    run(args)


if __name__ == "__main__":
    main()
