"""Regrading past attempts when a newer curriculum version corrects a quiz's answer key."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_babel
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from lms.assessment import answer_keys
from lms.assessment import regrade as svc
from lms.assessment import services as grading
from lms.assessment.models import Grade, Regrade, RegradeAttempt
from lms.audit import AuditRecord
from lms.extensions import db
from lms.learning import answers as answer_save
from lms.learning import services as learning
from lms.learning.models import Attempt, Response
from tests.assessment.helpers import ESSAY_QUIZ, make_trainer, right_values
from tests.conftest import (
    form_values,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)
from tests.sync import test_sync_rounds as rounds

QUIZ = "principes/quiz-principes"
QUIZ_FILE = "modules/principes/quiz-principes.fr.md"
ESSAY_FILE = "modules/resolution-problemes/quiz-resolution-problemes.fr.md"


def _edit(folder: Path, path: str, *pairs: tuple[str, str]) -> None:
    file = folder / path
    text = file.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    file.write_text(text, encoding="utf-8")


def _raise_version(folder: Path, version: str = "1.1.0") -> None:
    _edit(folder, "manifest.yaml", ('version: "1.0.0"', f'version: "{version}"'))


def corrected_version(tmp_path):
    """Version 1.1.0 of the programme: the principles quiz's key corrected.

    - pr4: the expected year is 2013, not 2011;
    - pr6: choices reordered, one reworded, and worth 3 points instead of 2;
    - pr1: the correct choice reworded (trainees never saw the new wording).
    """
    folder = make_programme_folder(tmp_path)
    _raise_version(folder)
    pr6 = ("## Question pr6\ntype: single\npoints: 2", "## Question pr6\ntype: single\npoints: 3")
    _edit(folder, QUIZ_FILE, ("answer: 2011", "answer: 2013"), pr6, (
        """- [ ] Il lui demande de revenir lundi, quand l'officier sera là
  > Non : un mineur disparu est une urgence.
- [x] Il enregistre la déclaration et prévient aussitôt l'officier de permanence
  > Exact : on note les informations utiles et on alerte immédiatement.
- [ ] Il lui conseille de chercher d'abord chez les voisins
  > Non : attendre fait perdre un temps précieux.
- [ ] Il attend 48 heures avant d'agir""",
        """- [x] Il enregistre la déclaration et prévient aussitôt l'officier de permanence
  > Exact : on note les informations utiles et on alerte immédiatement.
- [ ] Il lui conseille de chercher d'abord chez les voisins
  > Non : attendre fait perdre un temps précieux.
- [ ] Il lui demande de revenir lundi, quand l'officier sera là
  > Non : un mineur disparu est une urgence.
- [ ] Il attend 24 heures avant d'agir"""), (
        "- [x] Une manière de travailler avec la population pour prévenir l'insécurité",
        "- [x] Une manière de travailler avec la population pour prévenir la délinquance"))
    _edit(folder, QUIZ_FILE.replace(".fr.", ".en."), ("answer: 2011", "answer: 2013"), pr6, (
        """- [ ] Ask her to come back on Monday, when the officer in charge is there
  > No: a missing minor is an emergency.
- [x] Record the report and immediately inform the duty officer
  > Correct: write down the useful information and raise the alarm at once.""",
        """- [x] Record the report and immediately inform the duty officer
  > Correct: write down the useful information and raise the alarm at once.
- [ ] Ask her to come back on Monday, when the officer in charge is there
  > No: a missing minor is an emergency."""))
    return publish(folder)


def sit(enrolment, answers: dict[str, list[str]]) -> Attempt:
    """Sit the principles quiz with these answers (others left blank) and submit it."""
    attempt = learning.start_attempt(enrolment, QUIZ, "fr")
    for qid, values in answers.items():
        answer_save.save_response(attempt, qid, form_values(attempt, qid, values))
    return learning.submit_attempt(attempt)


def _question(version, qid, key=QUIZ):
    return next(q for q in version.structure["assessments"][key]["fr"]["questions"]
                if q["id"] == qid)


def _scores(attempt) -> dict[str, float | None]:
    return {r.question_id: r.score for r in db.session.scalars(
        select(Response).where(Response.attempt_id == attempt.id))}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app, tmp_path):
    """Three trainees sat the quiz on 1.0.0; one more on 1.1.0, whose key is corrected."""
    v1 = publish()
    cohort = make_cohort(v1)
    right = {qid: right_values(_question(v1, qid)) for qid in ("pr1", "pr2")}
    people = {}
    for first, last in (("Alice", "Amisi"), ("Bruno", "Banza"), ("Chantal", "Citenga")):
        people[first] = make_enrolment(make_user(first_name=first, last_name=last), cohort)
    # Out of 11 points, pass mark 50 %.
    attempts = {
        # 2 + 3 + 1 = 6 (pass); under 1.1.0 pr4 is wrong and pr6 is worth 3: 5 / 12 (fail).
        "Alice": sit(people["Alice"], {**right, "pr4": ["2011"]}),
        # 2 + 0 + 2 = 4 (fail); under 1.1.0: 2 + 1 + 3 = 6 / 12 (pass).
        "Bruno": sit(people["Bruno"], {"pr1": right["pr1"], "pr4": ["2013"], "pr6": ["1"]}),
        # pr6: picked "48 heures", reworded in 1.1.0: reported, not guessed.
        "Chantal": sit(people["Chantal"], {**right, "pr4": ["2011"], "pr6": ["3"]}),
    }
    v2 = corrected_version(tmp_path)
    newer = make_enrolment(make_user(first_name="Didier", last_name="Dibwe"),
                           make_cohort(v2, "Cohort B"))
    attempts["Didier"] = sit(newer, {"pr4": ["2013"]})
    staff = make_user(roles=("staff",), first_name="Esther", last_name="Staff")
    return {"v1": v1, "v2": v2, "attempts": attempts, "staff": staff,
            "programme": v1.programme}


def test_preview_lists_changed_questions_and_scores_per_trainee_and_writes_nothing(world, ctx):
    before = {name: (a.score, a.max_score) for name, a in world["attempts"].items()}
    plan = svc.plan_regrade(world["programme"], QUIZ, world["v2"])
    assert {(q.question_id, q.from_version) for q in plan.questions} == {
        ("pr4", "1.0.0"), ("pr6", "1.0.0")}
    pr4 = next(q for q in plan.questions if q.question_id == "pr4")
    assert [answer_keys.describe_change(c) for c in pr4.changes] == [
        "Réponse attendue\u00a0: 2011 ± 0 → 2013 ± 0."]
    pr6 = next(q for q in plan.questions if q.question_id == "pr6")
    assert [c["what"] for c in pr6.changes] == ["points"]  # reordering alone is no change
    assert [(p.question_id, p.reason) for p in plan.problems] == [("pr1", "new_correct_choice")]
    assert plan.up_to_date == 1  # Didier sat it on 1.1.0
    names = [t.enrolment.user.first_name for t in plan.trainees]
    assert names == ["Alice", "Bruno", "Chantal"]
    by_name = {t.enrolment.user.first_name: t for t in plan.trainees}
    alice, bruno, chantal = (by_name[n].attempts[0] for n in ("Alice", "Bruno", "Chantal"))
    assert (alice.score_before, alice.max_before, alice.score_after, alice.max_after) == (
        6, 11, 5, 12)
    assert (alice.passed_before, alice.passed_after) == (True, False)
    assert (bruno.score_before, bruno.score_after, bruno.max_after) == (4, 6, 12)
    assert (bruno.passed_before, bruno.passed_after) == (False, True)
    assert (by_name["Bruno"].passed_before, by_name["Bruno"].passed_after) == (False, True)
    # Chantal's pr6 answer cannot be matched: kept as it was, worth 2 as it was.
    assert (chantal.score_before, chantal.score_after, chantal.max_after) == (6, 5, 11)
    assert chantal.problems == {"pr6": "choice_unmatched"}
    assert [(a.enrolment.user.first_name, q) for a, q in plan.unmatched] == [("Chantal", "pr6")]
    db.session.expire_all()
    assert {n: (a.score, a.max_score) for n, a in world["attempts"].items()} == before
    assert count(Regrade) == 0 and count(RegradeAttempt) == 0


def test_applying_rescores_only_the_corrected_questions_and_records_who_and_what(world, ctx):
    alice = world["attempts"]["Alice"]
    untouched = {qid: s for qid, s in _scores(alice).items() if qid not in ("pr4", "pr6")}
    audits = count(AuditRecord)
    regrade = svc.apply_regrade(world["staff"], world["programme"], QUIZ, world["v2"])
    db.session.expire_all()
    scores = _scores(alice)
    assert scores["pr4"] == 0 and {q: scores[q] for q in untouched} == untouched
    assert (alice.score, alice.max_score) == (5, 12)
    assert alice.curriculum_version_id == world["v1"].id  # the pin is kept
    bruno = world["attempts"]["Bruno"]
    assert _scores(bruno) == {"pr1": 2, "pr4": 1, "pr6": 3}
    pr6 = db.session.scalar(select(Response).where(Response.attempt_id == bruno.id,
                                                   Response.question_id == "pr6"))
    assert pr6.max_score == 3 and pr6.answer == {"choices": [1]}  # the answer stays as given
    chantal = world["attempts"]["Chantal"]
    assert _scores(chantal)["pr6"] == 0 and chantal.max_score == 11
    didier = world["attempts"]["Didier"]
    assert (didier.score, didier.max_score) == (1, 12)

    assert regrade.applied_by_id == world["staff"].id and regrade.to_version_id == world["v2"].id
    rows = {r.attempt_id: r for r in regrade.attempts}
    assert set(rows) == {alice.id, bruno.id, chantal.id}
    assert rows[alice.id].questions["pr4"] == {
        "before": 1.0, "after": 0.0, "max_before": 1.0, "max_after": 1.0,
        "response": db.session.scalar(select(Response.uuid).where(
            Response.attempt_id == alice.id, Response.question_id == "pr4"))}
    assert rows[alice.id].questions["pr6"]["response"] is None  # asked, not answered
    assert (rows[bruno.id].passed_before, rows[bruno.id].passed_after) == (False, True)
    assert rows[chantal.id].problems == {"pr6": "choice_unmatched"}
    assert [p["question"] for p in regrade.problems] == ["pr1"]
    assert count(AuditRecord) == audits + 1
    entry = db.session.scalar(select(AuditRecord).order_by(AuditRecord.id.desc()))
    assert entry.action == "quiz.regrade" and entry.actor_id == world["staff"].id
    assert entry.target_id == regrade.uuid
    assert entry.before["scores"][bruno.uuid] == [4, 11]
    assert entry.after["scores"][bruno.uuid] == [6, 12]


def test_applying_twice_changes_nothing_the_second_time(world, ctx):
    assert svc.apply_regrade(world["staff"], world["programme"], QUIZ, world["v2"])
    db.session.expire_all()
    scores = {n: (a.score, a.max_score, a.updated_at) for n, a in world["attempts"].items()}
    counts = (count(Regrade), count(RegradeAttempt), count(AuditRecord))
    plan = svc.plan_regrade(world["programme"], QUIZ, world["v2"])
    assert plan.attempts == [] and plan.up_to_date == 4
    assert svc.apply_regrade(world["staff"], world["programme"], QUIZ, world["v2"]) is None
    db.session.expire_all()
    assert {n: (a.score, a.max_score, a.updated_at)
            for n, a in world["attempts"].items()} == scores
    assert (count(Regrade), count(RegradeAttempt), count(AuditRecord)) == counts


def test_a_later_correction_regrades_from_the_key_last_applied(world, ctx, tmp_path):
    svc.apply_regrade(world["staff"], world["programme"], QUIZ, world["v2"])
    folder = make_programme_folder(tmp_path / "v3")
    _raise_version(folder, "1.2.0")
    # 1.2.0 keeps 1.1.0's corrections and now also accepts 2011 or 2013 (tolerance 2).
    for path in (QUIZ_FILE, QUIZ_FILE.replace(".fr.", ".en.")):
        _edit(folder, path, ("answer: 2011\ntolerance: 0", "answer: 2012\ntolerance: 1"), (
            "## Question pr6\ntype: single\npoints: 2", "## Question pr6\ntype: single\npoints: 3"))
    v3 = publish(folder)
    plan = svc.plan_regrade(world["programme"], QUIZ, v3)
    changes = {(q.question_id, q.from_version): q for q in plan.questions}
    # pr4 from 1.1.0's key, already applied to the 1.0.0 attempts (and Didier's own); pr6 from
    # 1.0.0 for Chantal alone: the choice she picked exists again in 1.2.0.
    assert set(changes) == {("pr4", "1.1.0"), ("pr6", "1.0.0")}
    assert changes[("pr4", "1.1.0")].attempts == 4 and changes[("pr6", "1.0.0")].attempts == 1
    svc.apply_regrade(world["staff"], world["programme"], QUIZ, v3)
    db.session.expire_all()
    alice, chantal = world["attempts"]["Alice"], world["attempts"]["Chantal"]
    assert _scores(alice)["pr4"] == 1 and (alice.score, alice.max_score) == (6, 12)
    assert _scores(chantal)["pr6"] == 0 and (chantal.score, chantal.max_score) == (6, 12)
    assert [r.regrade.to_version.version for r in svc.attempt_regrades(alice)] == [
        "1.1.0", "1.2.0"]


def test_a_version_that_corrects_nothing_regrades_nothing(app, ctx, tmp_path):
    v1 = publish()
    enrolment = make_enrolment(cohort=make_cohort(v1))
    sit(enrolment, {"pr4": ["2011"]})
    folder = make_programme_folder(tmp_path)
    _raise_version(folder)
    v2 = publish(folder)
    plan = svc.plan_regrade(v1.programme, QUIZ, v2)
    assert plan.questions == [] and plan.attempts == [] and plan.problems == []
    assert svc.apply_regrade(None, v1.programme, QUIZ, v2) is None
    assert count(Regrade) == 0


def test_hand_graded_essays_are_never_touched(app, ctx, tmp_path):
    v1 = publish()
    cohort = make_cohort(v1)
    trainer = make_trainer(cohort)
    enrolment = make_enrolment(cohort=cohort)
    attempt = learning.start_attempt(enrolment, ESSAY_QUIZ, "fr")
    answer_save.save_response(attempt, "rp5", form_values(attempt, "rp5", ["4"]))
    answer_save.save_response(attempt, "rp6", ["Je repère, j'analyse, je réponds, j'évalue."])
    learning.submit_attempt(attempt)
    essay = db.session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                     Response.question_id == "rp6"))
    grading.grade_response(trainer, essay, "4", "Bien", 0)
    grade = db.session.scalar(select(Grade))
    grade_before = (grade.score, grade.max_score, grade.version, len(grade.history))
    folder = make_programme_folder(tmp_path)
    _raise_version(folder)
    points = ("## Question rp6\ntype: essay\npoints: 6", "## Question rp6\ntype: essay\npoints: 8")
    for path in (ESSAY_FILE, ESSAY_FILE.replace(".fr.", ".en.")):
        _edit(folder, path, ("answer: 4", "answer: 5"), points)
    v2 = publish(folder)
    plan = svc.plan_regrade(v1.programme, ESSAY_QUIZ, v2)
    assert [q.question_id for q in plan.questions] == ["rp5"]
    assert [(p.question_id, p.reason) for p in plan.problems] == [("rp6", "essay")]
    regrade = svc.apply_regrade(trainer, v1.programme, ESSAY_QUIZ, v2)
    assert set(regrade.attempts[0].questions) == {"rp5"}
    db.session.expire_all()
    assert (essay.score, essay.max_score) == (4, 6)
    grade = db.session.scalar(select(Grade))
    assert (grade.score, grade.max_score, grade.version, len(grade.history)) == grade_before
    assert (attempt.score, attempt.max_score) == (4, attempt.max_score)


def test_a_quiz_missing_from_the_version_or_another_programme_is_refused(app, ctx, tmp_path):
    v1 = publish()
    other = publish(Path(__file__).resolve().parents[2] / "curricula" / "police-des-mines")
    with pytest.raises(svc.RegradeError, match="n'est pas une version"):
        svc.plan_regrade(v1.programme, QUIZ, other)
    with pytest.raises(svc.RegradeError, match="n'a pas de quiz"):
        svc.plan_regrade(v1.programme, "principes/nope", v1)
    with pytest.raises(svc.RegradeError, match="pratique"):
        svc.plan_regrade(v1.programme, "principes/accueil-plainte", v1)


def test_choices_are_matched_by_index_only_when_their_text_is_unchanged():
    old = {"choices": [{"html": "A"}, {"html": "B"}, {"html": "C"}, {"html": "D"}]}
    new = {"choices": [{"html": "A"}, {"html": "C"}, {"html": "B"}, {"html": "D2"}]}
    assert answer_keys.choice_mapping(old, new) == [0, 2, 1, None]
    twice = {"choices": [{"html": "B"}, {"html": "B"}]}
    assert answer_keys.choice_mapping({"choices": [{"html": "X"}, {"html": "B"}]},
                                      twice) == [None, 1]


# Through the staff pages ------------------------------------------------------------------------

def _figures():
    db.session.expire_all()
    return ({a.id: (a.score, a.max_score) for a in db.session.scalars(select(Attempt))},
            {r.id: (r.score, r.max_score) for r in db.session.scalars(select(Response))},
            count(Regrade), count(RegradeAttempt), count(AuditRecord))


def _preview_url(world):
    return f"/assessment/regrade/police-de-proximite/{QUIZ}/{world['v2'].id}"


def test_staff_preview_writes_nothing_then_apply_regrades_and_the_trainee_sees_it(world, client):
    staff = world["staff"]
    alice_attempt = world["attempts"]["Alice"].id
    login(client, staff)
    stats_page = client.get(f"/assessment/statistics/police-de-proximite/{QUIZ}")
    regrades_url = f"/assessment/regrade/police-de-proximite/{QUIZ}"
    assert regrades_url in stats_page.text
    listing = client.get(regrades_url)
    assert "Aucun recalcul pour l'instant." in unescape(listing.text)
    assert _preview_url(world) in listing.text
    before = _figures()
    preview = client.get(_preview_url(world))
    assert preview.status_code == 200
    text = re.sub(r"[ \t\r\n]+", " ", unescape(preview.text))
    assert "Rien n'a encore changé." in text
    assert "Réponse attendue\u00a0: 2011 ± 0 → 2013 ± 0." in text
    assert "Points\u00a0: 2 → 3." in text
    assert "Alice AMISI" in text and "Bruno BANZA" in text and "Chantal CITENGA" in text
    assert "Didier" not in text  # sat it on 1.1.0
    assert "6 / 11 → <strong>5 / 12</strong>" in text
    assert "Appliquer le recalcul à 3 tentatives" in text
    assert _figures() == before  # the preview wrote nothing
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview.text).group(1)

    applied = client.post(_preview_url(world), data={"fingerprint": fingerprint})
    assert applied.status_code == 302
    detail = client.get(applied.headers["Location"])
    assert ("Recalcul appliqué\u00a0: 3 tentatives recalculées, 3 notes modifiées, "
            "3 résultats (réussi ou non) modifiés.") in detail.text
    assert "Esther STAFF" in detail.text and "version 1.1.0" in detail.text
    db.session.expire_all()
    assert db.session.get(Attempt, alice_attempt).score == 5
    assert count(Regrade) == 1
    assert "version 1.1.0" in client.get(regrades_url).text
    stats_page = unescape(client.get(f"/assessment/statistics/police-de-proximite/{QUIZ}").text)
    assert "3 de ces tentatives ont été recalculées après une correction du corrigé" in stats_page

    again = client.post(_preview_url(world), data={"fingerprint": fingerprint})
    assert "Rien à recalculer" in client.get(again.headers["Location"]).text
    assert count(Regrade) == 1

    trainee = client.application.test_client()
    login(trainee, world["attempts"]["Alice"].enrolment.user)
    result = trainee.get(f"/attempt/{alice_attempt}/result")
    text = re.sub(r"[ \t\r\n]+", " ", unescape(result.text))
    # In the reader's language ("26 nov. 2026"), on the academy's calendar (UTC+2).
    today = format_date(datetime.now(ZoneInfo("Africa/Lubumbashi")).date(), locale="fr")
    assert f"Note recalculée le {today} après la rectification du corrigé." in text
    assert "Votre note\u00a0: <strong>5 / 12" in text
    assert "corrigé rectifié" in text  # on the corrected questions
    quiz_page = trainee.get(f"/learn/{world['attempts']['Alice'].enrolment_id}/{QUIZ}")
    assert f"recalculée le {today}" in quiz_page.text


def test_a_preview_gone_stale_is_not_applied(world, client):
    login(client, world["staff"])
    preview = client.get(_preview_url(world))
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', preview.text).group(1)
    late = make_enrolment(make_user(first_name="Fanny", last_name="Fataki"),
                          world["attempts"]["Alice"].enrolment.cohort)
    sit(late, {"pr4": ["2011"]})
    before = _figures()
    response = client.post(_preview_url(world), data={"fingerprint": fingerprint})
    assert response.headers["Location"].endswith(_preview_url(world))
    page = unescape(client.get(response.headers["Location"]).text)
    assert "Les tentatives ont changé depuis l'affichage de cet aperçu" in page
    assert "Fanny FATAKI" in page
    assert _figures() == before


@pytest.mark.parametrize("role", ["trainer", "trainee"])
def test_only_staff_may_preview_or_apply_a_regrade(world, client, role):
    login(client, make_user(roles=(role,)))
    before = _figures()
    assert client.get(_preview_url(world)).status_code == 403
    assert client.post(_preview_url(world), data={}).status_code == 403
    assert client.get(f"/assessment/regrade/police-de-proximite/{QUIZ}").status_code == 403
    assert _figures() == before


def test_the_curriculum_version_page_links_each_quiz_to_its_regrade_preview(world, client):
    login(client, world["staff"])
    newer = client.get(f"/curricula/versions/{world['v2'].id}").text
    assert _preview_url(world) in newer
    assert "Recalculer\u00a0: Quiz — Les principes de la police de proximité" in newer
    oldest = client.get(f"/curricula/versions/{world['v1'].id}").text
    assert "/assessment/regrade/" not in oldest  # nothing older to correct


def test_the_command_previews_by_default_and_applies_with_apply(world, runner):
    before = _figures()
    preview = runner.invoke(args=["lms", "quiz", "regrade", QUIZ, "--version", "1.1.0"])
    assert preview.exit_code == 0, preview.output
    # All in the server's language (French here): no English line among French ones.
    assert ("Alice AMISI (Cohort A) tentative 1 : 6/11 -> 5/12, réussi -> non réussi"
            in preview.output)
    assert "3 tentative(s) à recalculer" in preview.output
    assert "rien n’a été modifié" in preview.output
    assert not any(word in preview.output for word in ("attempt", "regrade", "passed", "from "))
    assert _figures() == before
    refused = runner.invoke(args=["lms", "quiz", "regrade", QUIZ, "--version", "9.9"])
    assert refused.exit_code == 1 and "Aucune version publiée 9.9" in refused.output
    app = runner.app
    app.config["LMS_DEFAULT_LOCALE"] = "en"  # a server whose language is English
    flask_babel.refresh()
    english = runner.invoke(args=["lms", "quiz", "regrade", QUIZ, "--version", "1.1.0"])
    assert "Alice AMISI (Cohort A) attempt 1: 6/11 -> 5/12, passed -> not passed" in \
        english.output
    assert not any(word in english.output for word in ("tentative", "réussi", "version 1.0.0 :"))
    app.config["LMS_DEFAULT_LOCALE"] = "fr"
    flask_babel.refresh()
    applied = runner.invoke(args=["lms", "quiz", "regrade", QUIZ, "--version", "1.1.0", "--apply",
                                  "--by", world["staff"].login_id])
    assert applied.exit_code == 0, applied.output
    assert "Appliqué : recalcul" in applied.output
    db.session.expire_all()
    assert db.session.scalar(select(Regrade.applied_by_id)) == world["staff"].id
    again = runner.invoke(args=["lms", "quiz", "regrade", QUIZ, "--version", "1.1.0", "--apply"])
    assert "Rien à recalculer." in again.output and count(Regrade) == 1


# Between servers ----------------------------------------------------------------------------------

network = rounds.network  # a central server and two classroom labs (tests/sync)


def test_a_regrade_made_at_the_academy_reaches_the_lab_where_the_quiz_was_sat(network, tmp_path):
    central, lab_a, _lab_b = network
    rounds._carry(central, lab_a, "Lab A")
    attempt_uuid = rounds._take_quiz(lab_a, "PNC-1")  # every answer right on 1.0.0: 11 / 11
    rounds._carry(lab_a, central, "Academy")
    with rounds.on(central):
        v2 = corrected_version(tmp_path)
        staff = make_user(roles=("staff",), first_name="Esther", last_name="Staff")
        regrade = svc.apply_regrade(staff, v2.programme, QUIZ, v2)
        assert [r.score_after for r in regrade.attempts] == [11]  # pr4 lost, pr6 worth 3
    rounds._carry(central, lab_a, "Lab A")
    with rounds.on(lab_a):
        attempt = db.session.scalar(select(Attempt).where(Attempt.uuid == attempt_uuid))
        assert (attempt.score, attempt.max_score) == (11, 12)
        [row] = svc.attempt_regrades(attempt)
        # The academy's staff member is not part of the lab's data: the name still says who.
        assert row.regrade.applied_by_id is None and row.regrade.applied_by_name == "Esther STAFF"
        assert row.questions["pr4"]["after"] == 0
    rounds._carry(central, lab_a, "Lab A")  # the same again: nothing twice
    with rounds.on(lab_a):
        assert (count(Regrade), count(RegradeAttempt)) == (1, 1)
