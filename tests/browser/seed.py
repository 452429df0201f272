"""Set up state for a browser journey through the services, in the live server's database.

Run by `LiveServer.seed(...)` as `python -m tests.browser.seed COMMAND ARGS` with the server's
environment, before the browser opens the pages that need it.
"""

from __future__ import annotations

import sys

from sqlalchemy import select


def make_eligible(*logins: str) -> None:
    """Give demo trainees everything a certificate needs: passed quizzes and post-test, the
    practicals passed (recorded by the demo trainer); attendance comes from the demo registers."""
    from lms.assessment.services import record_practical
    from lms.auth.models import User
    from lms.extensions import db
    from lms.learning.models import Attempt
    from lms.learning.services import assessment_for, ordered_items
    from lms.training.models import Enrolment

    trainer = User.by_login("FORM-001")
    for login in logins:
        user = User.by_login(login)
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        version = enrolment.curriculum_version
        structure = version.structure
        for item in ordered_items(structure):
            if item["kind"] in ("quiz", "post_test"):
                done = db.session.scalars(select(Attempt).where(
                    Attempt.enrolment_id == enrolment.id, Attempt.item_key == item["key"])).all()
                db.session.add(Attempt(
                    enrolment_id=enrolment.id, item_key=item["key"], number=len(done) + 1,
                    curriculum_version_id=version.id, content_hash=version.content_hash,
                    language="fr", question_order=[], choice_order={}, status="submitted",
                    score=9, max_score=10, pending_grading=0))
            elif item["kind"] == "practical":
                practical = assessment_for(structure, item["key"], "fr")
                best = {c["id"]: str(max(lv["points"] for lv in c["levels"]))
                        for c in practical["criteria"]}
                record_practical(trainer, enrolment, item["key"], best, "", 0)
        db.session.commit()


def open_soon(login: str, item_key: str, seconds: str) -> None:
    """Open a quiz for the trainee's cohort a few seconds from now (an exam about to start)."""
    from datetime import timedelta

    from lms.assessment.services import set_schedule
    from lms.auth.models import User
    from lms.base import utcnow
    from lms.extensions import db
    from lms.training.models import Enrolment

    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == User.by_login(login).id))
    opens = utcnow() + timedelta(seconds=int(seconds))
    set_schedule(User.by_login("FORM-001"), enrolment.cohort, item_key, opens, None)


def make_designer(login: str, intake: str) -> None:
    """A curriculum editor (demo password) and a next intake of community policing at
    Mbuji-Mayi, not started yet, on the current published version."""
    from datetime import date

    from lms.auth.services import create_user
    from lms.curricula.models import Programme
    from lms.demo import DEMO_PASSWORD
    from lms.extensions import db
    from lms.training.services import create_cohort, get_or_create_site

    create_user(service_number=login, first_name="Esther", last_name="Kalala", sex="F",
                roles=("curriculum_editor",), password=DEMO_PASSWORD, locale="fr")
    programme = db.session.scalar(select(Programme).where(
        Programme.code == "police-de-proximite"))
    create_cohort(name=intake, programme=programme,
                  site=get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi"),
                  start=date(2027, 1, 11), end=date(2027, 6, 25))
    db.session.commit()


COMMANDS = {"make-eligible": make_eligible, "open-soon": open_soon,
            "make-designer": make_designer}


def main(argv: list[str]) -> None:
    from lms import create_app

    app = create_app()
    with app.app_context():
        COMMANDS[argv[0]](*argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
