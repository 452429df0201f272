"""A trainer tries a quiz as a trainee sees it: answers checked in memory, nothing stored."""

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.learning.models import Attempt, Response
from tests.assessment.helpers import make_trainer
from tests.conftest import login, make_cohort, make_enrolment, make_user

QUIZ = "principes/quiz-principes"


def test_a_trainer_tries_a_quiz_and_nothing_is_stored(app, client):
    cohort = make_cohort()
    trainer = make_trainer(cohort)
    quiz = cohort.curriculum_version.structure["assessments"][QUIZ]["fr"]
    login(client, trainer)
    url = f"/assessment/cohorts/{cohort.id}/preview/{QUIZ}"
    assert url in client.get(f"/assessment/cohorts/{cohort.id}").text  # offered per quiz
    page = client.get(url).text
    assert "Rien n’est enregistré" in page or "Rien n'est enregistré" in page
    key = re.search(r'name="preview" value="([0-9a-f]{16})"', page).group(1)
    single = next(q for q in quiz["questions"] if q["type"] == "single")
    right = next(i for i, c in enumerate(single["choices"]) if c["correct"])
    # The choice values hide the file's order, as on a trainee's page.
    values = re.findall(rf'name="answer-{single["id"]}" value="([0-9a-f]+)"', page)
    assert len(values) == len(single["choices"]) and not any(v.isdigit() for v in values)
    from lms.learning.choices import choice_value

    checked = client.post(url, data={"preview": key, f"answer-{single['id']}":
                                     choice_value(key, single["id"], right)}).text
    assert f"{single['points']:g} / {quiz['max_points']:g} points" in checked
    assert "bonne réponse" in checked
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0

    outsider = app.test_client()
    login(outsider, make_trainer(make_cohort(name="Other")))
    assert outsider.get(url).status_code == 404
    trainee = app.test_client()
    login(trainee, make_enrolment(make_user(), cohort).user)
    assert trainee.get(url).status_code == 403
