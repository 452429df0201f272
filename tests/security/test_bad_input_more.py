"""Bad input to roster import and grading never gives a 500 and never half-writes (hypothesis)."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.assessment.models import Grade
from lms.auth.models import User
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.training.roster import RosterError, commit_import, parse_roster, prepare_import
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer
from tests.conftest import login, make_cohort, make_enrolment, make_user

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

CELLS = st.one_of(st.text(max_size=20), st.sampled_from(
    ["F", "M", "Féminin", "Homme", "x", "", "PNC-1", "PNC-1", "=cmd|' /C calc'!A0", "é" * 300]))
HEADERS = st.lists(st.sampled_from(["matricule", "nom", "postnom", "prénom", "sexe", "grade",
                                    "unité", "téléphone", "colonne", ""]), max_size=9)


@st.composite
def roster_files(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, max_size=10), max_size=8))
    separator = draw(st.sampled_from([";", ",", "\t"]))
    text = "\n".join(separator.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = draw(st.binary(max_size=200)) + data
    return data


@SETTINGS
@given(data=roster_files())
@example(data=b"\xfe\xff\xef\xbb\xbf")
def test_a_roster_file_is_read_or_refused_with_a_message(app, data):
    try:
        parsed = parse_roster("roster.csv", data)
    except RosterError as exc:
        assert str(exc)
        return
    for row in parsed.rows:
        assert row["line"] >= 2


@SETTINGS
@given(data=roster_files())
@example(data=b"\xfe\xff\xef\xbb\xbf")  # a UTF-16 mark, then an odd number of bytes
def test_importing_any_roster_all_or_nothing_leaves_no_half_intake(app, data):
    cohort = make_cohort()
    staff = make_user(roles=("staff",))
    users_before = db.session.scalar(select(func.count()).select_from(User))
    try:
        pending = prepare_import(cohort, staff, "roster.csv", data)
    except RosterError:
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before
        return
    has_problems = bool(pending.problems)
    try:
        created = commit_import(pending, staff, "all")
    except Exception as exc:  # a refusal must be a rule for people, not a crash
        assert exc.__class__.__name__.endswith(("Error", "Problems", "Refused")), exc
        created = []
    db.session.rollback()
    users_after = db.session.scalar(select(func.count()).select_from(User))
    if has_problems:
        assert users_after == users_before
    else:
        assert users_after == users_before + len(created)


@SETTINGS
@given(score=st.one_of(st.text(max_size=12), st.sampled_from(
           ["3", "2,5", "-1", "1e9", "nan", "inf", "", " 4 ", "0x10", "٣"])),
       comment=st.text(max_size=300))
@example(score="3", comment="\x00")  # PostgreSQL refuses NUL in text: it must not reach it
def test_any_grade_typed_is_saved_within_bounds_or_refused(app, score, comment):
    cohort = make_cohort()
    enrolment = make_enrolment(cohort=cohort)
    trainer = make_trainer(cohort)
    attempt = learning.start_attempt(enrolment, ESSAY_QUIZ, "fr")
    essay = next(q for q in learning.quiz_of(attempt)["questions"] if q["type"] == "essay")
    response_id = answer_save.save_response(attempt, essay["id"], ["Réponse."])
    learning.submit_attempt(attempt)
    client = app.test_client()
    login(client, trainer)
    page = client.post(f"/assessment/responses/{response_id}",
                       data={"score": score, "comment": comment, "version": "0"})
    assert page.status_code in (200, 302, 400, 409)
    grade = db.session.scalar(select(Grade).where(Grade.response_id == response_id))
    if grade is not None:
        assert 0 <= grade.score <= essay["points"]
        assert "\x00" not in (grade.comment or "")
