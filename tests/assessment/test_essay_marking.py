"""Essays marked with a guide, a model answer and criteria written in the quiz file: checked
with file and line, shown to the grader, scored from the levels chosen, shown to the trainee;
a mark's history shows who changed it, when, from what to what, and why."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.assessment import services as svc
from lms.curricula.parser import check_programme
from lms.extensions import db
from lms.learning.models import Response
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer, sit_quiz
from tests.conftest import login, make_cohort, make_enrolment, make_programme_folder, publish

QUIZ = "modules/resolution-problemes/quiz-resolution-problemes"
RUBRIC = {
    "fr": """
### Critère analyse
Repérage et analyse

- 0: Pas d'analyse
- 1: Analyse partielle
- 3: Victime, auteur et lieu analysés

### Critère evaluation
Évaluation du résultat

- 0: Pas d'évaluation
- 3: Évaluation mesurable
""",
    "en": """
### Criterion analyse
Scanning and analysis

- 0: No analysis
- 1: Partial analysis
- 3: Victim, offender and place analysed

### Criterion evaluation
Assessment of the result

- 0: No assessment
- 3: A measurable assessment
"""}


def _with_rubric(tmp_path: Path, rubric=RUBRIC) -> Path:
    """The community policing programme, its essay rp6 (6 points) marked with a rubric."""
    folder = make_programme_folder(tmp_path)
    for lang, text in rubric.items():
        path = folder / f"{QUIZ}.{lang}.md"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return folder


def test_the_checker_reports_a_rubric_that_does_not_add_up_and_a_guide_out_of_place(tmp_path):
    folder = _with_rubric(tmp_path, {lang: text.replace("- 3: Évaluation mesurable", "- 2: x")
                                     .replace("- 3: A measurable assessment", "- 2: x")
                                     for lang, text in RUBRIC.items()})
    principes = folder / "modules/principes/quiz-principes.fr.md"
    text = principes.read_text(encoding="utf-8")
    principes.write_text(text + "\n### Guide\nPas ici.\n", encoding="utf-8")
    _structure, problems = check_programme(folder)
    found = [(p.path, p.line, p.text) for p in problems.errors]
    essay_line = next(n for n, line in enumerate(
        (folder / f"{QUIZ}.fr.md").read_text(encoding="utf-8").split("\n"), start=1)
        if line == "## Question rp6")
    assert any(path.endswith(f"{QUIZ}.fr.md") and line == essay_line and "add up to 5" in text
               and "worth 6" in text for path, line, text in found), found
    guide_line = text.count("\n") + 2
    assert any(path.endswith("quiz-principes.fr.md") and line == guide_line
               and "only an essay question" in text for path, line, text in found), found


def test_a_trainer_marks_an_essay_with_its_criteria_and_the_trainee_sees_them(
        app, client, tmp_path):
    version = publish(_with_rubric(tmp_path))
    cohort = make_cohort(version)
    trainer = make_trainer(cohort, first_name="Alice", last_name="Kabila")
    enrolment = make_enrolment(cohort=cohort)
    attempt = sit_quiz(enrolment)
    essay = db.session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                     Response.question_id == "rp6"))
    with pytest.raises(svc.GradingError, match="evaluation"):
        svc.grade_response(trainer, essay, "", "", 0, levels={"analyse": "3"})
    login(client, trainer)
    page = client.get(f"/assessment/responses/{essay.id}")
    assert "Grille de correction" in page.text and "Victime, auteur et lieu analysés" in page.text
    assert 'name="c-analyse" value="3"' in page.text and 'id="score"' not in page.text
    saved = client.post(f"/assessment/responses/{essay.id}", data={
        "c-analyse": "1", "c-evaluation": "3", "comment": "Analyse trop courte.",
        "version": "0"})
    assert saved.status_code == 302
    db.session.rollback()
    grade = svc.grade_for(svc.response_subject(essay))
    assert (grade.score, grade.criteria) == (4, {"analyse": 1, "evaluation": 3})
    # Changed with a reason: the history says who, when, from what to what and why.
    client.post(f"/assessment/responses/{essay.id}", data={
        "c-analyse": "3", "c-evaluation": "3", "comment": "Analyse trop courte.",
        "reason": "Relu : la victime et le lieu sont analysés en page 2.", "version": "1"})
    page = client.get(f"/assessment/responses/{essay.id}")
    history = page.text.split("Historique de cette note")[-1]
    assert "Alice KABILA" in history and "première note : 4 / 6" in history
    assert "de 4 à 6 / 6" in history and "Relu : la victime et le lieu" in history

    svc.release_grades(trainer, svc.cohort_grades(cohort, ESSAY_QUIZ))
    trainee = app.test_client()
    login(trainee, enrolment.user)
    result = trainee.get(f"/attempt/{attempt.id}/result").text
    assert "Repérage et analyse" in result and "Victime, auteur et lieu analysés" in result
    assert "Analyse trop courte." in result and "6 / 6 points" in result
