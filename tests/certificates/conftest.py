"""Certificate fixtures: a signing key, a programme whose rules can all be met, passed quizzes."""

from __future__ import annotations

import pytest
import yaml

from lms.certificates import services as svc
from lms.certificates import signing
from lms.extensions import db
from lms.learning.models import Attempt
from lms.learning.services import ordered_items
from tests.conftest import make_cohort, make_enrolment, make_programme_folder, make_user, publish


@pytest.fixture
def key_id(app):
    """The academy's signing key, made in the test's instance folder."""
    return signing.generate_key(svc.key_folder())


@pytest.fixture
def quiz_only_version(app, tmp_path):
    """Community policing with certificate rules on quizzes and post-test only."""
    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    data["certificate"] = {"modules_passed": "all", "post_test_passed": True}
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return publish(folder)


@pytest.fixture
def three_year_version(app, tmp_path):
    """Community policing whose certificates are valid 36 months."""
    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    data["certificate"] = {"modules_passed": "all", "post_test_passed": True,
                           "validity_months": 36}
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return publish(folder)


def take(enrolment, key: str, percent: float = 100, pending: int = 0) -> Attempt:
    """Record a submitted attempt at an assessment with the given score."""
    version = enrolment.curriculum_version
    number = 1 + sum(1 for _ in db.session.scalars(
        db.select(Attempt.id).where(Attempt.enrolment_id == enrolment.id,
                                    Attempt.item_key == key)))
    attempt = Attempt(enrolment_id=enrolment.id, item_key=key, number=number,
                      curriculum_version_id=version.id, content_hash=version.content_hash,
                      language="fr", question_order=[], choice_order={}, status="submitted",
                      score=percent / 10, max_score=10, pending_grading=pending)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def pass_everything(enrolment) -> None:
    """Pass every quiz and the post-test of the enrolment's programme."""
    for item in ordered_items(enrolment.curriculum_version.structure):
        if item["kind"] in ("quiz", "post_test"):
            take(enrolment, item["key"])


def eligible_enrolment(version, cohort=None, **user_fields):
    """An enrolment in `version`'s cohort that meets every rule."""
    user = make_user(**user_fields)
    enrolment = make_enrolment(user, cohort or make_cohort(version))
    pass_everything(enrolment)
    return enrolment


def meet_every_rule(enrolment, grader) -> None:
    """Meet every certificate rule of the enrolment's programme: quizzes, post-test, one
    register with the trainee present, every practical at its best level (by `grader`)."""
    from datetime import date, time

    from lms.assessment.services import record_practical
    from lms.learning.services import assessment_for
    from lms.training import services as training
    from lms.training.attendance import save_register

    pass_everything(enrolment)
    cohort = enrolment.cohort
    if enrolment.cohort_class is None:
        enrolment.cohort_class = (cohort.classes[0] if cohort.classes
                                  else training.create_class(cohort, "Classe Z"))
        db.session.flush()
    meeting = training.create_meeting(enrolment.cohort_class, day=date(2026, 4, 1),
                                      start=time(8, 0), room="Salle 1")
    db.session.commit()
    save_register(meeting, {enrolment.id: "present"}, grader)
    db.session.commit()
    structure = enrolment.curriculum_version.structure
    for module in structure["modules"]:
        for item in module["items"]:
            if item["kind"] == "practical":
                practical = assessment_for(structure, item["key"], "fr")
                levels = {c["id"]: str(max(lv["points"] for lv in c["levels"]))
                          for c in practical["criteria"]}
                record_practical(grader, enrolment, item["key"], levels, "", 0)
