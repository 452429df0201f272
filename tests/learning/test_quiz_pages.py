"""Quiz pages as a trainee meets them: no new attempt offered after the last one, the time
left above the question buttons, and a result page in the order the trainee saw the choices,
with a wrong choice named as such."""

import re

from sqlalchemy import select

from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import Attempt
from tests.conftest import choice, login, make_enrolment

PARTNERSHIP = "partenariat/quiz-partenariat"  # max_attempts: 3
PRINCIPLES = "principes/quiz-principes"  # time_limit: 20, shuffle_choices, feedback immediate


def test_after_the_last_allowed_attempt_no_new_attempt_is_offered(app, client):
    enrolment = make_enrolment()
    for _ in range(3):
        learning.submit_attempt(learning.start_attempt(enrolment, PARTNERSHIP, "fr"))
    login(client, enrolment.user)
    page = client.get(f"/learn/{enrolment.id}/{PARTNERSHIP}").text
    assert "Commencer une nouvelle tentative" not in page and "/start" not in page
    assert "Vous avez utilisé toutes les tentatives permises pour ce quiz (3)" in page


def test_the_time_left_comes_before_the_question_and_its_buttons(app, client):
    enrolment = make_enrolment()
    login(client, enrolment.user)
    url = client.post(f"/learn/{enrolment.id}/{PRINCIPLES}/start").headers["Location"]
    page = client.get(url).text
    assert page.index('id="countdown"') < page.index("<fieldset") < page.index('class="qnav"')


def test_the_result_lists_choices_as_seen_and_names_a_wrong_choice(app, client):
    db.session.rollback()
    enrolment = make_enrolment()
    login(client, enrolment.user)
    url = client.post(f"/learn/{enrolment.id}/{PRINCIPLES}/start").headers["Location"]
    attempt_id = int(url.split("/")[2])
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt_id)
    qid = next(q for q in attempt.question_order
               if learning.question_of(attempt, q)["type"] == "single"
               and attempt.choice_order[q] != sorted(attempt.choice_order[q]))
    question = learning.question_of(attempt, qid)
    wrong = next(i for i, c in enumerate(question["choices"]) if not c["correct"])
    number = attempt.question_order.index(qid) + 1
    client.post(f"/attempt/{attempt_id}/{number}",
                data={"answer": choice(attempt_id, qid, wrong), "go": "next"})
    client.post(f"/attempt/{attempt_id}/submit")
    result = client.get(f"/attempt/{attempt_id}/result").text
    item = next(li for li in result.split('<div class="stem">')[1:]
                if question["stem_html"][:40] in li)
    shown = [question["choices"][i]["html"] for i in attempt.choice_order[qid]]
    positions = [item.index(html) for html in shown]
    assert positions == sorted(positions)  # the attempt's order, not the file's
    assert "mauvaise réponse" in item
    assert not re.search(r"\(\d+(,\d+)?/20\)", item)  # no mark out of 20 per question
    db.session.rollback()
    assert db.session.scalar(select(Attempt.status).where(Attempt.id == attempt_id)) == \
        "submitted"
