"""Matching questions: a trainee pairs items with answers in drop-down lists, without the page
giving the pairs away, is scored per pair, and staff read per-pair item analysis."""

import re

import pytest
from sqlalchemy import select

from lms.assessment import stats
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.learning.scoring import QUESTION_TYPES
from tests.conftest import (
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)

KEY = "principes/quiz-principes"
QUIZ = "modules/principes/quiz-principes.{}.md"
MATCHING = {
    "fr": """
## Question sara
type: matching
points: 3

Associez chaque étape du modèle SARA à ce qu'elle demande.

- **S**canning -> Repérer le problème
- Analysis -> Comprendre ses causes
- Response -> Agir avec les partenaires
- -> Punir les responsables
""",
    "en": """
## Question sara
type: matching
points: 3

Match each step of the SARA model with what it asks.

- **S**canning -> Spot the problem
- Analysis -> Understand its causes
- Response -> Act with partners
- -> Punish those responsible
""",
}
_SELECT = re.compile(r'<label for="pair-(\d+)">(.*?)</label>\s*<select id="pair-\1" '
                     r'name="answer">(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="([^"]*)"\s*(selected)?>([^<]*)</option>')


@pytest.fixture()
def enrolment(tmp_path):
    folder = make_programme_folder(tmp_path)
    for lang, text in MATCHING.items():
        path = folder / QUIZ.format(lang)
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    enrolment = make_enrolment(cohort=make_cohort(publish(folder)))
    db.session.rollback()  # see what the requests write
    return enrolment


def _question(enrolment):
    quiz = enrolment.curriculum_version.structure["assessments"][KEY]["fr"]
    return next(q for q in quiz["questions"] if q["id"] == "sara")


def _open_matching_page(client, enrolment):
    """Start the quiz and open the matching question: (attempt, its URL, page)."""
    start = client.post(f"/learn/{enrolment.id}/principes/quiz-principes/start")
    attempt = db.session.get(Attempt, int(start.headers["Location"].split("/")[2]))
    number = attempt.question_order.index("sara") + 1
    url = f"/attempt/{attempt.id}/{number}"
    return attempt, url, client.get(url)


def _selects(page):
    """[(item index, label html, [(value, selected, text), ...]), ...] in page order."""
    return [(int(item), label, _OPTION.findall(options))
            for item, label, options in _SELECT.findall(page.text)]


def test_the_page_lists_shuffled_answers_without_giving_the_pairs_away(app, client, enrolment):
    login(client, enrolment.user)
    attempt, _url, page = _open_matching_page(client, enrolment)
    question = _question(enrolment)
    layout = attempt.choice_order["sara"]
    assert sorted(layout["answers"]) == [0, 1, 2, 3] and sorted(layout["items"]) == [0, 1, 2]
    selects = _selects(page)
    assert [item for item, _label, _options in selects] == layout["items"]
    assert selects[[i for i, *_ in selects].index(0)][1] == "<strong>S</strong>canning"
    shown = [question["answers"][index] for index in layout["answers"]]
    for item, _label, options in selects:
        # Every list is the same, in the attempt's order, with values that only number the
        # positions: nothing on the page ties an item to its answer.
        assert options[0] == ("", "", "Choisir…")
        assert [text for _v, _s, text in options[1:]] == shown
        assert [value for value, _s, _t in options[1:]] == [f"{item}:{p}" for p in range(4)]
    assert "correct" not in page.text and "badge ok" not in page.text
    assert "Choisissez la réponse qui va avec chaque élément." in page.text
    again = client.get(_url)
    assert _selects(again) == selects  # the same order on every reload


def test_a_trainee_pairs_items_saves_resumes_and_gets_partial_credit(app, client, enrolment):
    login(client, enrolment.user)
    attempt, url, _page = _open_matching_page(client, enrolment)
    question = _question(enrolment)
    position = {index: at for at, index in enumerate(attempt.choice_order["sara"]["answers"])}
    # Items 0 and 1 right; item 2 gets the extra wrong answer (index 3).
    picks = [f"0:{position[0]}", f"1:{position[1]}", f"2:{position[3]}"]
    saved = client.post(url, data={"answer": picks, "go": "next"})
    assert saved.status_code == 302
    db.session.rollback()
    response = db.session.scalar(select(Response).where(Response.attempt_id == attempt.id))
    assert response.answer == {"matches": [0, 1, 3]}

    page = client.get(url)  # the choices come back on the next visit
    chosen = {item: [v for v, selected, _t in options if selected]
              for item, _label, options in _selects(page)}
    assert chosen == {0: [picks[0]], 1: [picks[1]], 2: [picks[2]]}

    # The autosave of quiz.js sends the same fields: item 2 put right.
    autosave = client.post(f"/attempt/{attempt.id}/autosave", data={
        "question": "sara", "answer": picks[:2] + [f"2:{position[2]}", ""]})
    assert autosave.json == {"saved": True}
    client.post(url, data={"answer": picks, "go": "review"})  # and back to one wrong

    client.post(f"/attempt/{attempt.id}/submit")
    db.session.rollback()
    response = db.session.scalar(select(Response).where(Response.attempt_id == attempt.id))
    assert response.score == pytest.approx(2.0)  # 2 of 3 pairs of a 3-point question
    assert db.session.get(Attempt, attempt.id).score == pytest.approx(2.0)
    result = client.get(f"/attempt/{attempt.id}/result")
    assert result.status_code == 200
    table = result.text.split('<table class="pairs-review">')[1].split("</table>")[0]
    assert "Bonne réponse" in table and table.count("badge ok") == 2
    assert table.count("badge no") == 1 and "Punir les responsables" in table
    assert question["answers"][2] in table


def test_an_empty_or_forged_choice_saves_nothing(app, client, enrolment):
    login(client, enrolment.user)
    attempt, url, _page = _open_matching_page(client, enrolment)
    for forged in (["", ""], ["9:0", "0:9", "x:1", "0:-1", "1:²"]):
        client.post(url, data={"answer": forged, "go": "next"})
    db.session.rollback()
    assert db.session.scalars(select(Response).where(
        Response.attempt_id == attempt.id)).all() == []


def test_matching_scores_each_pair_like_moodle():
    question = {"type": "matching", "points": 4, "answers": ["a", "b", "c", "x"],
                "pairs": [{"html": "A", "answer": 0}, {"html": "B", "answer": 1},
                          {"html": "C", "answer": 2}, {"html": "C2", "answer": 2}]}
    matching = QUESTION_TYPES["matching"]
    layout = {"items": [3, 2, 1, 0], "answers": [3, 2, 1, 0]}  # position p shows answer 3 - p
    answer = matching.read(question, ["0:3", "1:0", "2:1", "3:1", "junk"], layout)
    assert answer == {"matches": [0, 3, 2, 2]}
    assert matching.score(question, answer) == 3.0
    assert matching.score(question, {"matches": [None, None, None, None]}) == 0.0
    assert matching.score(question, None) == 0.0
    assert matching.read(question, ["", "4:0"], layout) is None


def test_item_analysis_gives_per_pair_figures(app, client, enrolment):
    question = _question(enrolment)
    rows = [(3, 10, {"matches": [0, 1, 2]}), (1, 6, {"matches": [0, 2, 1]}),
            (0, 3, {"matches": [3, None, 1]}), (0, 2, None)]
    result = stats.question_statistics(question, rows)
    assert result["facility"] == pytest.approx(100 * 4 / 12)
    assert [(p["count"], p["percent"]) for p in result["pairs"]] == [(2, 50), (1, 25), (1, 25)]
    assert [(p["slip"], p["slip_count"]) for p in result["pairs"]] == [
        ("Punir les responsables", 1), ("Agir avec les partenaires", 1),
        ("Comprendre ses causes", 2)]
    assert result["unanswered"] == 1

    # Through the pages: a trainee takes the quiz, staff read the statistics.
    login(client, enrolment.user)
    attempt, url, _page = _open_matching_page(client, enrolment)
    position = {index: at for at, index in enumerate(attempt.choice_order["sara"]["answers"])}
    client.post(url, data={"answer": [f"0:{position[0]}", f"1:{position[2]}"]})
    client.post(f"/attempt/{attempt.id}/submit")
    reader = app.test_client()
    login(reader, make_user(roles=("staff",)))
    page = reader.get(f"/assessment/statistics/{enrolment.curriculum_version.programme.code}/"
                      f"{KEY}")
    assert page.status_code == 200
    row = page.text.split('id="q-sara"')[1].split("</tr>")[0]
    assert "Scanning → Repérer le problème\u00a0: 1 (100 %)" in row
    assert "Analysis → Comprendre ses causes\u00a0: 0 (0 %)" in row
    assert "réponse fausse la plus fréquente : Agir avec les partenaires (1)" in row


def test_a_matching_question_answered_in_part_is_shown_as_such_before_submitting(
        app, client, enrolment):
    login(client, enrolment.user)
    attempt, url, _page = _open_matching_page(client, enrolment)
    number = int(url.rsplit("/", 1)[1])
    position = {index: at for at, index in enumerate(attempt.choice_order["sara"]["answers"])}
    client.post(url, data={"answer": [f"0:{position[0]}", ""], "go": "review"})  # one of three
    review = client.get(f"/attempt/{attempt.id}/review")
    total = len(attempt.question_order)
    assert f"Réponses données : 0 sur {total}." in review.text.replace("\xa0", " ")
    row = review.text.split(f'/attempt/{attempt.id}/{number}"')[1].split("</li>")[0]
    assert "partiellement répondue" in row
    assert "ou seulement en partie" in review.text
    page = client.get(url)
    assert 'class="partial current"' in page.text
    assert "(partiellement répondue)" in page.text

    client.post(url, data={"answer": [f"{i}:{position[i]}" for i in range(3)], "go": "review"})
    review = client.get(f"/attempt/{attempt.id}/review")
    assert f"Réponses données : 1 sur {total}." in review.text.replace("\xa0", " ")
    assert "partiellement" not in review.text
