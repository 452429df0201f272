"""Train-the-trainer: qualification required to lead, granted on completion, and the cascade."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.audit import AuditRecord
from lms.extensions import db
from lms.learning.models import Attempt
from lms.training import services as svc
from lms.training import tot
from lms.training.models import Qualification
from tests.certificates.conftest import meet_every_rule
from tests.conftest import login, make_enrolment, make_user
from tests.training.factories import programme_version, qualified_trainer


def _tot_session(*programmes, name="ToT Kasapa 2016"):
    version = programme_version("formation-des-formateurs")
    site = svc.get_or_create_site("kasapa", "Académie de police de Kasapa")
    cohort = svc.create_cohort(name=name, programme=version.programme, site=site,
                               start=date(2016, 3, 14), end=date(2016, 3, 26), version=version,
                               qualifies_for=list(programmes))
    db.session.commit()
    return cohort


def _cohort(version, name):
    site = svc.get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi")
    cohort = svc.create_cohort(name=name, programme=version.programme, site=site,
                               start=date(2016, 3, 29), end=date(2016, 8, 28), version=version)
    db.session.commit()
    return cohort


def test_an_unqualified_trainer_cannot_be_assigned(app):
    cohort = _cohort(programme_version(), "Proximité 1")
    trainer = make_user(roles=("trainer",), first_name="Grâce", last_name="Ilunga", sex="F")
    # French agrees with the person, and names the programme by its title.
    with pytest.raises(svc.NotQualified, match="Grâce ILUNGA n'est pas qualifiée pour Police "
                                               "de proximité\u00a0: elle doit"):
        svc.assign_trainer(cohort, trainer)
    with pytest.raises(svc.NotQualified, match="n'est pas qualifié pour Police de proximité"):
        svc.assign_trainer(cohort, make_user(roles=("trainer",), sex="M"))
    with pytest.raises(svc.NotQualified):  # staff without admin cannot override
        svc.assign_trainer(cohort, trainer, actor=make_user(roles=("staff",)), override=True)
    assert cohort.trainers == []


def test_an_admin_override_is_audited(app):
    cohort = _cohort(programme_version(), "Proximité 1")
    trainer = make_user(roles=("trainer",))
    admin = make_user(roles=("admin",))
    svc.assign_trainer(cohort, trainer, actor=admin, override=True)
    db.session.commit()
    assert cohort.trainers == [trainer]
    entry = db.session.scalar(select(AuditRecord).where(
        AuditRecord.action == "qualification.override"))
    assert entry.actor_id == admin.id and entry.after["trainer"] == trainer.login_id


def test_completing_tot_qualifies_for_the_chosen_programmes(app):
    community = programme_version().programme
    mining = programme_version("police-des-mines").programme
    session = _tot_session(community, mining)
    graduate = make_enrolment(make_user(roles=("trainee",)), session)
    meet_every_rule(graduate, make_user(roles=("staff",)))
    granted = tot.complete_enrolment(graduate, on=date(2016, 3, 26))
    db.session.commit()
    assert sorted(q.programme.code for q in granted) == ["police-de-proximite",
                                                         "police-des-mines"]
    assert all(q.source_cohort_id == session.id and q.granted_on == date(2016, 3, 26)
               for q in granted)
    user = graduate.user
    assert user.has_role("trainer")
    svc.assign_trainer(_cohort(programme_version(), "Proximité 1"), user)  # now allowed
    border = _cohort(programme_version("police-des-frontieres"), "Frontières 1")
    with pytest.raises(svc.NotQualified):
        svc.assign_trainer(border, user)
    assert tot.complete_enrolment(graduate) == []  # completing twice grants nothing new


def test_passing_the_post_test_completes_by_rule(app):
    session = _tot_session(programme_version().programme)
    passed = make_enrolment(make_user(), session)
    failed = make_enrolment(make_user(), session)
    meet_every_rule(passed, make_user(roles=("staff",)))
    key = "evaluations/" + session.curriculum_version.structure["post_test"]
    for enrolment, score in ((failed, 2.0),):
        db.session.add(Attempt(enrolment_id=enrolment.id, item_key=key, number=1,
                               curriculum_version_id=session.curriculum_version_id,
                               content_hash="x", language="fr", status="submitted",
                               question_order=[], choice_order={}, score=score, max_score=10))
    db.session.commit()
    done = tot.complete_by_post_test(session)
    db.session.commit()
    assert done == [passed]
    assert db.session.scalar(select(Qualification.user_id)) == passed.user_id


def test_cascade_counts_trainers_cohorts_and_trainees(app, client):
    community_version = programme_version()
    session = _tot_session(community_version.programme)
    first = make_enrolment(make_user(first_name="Ana", last_name="Alpha"), session)
    second = make_enrolment(make_user(first_name="Ben", last_name="Beta"), session)
    make_enrolment(make_user(first_name="Cy", last_name="Gamma"), session)  # did not finish
    for enrolment in (first, second):
        meet_every_rule(enrolment, make_user(roles=("staff",)))
        tot.complete_enrolment(enrolment)
    x, y = _cohort(community_version, "Proximité X"), _cohort(community_version, "Proximité Y")
    svc.assign_trainer(x, first.user)
    svc.assign_trainer(y, first.user)
    svc.create_class(y, "Class A", trainer=second.user)
    outsider = qualified_trainer(community_version.programme)  # qualified elsewhere
    svc.assign_trainer(y, outsider)
    db.session.commit()
    for _ in range(3):
        make_enrolment(make_user(), x)
    for _ in range(2):
        make_enrolment(make_user(), y)
    [entry] = tot.cascade()
    assert (len(entry.trainers), entry.cohort_count, entry.trainees) == (2, 2, 5)
    alpha, beta = entry.trainers
    assert (alpha.user.id, len(alpha.cohorts), alpha.trainees) == (first.user_id, 2, 5)
    assert (beta.user.id, len(beta.cohorts), beta.trainees) == (second.user_id, 1, 2)

    login(client, make_user(roles=("staff",)))
    page = client.get("/training/cascade").text
    assert '<span class="count-trainers">2</span>' in page
    assert '<span class="count-cohorts">2</span>' in page
    assert '<span class="count-trainees">5</span>' in page
    qualified = client.get("/training/qualifications").text
    assert first.user.display_name in qualified and session.name in qualified


def test_staff_page_refuses_an_unqualified_trainer_with_a_readable_message(app, client):
    cohort = _cohort(programme_version(), "Proximité 1")
    trainer = make_user(roles=("trainer",))
    login(client, make_user(roles=("staff",)))
    page = client.post(f"/training/cohorts/{cohort.id}/trainers", data={"trainer": trainer.id},
                       follow_redirects=True)
    assert "pas qualifiée pour" in page.text
    db.session.rollback()
    assert db.session.get(type(cohort), cohort.id).trainers == []
