"""Benchmark the reports: 10,000 trainees and 500,000 responses in a temporary SQLite file.

Run from the repository root:  python bench/reports.py [--trainees 10000] [--responses 500000]
Seeds with bulk inserts (SQLAlchemy Core executemany), then times each report service and each
report page (through the test client, rendering included) and prints the timings.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402

UNITS = ["Kampemba", "Katuba", "Bipemba", "Muya", "Kasapa", "DGM Kasumbalesa", ""]
RANKS = ["Agent", "Brigadier", "Sous-commissaire", "Commissaire", ""]


def _common(now):
    return {"uuid": str(uuid.uuid4()), "created_at": now, "updated_at": now}


def seed(trainees: int, responses: int) -> dict:
    """Fill the database; return ids useful for filtered timings."""
    from lms.auth.models import Site, User
    from lms.auth.services import create_user
    from lms.curricula.services import publish_programme
    from lms.learning.models import Attempt, Response
    from lms.reports.versions import version_facts
    from lms.training.models import Cohort, Enrolment

    rng = random.Random(6)
    now = datetime.now(UTC)
    versions = []
    for name in ("police-de-proximite", "police-des-mines", "police-des-frontieres",
                 "formation-des-formateurs"):
        version, _created = publish_programme(ROOT / "curricula" / name)
        versions.append(version)
    db.session.commit()
    facts = version_facts()
    sites = []
    for code, name in (("lubumbashi", "Kasapa, Lubumbashi"), ("mbuji-mayi", "Mbuji-Mayi"),
                       ("kalemie", "Kalemie")):
        site = Site(code=code, name=name)
        db.session.add(site)
        sites.append(site)
    db.session.flush()
    cohort_rows = []
    for i in range(40):
        version = versions[i % len(versions)]
        year = 2025 + (i % 2)
        cohort_rows.append({**_common(now), "name": f"Cohort {i}",
                            "programme_id": version.programme_id,
                            "site_id": sites[i % len(sites)].id,
                            "curriculum_version_id": version.id,
                            "start_date": date(year, 1 + (i % 6), 1),
                            "end_date": date(year, 7 + (i % 6), 28)})
    db.session.execute(insert(Cohort), cohort_rows)
    cohorts = db.session.execute(db.select(Cohort.id, Cohort.curriculum_version_id)).all()
    user_rows = [{**_common(now), "academy_number": f"B{n:07d}", "service_number": None,
                  "first_name": f"Officer{n}", "last_name": f"Bench{n}",
                  "sex": "F" if rng.random() < 0.2 else "M", "rank": rng.choice(RANKS),
                  "unit": rng.choice(UNITS), "phone": "", "site_id": sites[n % 3].id,
                  "password_hash": "!", "active": True, "session_version": 1,
                  "must_change_password": False} for n in range(trainees)]
    db.session.execute(insert(User), user_rows)
    user_ids = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    enrol_rows = []
    for n, user_id in enumerate(user_ids):
        cohort_id, version_id = cohorts[n % len(cohorts)]
        enrol_rows.append({**_common(now), "user_id": user_id, "cohort_id": cohort_id,
                           "curriculum_version_id": version_id, "status": "active",
                           "enrolled_at": now})
    db.session.execute(insert(Enrolment), enrol_rows)
    enrolments = db.session.execute(
        db.select(Enrolment.id, Enrolment.curriculum_version_id)).all()
    attempt_rows = []
    for enrolment_id, version_id in enrolments:
        version = facts[version_id]
        keys = [k for k, a in version.assessments.items() if a["kind"] != "practical"]
        for key in keys:
            is_post = key == version.post_key
            if (key != version.pre_key and rng.random() < 0.15) or (is_post and
                                                                    rng.random() < 0.1):
                continue  # not there yet
            tries = 1 if key in (version.pre_key, version.post_key) else rng.choice((1, 1, 2))
            for number in range(1, tries + 1):
                base = 0.45 if key == version.pre_key else 0.75
                score = round(min(1.0, max(0.0, rng.gauss(base, 0.18))) * 20, 1)
                attempt_rows.append({
                    **_common(now), "enrolment_id": enrolment_id, "item_key": key,
                    "number": number, "curriculum_version_id": version_id,
                    "content_hash": "bench", "language": "fr", "status": "submitted",
                    "started_at": now, "submitted_at": now, "question_order": [],
                    "choice_order": {}, "score": score, "max_score": 20.0,
                    "pending_grading": 1 if rng.random() < 0.01 else 0})
    for start in range(0, len(attempt_rows), 20_000):
        db.session.execute(insert(Attempt), attempt_rows[start:start + 20_000])
    attempt_ids = db.session.scalars(db.select(Attempt.id)).all()
    per_attempt = max(1, -(-responses // len(attempt_ids)))
    batch, written = [], 0
    for attempt_id in attempt_ids:
        for q in range(per_attempt):
            if written >= responses:
                break
            batch.append({**_common(now), "attempt_id": attempt_id, "question_id": f"q{q}",
                          "answer": {"choices": [rng.randrange(4)]}, "saved_at": now,
                          "score": float(rng.random() < 0.6), "max_score": 1.0})
            written += 1
        if len(batch) >= 50_000:
            db.session.execute(insert(Response), batch)
            batch = []
    if batch:
        db.session.execute(insert(Response), batch)
    seed_delivery(rng, now, cohorts, enrolments, user_ids)
    seed_certificates(rng, now)
    staff = create_user(first_name="Bench", last_name="Staff", sex="F", password="bench-pass-1",
                        roles=("staff",), commit=False)
    db.session.commit()
    border = next(v for v in versions if v.programme.code == "police-des-frontieres")
    return {"attempts": len(attempt_rows), "responses": written, "staff": staff.login_id,
            "border": border.programme_id, "lubumbashi": sites[0].id}


def seed_certificates(rng, now) -> None:
    """Certificates for about 60 % of enrolments; some revoked, some replaced by a reissue."""
    from lms.certificates.models import Certificate
    from lms.training.models import Cohort, Enrolment

    rows = db.session.execute(
        db.select(Enrolment.id, Enrolment.user_id, Enrolment.curriculum_version_id, Cohort.id,
                  Cohort.programme_id, Cohort.site_id, Cohort.start_date, Cohort.end_date)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)).all()
    certificates, serial = [], 0
    for enrolment_id, user_id, version_id, cohort_id, programme_id, site_id, start, end in rows:
        if rng.random() >= 0.6:
            continue
        draw = rng.random()
        statuses = ["revoked"] if draw < 0.03 else ["superseded", "valid"] if draw < 0.08 \
            else ["valid"]
        for status in statuses:
            serial += 1
            certificates.append({
                **_common(now), "serial": f"B{serial:09d}", "user_id": user_id,
                "enrolment_id": enrolment_id, "cohort_id": cohort_id,
                "programme_id": programme_id, "curriculum_version_id": version_id,
                "site_id": site_id, "name": "Bench", "programme_code": "bench",
                "programme_title": {}, "version_label": "1", "content_hash": "bench",
                "site_name": "bench", "start_date": start, "end_date": end, "issued_at": now,
                "key_id": "bench", "token": "-", "status": status, "revoked_reason": ""})
    db.session.execute(insert(Certificate), certificates)


def seed_delivery(rng, now, cohorts, enrolments, user_ids) -> None:
    """Classes, 10 registers per cohort, vetting for everyone, and a train-the-trainer cascade."""
    from datetime import time as clock

    from lms.curricula.models import Programme
    from lms.training.models import (
        AttendanceRecord,
        ClassMeeting,
        Cohort,
        CohortClass,
        CohortTrainer,
        Enrolment,
        Qualification,
        Vetting,
    )

    db.session.execute(insert(CohortClass), [
        {**_common(now), "cohort_id": cohort_id, "name": "Classe 1"} for cohort_id, _v in cohorts])
    classes = dict(db.session.execute(db.select(CohortClass.cohort_id, CohortClass.id)).all())
    db.session.execute(insert(ClassMeeting), [
        {**_common(now), "class_id": class_id, "day": date(2026, 3, 1 + n),
         "start_time": clock(8), "register_taken_at": now}
        for class_id in classes.values() for n in range(10)])
    meetings: dict[int, list[int]] = {}
    for meeting_id, class_id in db.session.execute(db.select(ClassMeeting.id,
                                                             ClassMeeting.class_id)):
        meetings.setdefault(class_id, []).append(meeting_id)
    cohort_of = dict(db.session.execute(db.select(Enrolment.id, Enrolment.cohort_id)).all())
    statuses = ["present"] * 8 + ["late", "absent", "excused"]
    records = [{**_common(now), "meeting_id": m, "enrolment_id": eid,
                "status": rng.choice(statuses)}
               for eid, _v in enrolments for m in meetings[classes[cohort_of[eid]]]]
    for start in range(0, len(records), 50_000):
        db.session.execute(insert(AttendanceRecord), records[start:start + 50_000])
    db.session.execute(insert(Vetting), [
        {**_common(now), "user_id": uid,
         "status": "cleared" if rng.random() < 0.97 else rng.choice(("pending", "unknown"))}
        for uid in user_ids])
    tot = db.session.execute(db.select(Cohort.id).join(Programme).where(
        Programme.code == "formation-des-formateurs")).scalars().all()
    others = db.session.execute(db.select(Cohort.id, Cohort.programme_id).join(Programme).where(
        Programme.code != "formation-des-formateurs")).all()
    trainers = [uid for (eid, _v), uid in zip(enrolments, user_ids, strict=False)
                if cohort_of[eid] in tot][:60]
    db.session.execute(insert(Qualification), [
        {**_common(now), "user_id": uid, "programme_id": others[n % len(others)][1],
         "granted_on": date(2025, 6, 30), "source_cohort_id": cohort_of[enrolments[
             user_ids.index(uid)][0]]} for n, uid in enumerate(trainers)])
    db.session.execute(insert(CohortTrainer), [
        {"cohort_id": others[n % len(others)][0], "user_id": uid}
        for n, uid in enumerate(trainers)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--responses", type=int, default=500_000)
    parser.add_argument("--keep", metavar="DIR", help="seed into DIR/bench.sqlite and keep it; "
                        "reuse it if it is already there (to time again quickly)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(options.keep or tmp) / "bench.sqlite"
        reuse = path.exists()
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "LMS_CURRICULA_DIR": str(ROOT / "curricula")})
        with app.app_context():
            if reuse:
                info = existing()
            else:
                db.create_all()
                started = time.perf_counter()
                # A large page cache: the one big seeding transaction need not spill to disk.
                db.session.execute(text("PRAGMA cache_size=-262144"))
                info = seed(options.trainees, options.responses)
                print(f"seeded {options.trainees} trainees, {info['attempts']} attempts, "
                      f"{info['responses']} responses in {time.perf_counter() - started:.1f} s")
        run_timings(app, info)


def existing() -> dict:
    """The same ids as seed() returns, read from a kept database."""
    from lms.auth.models import Site, User
    from lms.curricula.models import Programme

    return {"staff": db.session.scalar(db.select(User.academy_number)
                                       .where(User.last_name == "Staff")),
            "border": db.session.scalar(db.select(Programme.id)
                                        .where(Programme.code == "police-des-frontieres")),
            "lubumbashi": db.session.scalar(db.select(Site.id)
                                            .where(Site.code == "lubumbashi"))}


def run_timings(app, info: dict) -> None:
    """Time each report service, then each page through the test client."""
    from lms.reports import delivery
    from lms.reports.filters import ReportFilter
    from lms.reports.gain import count_missing_tests, knowledge_gain, missing_tests_table
    from lms.reports.outcomes import enrolment_table, pass_rate_table

    everyone = ReportFilter()
    question = ReportFilter(programme_id=info["border"], site_id=info["lubumbashi"],
                                date_from=date(2026, 1, 1), date_to=date(2026, 12, 31),
                                sex="F")
    services = {
        "enrolment_table (all, by cohort)": lambda: enrolment_table(everyone),
        "enrolment_table (all, by unit)": lambda: enrolment_table(everyone, "unit"),
        "pass_rate_table (all)": lambda: pass_rate_table(everyone),
        "knowledge_gain (all)": lambda: knowledge_gain(everyone),
        "missing_tests_table (all, first 200)": lambda: missing_tests_table(everyone, 200),
        "count_missing_tests (all)": lambda: count_missing_tests(everyone),
        "enrolment_table (women, border, Lubumbashi, 2026)":
            lambda: enrolment_table(question),
        "knowledge_gain (women, border, Lubumbashi, 2026)": lambda: knowledge_gain(question),
        "attendance_table (all)": lambda: delivery.attendance_table(everyone),
        "cascade_table (all)": lambda: delivery.cascade_table(everyone),
        "unvetted_table (all)": lambda: delivery.unvetted_table(everyone),
    }
    print(f"{'report':58} {'seconds':>8}")
    with app.test_request_context():
        for name, run in services.items():
            print(f"{name:58} {_best_of(run):8.3f}")
    client = app.test_client()
    client.post("/login", data={"login": info["staff"], "password": "bench-pass-1"})
    q = f"programme={info['border']}&site={info['lubumbashi']}&from=2026-01-01&to=2026-12-31"
    for url in ("/reports/", "/reports/?by=unit", "/reports/gain", "/reports/assessments",
                "/reports/attendance", "/reports/trainers", "/reports/vetting",
                "/reports/quarterly?year=2026&quarter=2", f"/reports/?{q}&sex=F",
                "/reports/export/all.xlsx", "/reports/export/missing_tests.csv"):
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{'page ' + url:58} {_best_of(get):8.3f}")


def _best_of(run, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    main()
