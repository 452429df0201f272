"""Item analysis against a small hand-computed data set; versions are never mixed."""

import math

import pytest

from lms.assessment import stats
from tests.assessment.helpers import make_attempt, make_trainer
from tests.conftest import (
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)

QUESTION = {"id": "q", "type": "single", "points": 1, "stem_html": "<p>?</p>",
            "choices": [{"html": "A", "correct": True}, {"html": "B", "correct": False},
                        {"html": "C", "correct": False}]}


def test_facility_discrimination_and_efficiency_by_hand():
    # item scores x = 1 0 1 0; test totals 5 3 2 1, so rest-of-test = 4 3 1 1.
    rows = [(1, 5, {"choices": [0]}), (0, 3, {"choices": [1]}), (1, 2, {"choices": [0]}),
            (0, 1, {"choices": [2]})]
    result = stats.question_statistics(QUESTION, rows)
    assert result["facility"] == pytest.approx(50)
    # r = 0.5 / sqrt(1 * 6.75); best possible with sorted values = 2.5 / sqrt(6.75).
    assert result["discrimination"] == pytest.approx(100 * 0.5 / math.sqrt(6.75))
    assert result["efficiency"] == pytest.approx(20)
    assert result["sd"] == pytest.approx(100 * math.sqrt(1 / 3))
    assert [c["count"] for c in result["choices"]] == [2, 1, 1]
    assert [c["percent"] for c in result["choices"]] == [50, 25, 25]


def test_no_spread_gives_no_discrimination_rather_than_a_number():
    rows = [(1, 3, None), (1, 2, None)]
    result = stats.question_statistics(QUESTION, rows)
    assert result["facility"] == 100 and result["discrimination"] is None
    assert result["unanswered"] == 2


def test_statistics_use_first_attempts_and_keep_versions_apart(app, client, tmp_path):
    v1 = publish()
    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.0.0"', 'version: "1.1.0"'))
    v2 = publish(folder)
    assert v1.content_hash != v2.content_hash
    key = "principes/quiz-principes"
    first = make_cohort(v1, "Old intake")
    second = make_cohort(v2, "New intake")
    ids = [q["id"] for q in v1.structure["assessments"][key]["fr"]["questions"]]
    for index in range(3):
        e = make_enrolment(make_user(), first)
        make_attempt(e, key, {qid: 0 for qid in ids}, answers={ids[0]: {"choices": [index]}})
        make_attempt(e, key, {qid: 1 for qid in ids}, number=2)  # retakes are left out
    e = make_enrolment(make_user(), second)
    make_attempt(e, key, {ids[0]: 2})
    results = stats.quiz_statistics(v1.programme_id, key, "fr")
    by_hash = {r["content_hash"]: r for r in results}
    assert by_hash[v1.content_hash]["attempts"] == 3
    assert by_hash[v2.content_hash]["attempts"] == 1
    old = by_hash[v1.content_hash]["questions"][0]
    assert old["facility"] == 0 and [c["count"] for c in old["choices"]][:3] == [1, 1, 1]
    staff = make_user(roles=("staff",))
    login(client, staff)
    page = client.get(f"/assessment/statistics/{v1.programme.code}/{key}")
    assert page.status_code == 200
    assert "2 versions différentes du contenu" in page.text
    assert v1.content_hash[:12] in page.text and v2.content_hash[:12] in page.text


def test_a_trainer_reads_the_statistics_of_the_cohorts_they_teach_only(app, client, tmp_path):
    version = publish()
    key = "principes/quiz-principes"
    mine, theirs = make_cohort(version, "Mine"), make_cohort(version, "Theirs")
    ids = [q["id"] for q in version.structure["assessments"][key]["fr"]["questions"]]
    for cohort, count in ((mine, 2), (theirs, 3)):
        for _ in range(count):
            make_attempt(make_enrolment(make_user(), cohort), key, {qid: 1 for qid in ids})
    trainer = make_trainer(mine)
    assert stats.statistics_scope(trainer, version.programme_id) == {mine.id}
    login(client, trainer)
    index = client.get("/assessment/statistics")
    assert index.status_code == 200 and f"/statistics/{version.programme.code}/{key}" in index.text
    url = f"/assessment/statistics/{version.programme.code}/{key}"
    page = client.get(url)
    assert page.status_code == 200
    assert "2 premières tentatives" in page.text  # their own cohort's two, not the other's three
    assert "/regrades/" not in page.text  # regrading is staff work

    # A trainer of no cohort of this programme: the page does not exist for them.
    other = app.test_client()
    login(other, make_trainer(make_cohort(publish(make_programme_folder(
        tmp_path, "police-des-mines")), "Elsewhere")))
    assert other.get(url).status_code == 404
    assert version.programme.code not in other.get("/assessment/statistics").text
    trainee = app.test_client()
    login(trainee, make_user())
    assert trainee.get(url).status_code == 403
