"""Attendance: everyone present by default, corrections keep history, rates with known answers."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.training import attendance as att
from lms.training.models import AttendanceChange, AttendanceRecord, ClassMeeting
from lms.training.services import TrainingError
from tests.conftest import login, make_user
from tests.training.factories import class_with_trainees, meeting


def test_a_register_saved_untouched_marks_everyone_present(app):
    _cohort, cohort_class, trainer, enrolments = class_with_trainees(3)
    found = meeting(cohort_class)
    att.save_register(found, {}, trainer)
    statuses = db.session.scalars(select(AttendanceRecord.status).where(
        AttendanceRecord.meeting_id == found.id)).all()
    assert statuses == ["present"] * 3
    assert found.register_source == "live" and found.register_entered_by_id == trainer.id


def test_a_correction_keeps_who_when_before_and_after(app):
    _cohort, cohort_class, trainer, enrolments = class_with_trainees(2)
    found = meeting(cohort_class)
    att.save_register(found, {}, trainer)
    staff = make_user(roles=("staff",))
    with pytest.raises(TrainingError, match="demande un motif"):  # a correction says why
        att.save_register(found, {enrolments[0].id: "late"}, staff)
    assert att.corrections(found) == []
    changed = att.save_register(found, {enrolments[0].id: "late"}, staff,
                                reason="Arrived at 8:40, noted on the paper sheet")
    assert changed == 1
    [change] = att.corrections(found)
    assert (change.before, change.after, change.changed_by_id) == ("present", "late", staff.id)
    assert change.reason == "Arrived at 8:40, noted on the paper sheet"
    assert change.record.enrolment_id == enrolments[0].id
    assert att.save_register(found, {enrolments[0].id: "late"}, staff) == 0  # no new change


def test_rates_count_late_as_present_and_leave_excused_out(app):
    cohort, cohort_class, trainer, (first, second) = class_with_trainees(2)
    meetings = [meeting(cohort_class, day=date(2026, 4, d)) for d in (1, 2, 3, 4)]
    for found, status in zip(meetings, ("present", "late", "absent", "excused"), strict=True):
        att.save_register(found, {first.id: status, second.id: "absent"}, trainer)
    rates = att.rates_for_cohort(cohort.id)
    assert (rates[first.id].attended, rates[first.id].counted) == (2, 3)
    assert rates[first.id].percent == 66.7
    assert rates[second.id].percent == 0.0
    total = att.cohort_rate(cohort.id)
    assert (total.attended, total.counted, total.excused) == (2, 7, 1)
    assert total.percent == 28.6


def test_trainer_takes_the_register_on_one_page(app, client):
    _cohort, cohort_class, trainer, (first, second, third) = class_with_trainees(3)
    found = meeting(cohort_class)
    login(client, trainer)
    page = client.get(f"/training/meetings/{found.id}/register")
    assert page.status_code == 200
    assert page.text.count('value="present" checked') == 3
    client.post(f"/training/meetings/{found.id}/register",
                data={f"status-{second.id}": "absent", f"status-{third.id}": "excused"})
    db.session.rollback()
    statuses = dict(db.session.execute(select(AttendanceRecord.enrolment_id,
                                              AttendanceRecord.status)).all())
    assert statuses == {first.id: "present", second.id: "absent", third.id: "excused"}
    # A correction typed in later from the paper sheet, by someone else.
    staff = make_user(roles=("staff",))
    other = app.test_client()
    login(other, staff)
    refused = other.post(f"/training/meetings/{found.id}/register",
                         data={f"status-{second.id}": "late", f"status-{third.id}": "excused",
                               "from_paper": "1"})
    assert refused.status_code == 200 and "une correction demande un motif" in refused.text
    other.post(f"/training/meetings/{found.id}/register",
               data={f"status-{second.id}": "late", f"status-{third.id}": "excused",
                     "from_paper": "1", "reason": "Feuille papier : arrivé à 8 h 40"})
    db.session.rollback()
    reloaded = db.session.get(ClassMeeting, found.id)
    assert reloaded.register_source == "paper" and reloaded.register_entered_by_id == staff.id
    change = db.session.scalar(select(AttendanceChange))
    assert (change.before, change.after, change.changed_by_id) == ("absent", "late", staff.id)
    history = other.get(f"/training/meetings/{found.id}/register").text
    assert "Corrections" in history and staff.display_name in history
    assert "Feuille papier : arrivé à 8 h 40" in history
    rates = client.get(f"/training/cohorts/{cohort_class.cohort_id}/attendance").text
    assert 'id="cohort-rate">100\u00a0%' in rates  # present + late, excused left out


def test_paper_sign_in_sheet_lists_the_class(app, client):
    _cohort, cohort_class, trainer, enrolments = class_with_trainees(2)
    found = meeting(cohort_class)
    login(client, trainer)
    sheet = client.get(f"/training/meetings/{found.id}/sheet")
    assert sheet.status_code == 200
    for enrolment in enrolments:
        assert enrolment.user.display_name in sheet.text
    assert "Signature" in sheet.text


def test_another_trainer_cannot_open_the_register(app, client):
    _cohort, cohort_class, _trainer, _enrolments = class_with_trainees(1)
    found = meeting(cohort_class)
    login(client, make_user(roles=("trainer",)))
    assert client.get(f"/training/meetings/{found.id}/register").status_code == 404
    assert client.post(f"/training/meetings/{found.id}/register").status_code == 404
    assert client.get(f"/training/meetings/{found.id}/sheet").status_code == 404
