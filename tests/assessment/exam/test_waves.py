"""Exam day: a quiz opens in waves; early trainees wait on a page that moves on by itself."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assessment import services as grading
from lms.assessment import waves
from lms.base import utcnow
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt
from lms.training.services import create_class, enrol
from tests.assessment.helpers import make_trainer
from tests.conftest import login, make_cohort, make_user

QUIZ = "principes/quiz-principes"  # time limit: 20 minutes


def _exam(wave_by="class", size=0, every=300, opens=None, classes=2, per_class=2):
    """A cohort with classes of trainees and a quiz opening in waves."""
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    groups = []
    for c in range(classes):
        group = create_class(cohort, f"Classe {c + 1}")
        groups.append([enrol(make_user(last_name=f"C{c}T{t}"), cohort, cohort_class=group)
                       for t in range(per_class)])
    db.session.commit()
    opens = opens or utcnow().replace(microsecond=0)
    grading.set_schedule(trainer, cohort, QUIZ, opens, opens + timedelta(hours=4))
    waves.set_exam_options(trainer, cohort, QUIZ, wave_by, size, every, False)
    return cohort, trainer, groups, opens


def test_each_class_opens_in_its_own_wave_and_times_count_from_each_start(app, ctx):
    cohort, _trainer, (first, second), opens = _exam()
    schedule = learning.schedule_for(cohort.id, QUIZ)
    assert waves.opening_for(schedule, first[0]) == opens
    assert waves.opening_for(schedule, second[1]) == opens + timedelta(seconds=300)
    started = learning.start_attempt(first[0], QUIZ, "fr", now=opens + timedelta(seconds=5))
    with pytest.raises(waves.WaveNotOpen) as refused:
        learning.start_attempt(second[0], QUIZ, "fr", now=opens + timedelta(seconds=5))
    assert refused.value.wave == 2 and refused.value.opens_at == opens + timedelta(seconds=300)
    late = learning.start_attempt(second[0], QUIZ, "fr", now=opens + timedelta(seconds=301))
    # The 20 minutes count from each trainee's own start.
    assert learning.deadline(started) == opens + timedelta(seconds=5, minutes=20)
    assert learning.deadline(late) == opens + timedelta(seconds=301, minutes=20)


def test_waves_of_a_number_of_trainees_follow_enrolment_order(app, ctx):
    cohort, _trainer, groups, opens = _exam("count", size=3, every=60, classes=2, per_class=3)
    schedule = learning.schedule_for(cohort.id, QUIZ)
    everyone = groups[0] + groups[1]
    assert [waves.wave_of(schedule, e) for e in everyone] == [0, 0, 0, 1, 1, 1]
    rows = waves.exam_roster(cohort, QUIZ, now=opens)
    assert [(r.wave, r.status) for r in rows] == [(1, "may_start")] * 3 + [(2, "waiting")] * 3
    assert waves.wave_times(rows) == [(1, opens, 3), (2, opens + timedelta(seconds=60), 3)]


def test_a_far_wave_is_told_to_come_back_and_settings_are_checked(app, ctx):
    cohort, trainer, (_first, second), opens = _exam(every=4 * 3600)
    with pytest.raises(learning.QuizNotOpen) as refused:
        learning.start_attempt(second[0], QUIZ, "fr", now=opens)
    assert not isinstance(refused.value, waves.WaveNotOpen)
    with pytest.raises(waves.ExamSettingsError):
        waves.set_exam_options(trainer, cohort, QUIZ, "count", 0, 60, False)
    with pytest.raises(learning.UnknownItem):
        waves.set_exam_options(trainer, cohort, "principes/accueil-plainte", "", 0, 0, False)


def test_an_early_trainee_waits_on_a_page_that_moves_on_by_itself(app, client):
    opens = utcnow().replace(microsecond=0) - timedelta(seconds=30)
    cohort, trainer, (first, second), _opens = _exam(every=600, opens=opens)
    login(client, second[0].user)
    start = client.post(f"/learn/{second[0].id}/{QUIZ}/start")
    assert start.location.endswith(f"/learn/{second[0].id}/{QUIZ}/wait")
    page = client.get(start.location)
    refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', page.text)
    assert refresh and 1 <= int(refresh.group(1)) <= 60 and "<script" not in page.text.split(
        "<main")[-1].split("</main>")[0]
    assert "Ce quiz ouvre pour vous le" in page.text
    # The quiz page itself sends an early trainee to the waiting page; no attempt yet.
    assert client.get(f"/learn/{second[0].id}/{QUIZ}").location.endswith("/wait")
    db.session.rollback()
    assert db.session.scalar(select(Attempt).where(Attempt.enrolment_id == second[0].id)) is None
    # The first class is open: its trainee starts and reaches question 1.
    client.post("/logout")
    login(client, first[0].user)
    assert client.get(f"/learn/{first[0].id}/{QUIZ}/wait").location.endswith(f"/{QUIZ}")
    assert "/attempt/" in client.post(f"/learn/{first[0].id}/{QUIZ}/start").location
    # The trainer sees who started and who waits, on a page that refreshes itself.
    client.post("/logout")
    login(client, trainer)
    follow = client.get(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}/follow")
    assert follow.status_code == 200 and 'http-equiv="refresh"' in follow.text
    counts = "Commencé : 1. En attente : 2. Peuvent commencer : 1. Remis : 0."
    assert counts.replace(" :", "\u00a0:") in follow.text


def test_the_trainer_sets_waves_on_the_exam_page_and_it_is_audited(app, client):
    cohort, trainer, _groups, _opens = _exam(wave_by="")
    login(client, trainer)
    page = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}", data={
        "wave_by": "count", "wave_size": "25", "wave_every": "90", "anonymous": "y"},
        follow_redirects=True)
    assert "Réglages de l'examen enregistrés." in html.unescape(page.text)
    db.session.rollback()
    schedule = learning.schedule_for(cohort.id, QUIZ)
    assert (schedule.wave_by, schedule.wave_size, schedule.wave_every, schedule.anonymous) == (
        "count", 25, 90, True)
    from lms.audit import AuditRecord

    assert db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "quiz.exam_options")).after["wave_size"] == 25
    refused = client.post(f"/assessment/cohorts/{cohort.id}/exam/{QUIZ}", data={
        "wave_by": "count", "wave_size": "0", "wave_every": "90"})
    assert "nombres entiers" in refused.text
