"""Bad input never gives a 500 and never half-writes (property-based, with hypothesis)."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.curricula.parser import check_programme
from lms.extensions import db
from lms.learning.models import Response
from tests.conftest import login, make_enrolment

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

QUIZ_LINES = st.sampled_from([
    "## Question q1", "## Question q1", "## Question", "## Questionnaire x", "type: single",
    "type: multiple", "type: numeric", "type: short", "type: essay", "type: truefalse",
    "type: bogus", "points: 2", "points: -1", "points: abc", "answer: 3,5", "answer: x",
    "tolerance: 0.1", "match: loose", "match: weird", "tags: a, b", "- [x] Oui", "- [ ] Non",
    "- [X] Peut-être", "  > Bravo", "  suite du choix", "Texte de la question ?", "",
    "# Titre", "<script>alert(1)</script>", "[lien](nulle-part)", "---", "title: T",
])


@SETTINGS
@given(lines=st.lists(QUIZ_LINES, max_size=40),
       front=st.sampled_from(["---\ntitle: Quiz\n---\n", "---\ntitle: [\n---\n", "", "---\n"]))
def test_the_checker_reports_problems_and_never_crashes_on_any_quiz_text(tmp_path_factory,
                                                                            lines, front):
    folder = tmp_path_factory.mktemp("prog") / "prog"
    (folder / "modules" / "m").mkdir(parents=True)
    (folder / "manifest.yaml").write_text(
        "id: prog\nversion: '1'\nlanguages: [fr]\ntitle: T\n"
        "modules:\n  - id: m\n    title: M\n    assessments: [quiz]\n", encoding="utf-8")
    (folder / "modules" / "m" / "quiz.fr.md").write_text(front + "\n".join(lines),
                                                          encoding="utf-8")
    structure, problems = check_programme(folder)
    for problem in problems.items:
        assert problem.path.startswith("prog/") and problem.line >= 1
        assert str(problem)  # the message renders whatever the file holds
    if not problems.errors:
        assert structure["assessments"]["m/quiz"]["fr"]["questions"]


@SETTINGS
@given(text=st.text(alphabet=string.printable + "éèàçÉ«»\x00\u202e", max_size=300))
def test_the_manifest_parser_never_crashes(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("prog") / "prog"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(text, encoding="utf-8")
    _structure, problems = check_programme(folder)
    assert problems.errors or _structure is not None


@SETTINGS
@given(values=st.lists(st.one_of(st.text(max_size=60), st.integers().map(str),
                                 st.sampled_from(["0", "1", "-1", "99", "1e309", "NaN", ""])),
                       max_size=5),
       go=st.sampled_from(["next", "prev", "review", "0", "999", "abc", ""]))
def test_any_posted_answer_is_stored_cleanly_or_refused_never_a_500(app, values, go):
    client = app.test_client()
    enrolment = make_enrolment()
    login(client, enrolment.user)
    start = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start")
    url = start.headers["Location"]
    attempt_id = int(url.split("/")[2])
    for number in (1, 2):
        response = client.post(f"/attempt/{attempt_id}/{number}",
                               data={"answer": values, "go": go})
        assert response.status_code in (302, 400, 413)
    count = db.session.scalar(select(func.count()).select_from(Response)
                              .where(Response.attempt_id == attempt_id))
    assert count <= 2
    assert client.post(f"/attempt/{attempt_id}/submit").status_code == 302
    assert client.get(f"/attempt/{attempt_id}/result").status_code == 200


def test_an_oversized_answer_is_refused_with_a_message_and_shown_back(app, client):
    app.config["LMS_MAX_ANSWER_CHARS"] = 100
    enrolment = make_enrolment()
    login(client, enrolment.user)
    url = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start").headers["Location"]
    response = client.post(url, data={"answer": "x" * 101})
    assert response.status_code == 413
    assert "trop longue" in response.text


def test_an_oversized_upload_is_refused_with_a_page(app, client):
    enrolment = make_enrolment()
    login(client, enrolment.user)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    url = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start").headers["Location"]
    response = client.post(url, data={"answer": "y" * 5000})
    assert response.status_code == 413
    assert "trop grand" in response.text
