"""Quiz rules enforced on the server: time limit, opening dates, feedback, shuffling, pools."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.assessment import services as svc
from lms.curricula.parser import check_programme
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from tests.assessment.helpers import make_trainer
from tests.conftest import (
    choice,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    publish,
)

QUIZ = "principes/quiz-principes"  # time_limit: 20, shuffled
T0 = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)


def test_answer_after_the_time_limit_and_grace_is_refused_and_the_attempt_closes(app, ctx):
    enrolment = make_enrolment()
    attempt = learning.start_attempt(enrolment, QUIZ, "fr", now=T0)
    q1, q2 = attempt.question_order[:2]
    # Within the 30 s grace after 20 minutes: still stored.
    answer_save.save_response(attempt, q1, choice(attempt.id, q1, 0),
                           now=T0 + timedelta(minutes=20, seconds=25))
    assert attempt.is_open
    with pytest.raises(learning.AttemptClosed, match="Le temps est écoulé"):
        answer_save.save_response(attempt, q2, choice(attempt.id, q2, 0),
                               now=T0 + timedelta(minutes=20, seconds=31))
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.status == "submitted"
    assert learning.as_utc(attempt.submitted_at) == T0 + timedelta(minutes=20)
    saved = set(db.session.scalars(select(Response.question_id).where(
        Response.attempt_id == attempt.id)))
    assert saved == {q1}


def test_an_overdue_attempt_closes_itself_when_attempts_are_listed(app, ctx):
    enrolment = make_enrolment()
    attempt = learning.start_attempt(enrolment, QUIZ, "fr", now=T0)
    listed = learning.list_attempts(enrolment, QUIZ, now=T0 + timedelta(minutes=19))
    assert listed[0].is_open
    listed = learning.list_attempts(enrolment, QUIZ, now=T0 + timedelta(minutes=21))
    assert listed[0].status == "submitted" and listed[0].id == attempt.id
    # The next start is a new attempt, not the expired one.
    again = learning.start_attempt(enrolment, QUIZ, "fr", now=T0 + timedelta(minutes=22))
    assert again.number == 2


def test_an_overdue_attempt_is_submitted_when_the_trainee_opens_a_question(app, client):
    enrolment = make_enrolment()
    attempt = learning.start_attempt(enrolment, QUIZ, "fr",
                                     now=datetime.now(UTC) - timedelta(minutes=30))
    login(client, enrolment.user)
    page = client.get(f"/attempt/{attempt.id}/1")
    assert page.status_code == 302 and page.headers["Location"].endswith("/result")
    db.session.rollback()
    assert db.session.get(Attempt, attempt.id).status == "submitted"


def _schedule(cohort, opens, closes, key=QUIZ):
    staff = make_trainer(cohort)
    return svc.set_schedule(staff, cohort, key, opens, closes)


def test_a_trainee_cannot_start_outside_the_cohort_window(app, client):
    cohort = make_cohort()
    enrolment = make_enrolment(cohort=cohort)
    _schedule(cohort, T0, T0 + timedelta(days=1))
    # Stored in UTC, told in the academy's time (Lubumbashi, UTC+2).
    with app.test_request_context():
        with pytest.raises(learning.QuizNotOpen, match="ouvre le 02/04/2026 10:00"):
            learning.start_attempt(enrolment, QUIZ, "fr", now=T0 - timedelta(minutes=1))
        with pytest.raises(learning.QuizNotOpen, match="a fermé le 03/04/2026 10:00"):
            learning.start_attempt(enrolment, QUIZ, "fr", now=T0 + timedelta(days=2))
    assert learning.start_attempt(enrolment, QUIZ, "fr", now=T0 + timedelta(hours=1)).number == 1
    # Through the pages: the window (now in the past) is closed, the start button is gone.
    other = make_enrolment(cohort=cohort)
    login(client, other.user)
    page = client.get(f"/learn/{other.id}/{QUIZ}")
    assert "Ce quiz a fermé le" in page.text and "Commencer le quiz" not in page.text
    started = client.post(f"/learn/{other.id}/{QUIZ}/start", follow_redirects=True)
    assert "Ce quiz a fermé le" in started.text
    db.session.rollback()
    assert db.session.scalar(select(Attempt).where(Attempt.enrolment_id == other.id)) is None


def test_closing_time_also_ends_an_open_attempt(app, ctx):
    cohort = make_cohort()
    enrolment = make_enrolment(cohort=cohort)
    _schedule(cohort, T0, T0 + timedelta(minutes=5))
    attempt = learning.start_attempt(enrolment, QUIZ, "fr", now=T0 + timedelta(minutes=1))
    with pytest.raises(learning.AttemptClosed):
        answer_save.save_response(attempt, attempt.question_order[0],
                               choice(attempt.id, attempt.question_order[0], 0),
                               now=T0 + timedelta(minutes=6))


def test_after_close_feedback_shows_only_once_the_quiz_has_closed(app, tmp_path, ctx):
    folder = make_programme_folder(tmp_path)
    quiz_file = folder / "modules/principes/quiz-principes.fr.md"
    for lang in ("fr", "en"):
        path = folder / f"modules/principes/quiz-principes.{lang}.md"
        path.write_text(path.read_text().replace("feedback: immediate", "feedback: after_close"))
    assert "after_close" in quiz_file.read_text()
    cohort = make_cohort(publish(folder))
    enrolment = make_enrolment(cohort=cohort)
    _schedule(cohort, T0, T0 + timedelta(hours=2))
    attempt = learning.start_attempt(enrolment, QUIZ, "fr", now=T0)
    learning.submit_attempt(attempt, now=T0 + timedelta(minutes=5))
    quiz = learning.quiz_of(attempt)
    assert not learning.feedback_visible(attempt, quiz, now=T0 + timedelta(hours=1))
    assert learning.feedback_visible(attempt, quiz, now=T0 + timedelta(hours=2))


def test_shuffled_order_is_stable_for_an_attempt_and_differs_between_attempts(app, client):
    enrolment = make_enrolment()
    first = learning.start_attempt(enrolment, QUIZ, "fr")
    assert learning.start_attempt(enrolment, QUIZ, "fr").id == first.id  # resumed, same order
    login(client, enrolment.user)
    pages = [re.sub(r'name="csrf_token" value="[^"]+"', "", client.get(
        f"/attempt/{first.id}/1").text) for _ in range(2)]
    assert pages[0] == pages[1]  # same question, same choice order (tokens aside)
    learning.submit_attempt(first)
    orders = {tuple(first.question_order)}
    for _ in range(2):
        attempt = learning.start_attempt(enrolment, QUIZ, "fr")
        orders.add(tuple(attempt.question_order))
        assert sorted(attempt.question_order) == sorted(first.question_order)
        learning.submit_attempt(attempt)
    assert len(orders) > 1  # seeded per attempt: 3 attempts of 7 questions all equal is ~1/25M


def _pool_folder(tmp_path, draw="draw: {loi: 2}"):
    folder = make_programme_folder(tmp_path)
    for lang in ("fr", "en"):
        path = folder / f"modules/principes/quiz-principes.{lang}.md"
        text = path.read_text().replace("grading: best", f"grading: best\n{draw}")
        for qid in ("pr1", "pr3", "pr4"):
            text = text.replace(f"## Question {qid}\n", f"## Question {qid}\ntags: loi\n")
        path.write_text(text)
    return folder


def test_the_checker_refuses_a_draw_larger_than_its_tagged_questions(tmp_path, ctx):
    folder = _pool_folder(tmp_path, "draw: {loi: 4}")
    _structure, problems = check_programme(folder)
    errors = [p for p in problems.errors if "draw" in p.text]
    assert errors and errors[0].line == 11
    assert "draw demande 4 questions avec l'étiquette" in errors[0].text
    assert "le quiz n'en a que 3 (pr1, pr3, pr4)" in errors[0].text
    assert errors[0].path.endswith("quiz-principes.fr.md")


def test_a_pool_draws_the_same_questions_on_reload_and_the_right_number(app, tmp_path, ctx):
    cohort = make_cohort(publish(_pool_folder(tmp_path)))
    structure = cohort.curriculum_version.structure
    quiz = structure["assessments"][QUIZ]["fr"]
    assert quiz["settings"]["draw"] == {"loi": 2}
    drawn_sets = set()
    # The draw is seeded by the enrolment's random UUID: with 3 possible pairs, 6 enrolments
    # all draw the same pair once in 243 runs, 30 once in about 10**14.
    for _ in range(30):
        enrolment = make_enrolment(cohort=cohort)
        attempt = learning.start_attempt(enrolment, QUIZ, "fr")
        assert learning.start_attempt(enrolment, QUIZ, "fr").question_order == \
            attempt.question_order
        ids = set(attempt.question_order)
        assert len(ids) == 7 - 1  # 4 untagged + 2 of the 3 tagged
        assert len(ids & {"pr1", "pr3", "pr4"}) == 2
        expected_max = sum(q["points"] for q in quiz["questions"] if q["id"] in ids)
        assert attempt.max_score == expected_max
        drawn_sets.add(frozenset(ids & {"pr1", "pr3", "pr4"}))
        with pytest.raises(learning.UnknownItem):
            missing = ({"pr1", "pr3", "pr4"} - ids).pop()
            answer_save.save_response(attempt, missing, ["0"])
    assert len(drawn_sets) > 1


def test_quiz_dates_are_typed_and_read_in_the_academys_time_zone(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    login(client, trainer)
    saved = client.post(f"/assessment/cohorts/{cohort.id}/schedule", data={
        "item": QUIZ, "opens_at": "2026-04-02T08:00", "closes_at": "2026-04-02T17:30"})
    assert saved.status_code == 302
    db.session.rollback()
    window = learning.schedule_for(cohort.id, QUIZ)
    # 08:00 in Lubumbashi is 06:00 UTC.
    assert learning.as_utc(window.opens_at) == datetime(2026, 4, 2, 6, 0, tzinfo=UTC)
    assert learning.as_utc(window.closes_at) == datetime(2026, 4, 2, 15, 30, tzinfo=UTC)
    page = client.get(f"/assessment/cohorts/{cohort.id}/schedule").text
    assert 'value="2026-04-02T08:00"' in page and 'value="2026-04-02T17:30"' in page
    assert "Africa/Lubumbashi, UTC+02:00" in page
    trainee = make_enrolment(cohort=cohort)
    reader = app.test_client()
    login(reader, trainee.user)
    assert "Ouverture\u00a0: 02/04/2026 08:00" in reader.get(f"/learn/{trainee.id}/{QUIZ}").text


def test_a_kinshasa_server_reads_dates_one_hour_behind(tmp_path):
    from lms import create_app
    from lms.i18n import local_to_utc, timezone_label, utc_to_local

    kinshasa = create_app({"TESTING": True, "SECRET_KEY": "k", "LMS_TIMEZONE": "Africa/Kinshasa",
                           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite'}"})
    with kinshasa.test_request_context():
        assert local_to_utc(datetime(2026, 4, 2, 8, 0)) == datetime(2026, 4, 2, 7, 0, tzinfo=UTC)
        assert utc_to_local(datetime(2026, 4, 2, 7, 0, tzinfo=UTC)) == datetime(2026, 4, 2, 8, 0)
        assert timezone_label() == "Africa/Kinshasa, UTC+01:00"


def test_an_unknown_time_zone_stops_the_app_at_start_up(tmp_path):
    from lms import create_app

    with pytest.raises(RuntimeError, match="LMS_TIMEZONE: unknown time zone 'Africa/Atlantis'"):
        create_app({"TESTING": True, "SECRET_KEY": "k", "LMS_TIMEZONE": "Africa/Atlantis",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
