"""`flask lms demo`: a living academy dated from today, loaded once, never into real data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.assessment.services import grading_queue
from lms.audit import AuditRecord
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.demo import academy_today
from lms.extensions import db
from lms.learning.models import Attempt
from lms.sync.models import SyncPeer
from lms.training.models import (
    AttendanceChange,
    AttendanceRecord,
    ClassMeeting,
    Cohort,
    Enrolment,
    PendingImport,
    Qualification,
    Vetting,
)
from lms.training.progress import cohort_overview
from tests.test_cli import fresh, invoke  # noqa: F401  (the `fresh` fixture)

MODELS = (User, Cohort, Enrolment, ClassMeeting, AttendanceRecord, AttendanceChange, Attempt,
          Certificate, Qualification, Vetting, SyncPeer, PendingImport, AuditRecord)


def counts() -> tuple[int, ...]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in MODELS)


def cohort(name: str) -> Cohort:
    return db.session.scalar(select(Cohort).where(Cohort.name.like(f"%{name}%")))


def test_demo_holds_a_living_academy_dated_from_today(demo_app, demo_world):
    output = demo_world[1]
    for login in ("ADMIN-001", "STAFF-001", "FORM-001", "PNC-1001", "PNC-1006", "FORM-002"):
        assert login in output
    today = academy_today()
    mbuji = cohort("Mbuji-Mayi")
    assert mbuji.start_date == today - timedelta(days=70)
    assert mbuji.start_date < today < mbuji.end_date
    assert [(c.name, len(c.enrolments), c.trainer.login_id) for c in mbuji.classes] == [
        ("Classe A", 20, "FORM-001"), ("Classe B", 20, "FORM-002")]
    # Both trainers were qualified by the Kasapa train-the-trainer session.
    tot = cohort("Formation des formateurs")
    sources = {q.user.login_id: q.source_cohort_id for q in db.session.scalars(
        select(Qualification).where(Qualification.programme_id == mbuji.programme_id))}
    assert sources["FORM-001"] == sources["FORM-002"] == tot.id
    # A class meets today, its register not taken yet; past registers are, with a correction.
    meetings = [m for c in mbuji.classes for m in c.meetings]
    assert any(m.day == today and m.register_taken_at is None for m in meetings)
    assert all(m.register_taken_at for m in meetings if m.day < today)
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) >= 1
    statuses = set(db.session.scalars(select(AttendanceRecord.status)))
    assert {"present", "absent", "late", "excused"} <= statuses
    overview = cohort_overview(mbuji, "fr", today)
    assert len(overview.at_risk) == 2
    assert all(t.reasons for t in overview.at_risk)
    assert grading_queue(User.by_login("FORM-001"), mbuji.id)  # essays wait for Grâce
    assert overview.by_sex["F"] > 0 and overview.by_sex["M"] > 0
    # The border intake is finished and certified: one revoked, one reissued, one to issue.
    border = cohort("frontières")
    assert border.end_date < today
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.cohort_id == border.id)).all()
    assert {c.status for c in certificates} == {"valid", "revoked", "superseded"}
    assert any(u.unit.endswith("(DGM)") for u in (e.user for e in border.enrolments))
    assert cohort("mines") is not None
    assert db.session.scalar(select(SyncPeer)).site_code == "mbuji-mayi"
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 1


def test_running_the_demo_again_changes_nothing(fresh):  # noqa: F811
    first = invoke(fresh, "demo", "--trainees", "6")
    assert first.exit_code == 0, first.output
    before = counts()
    assert before[1] == 4  # cohorts
    again = invoke(fresh, "demo")
    assert again.exit_code == 0, again.output
    assert "PNC-1001" in again.output
    assert counts() == before


def test_demo_refuses_a_database_holding_real_data(fresh):  # noqa: F811
    from lms.auth.services import create_user

    assert invoke(fresh, "init").exit_code == 0
    create_user(first_name="Marie", last_name="Kasongo", sex="F", password="mot-de-passe-1",
                service_number="PNC-7788")
    before = counts()
    refused = invoke(fresh, "demo")
    assert refused.exit_code == 1
    assert "données réelles" in refused.output and "Traceback" not in refused.output
    assert counts() == before
