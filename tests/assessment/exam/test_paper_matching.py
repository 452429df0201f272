"""A matching question on paper: one line per item, its letter typed or read from a photo."""


from lms.assessment.paper import scan
from lms.assessment.paper import services as paper
from lms.assessment.paper import sheet as geometry
from tests.assessment.exam.test_scan import photograph, render_sheet, tick
from tests.assessment.helpers import make_trainer
from tests.learning.test_matching import KEY, enrolment  # noqa: F401  (the fixture)


def test_matching_items_are_typed_or_read_by_letter_and_scored_per_pair(app, ctx, enrolment):  # noqa: F811
    trainer = make_trainer(enrolment.cohort)
    sheet = paper.prepare_papers(trainer, enrolment.cohort, KEY, "fr")[0]
    attempt = sheet.attempt
    matching = next(q for q in paper.paper_questions(attempt)
                    if q.question["type"] == "matching")
    answers_order = attempt.choice_order["sara"]["answers"]
    right = "".join(paper.LETTERS[answers_order.index(matching.question["pairs"][item]["answer"])]
                    for item in matching.items)
    # Read from a photo: one line of boxes per item.
    image = render_sheet(sheet)
    rows = [r for r in geometry.sheet_rows(paper.paper_questions(attempt))
            if r.question is matching or r.question.number == matching.number]
    for row, letter in zip(rows, right, strict=True):
        tick(image, row, matching.letters.index(letter))
    readings = scan.read_rows(scan.straighten(photograph(image, angle=-4)),
                              geometry.sheet_rows(paper.paper_questions(attempt)))
    assert [r.letters for r in readings if r.label.startswith(f"{matching.number}.")] == list(right)
    # Typed: the letters of the items in printed order; scored per pair as online.
    answers = paper.read_paper(attempt, {matching.number: right})
    done = paper.enter_paper(trainer, sheet, answers)
    response = next(r for r in done.responses if r.question_id == "sara")
    assert response.score == matching.question["points"]
    assert response.answer == {"matches": [p["answer"] for p in matching.question["pairs"]]}
