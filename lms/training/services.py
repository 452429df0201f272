"""Sites, cohorts, classes, class meetings, trainers, enrolments, matricules and vetting."""

from __future__ import annotations

from datetime import date, time

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.auth.models import Site, User
from lms.auth.services import normalise_number
from lms.base import LMSError, utcnow
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.i18n import current_locale
from lms.training.models import (
    TOT_PROGRAMME,
    VETTING_STATUSES,
    ClassMeeting,
    Cohort,
    CohortClass,
    CohortTrainer,
    Enrolment,
    Qualification,
    TotProgramme,
    Vetting,
)


class TrainingError(LMSError):
    """A training operation broke a rule; the message says which."""


class NotQualified(TrainingError):
    """The trainer holds no qualification for the cohort's programme."""


# Sites and programmes ---------------------------------------------------------------------------

def get_or_create_site(code: str, name: str) -> Site:
    """The site with `code`, created if new."""
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name)
        db.session.add(site)
        db.session.flush()
    return site


def create_site(code: str, name: str, actor=None) -> Site:
    """Create a site; the code must be new."""
    code, name = code.strip().lower(), name.strip()
    if not code or not name:
        raise TrainingError(_("Give the site a short code and a name."))
    if db.session.scalar(select(Site.id).where(Site.code == code)):
        raise TrainingError(_("A site with the code %(code)s already exists.", code=code))
    site = Site(code=code, name=name)
    db.session.add(site)
    db.session.flush()
    audit.record(actor, "site.create", site, after={"code": code, "name": name})
    return site


def list_sites() -> list[Site]:
    """Every site, by name."""
    return list(db.session.scalars(select(Site).order_by(Site.name)))


def list_published_programmes() -> list[Programme]:
    """Programmes with at least one published curriculum version."""
    return [p for p in db.session.scalars(select(Programme).order_by(Programme.code))
            if p.versions]


# Cohorts ----------------------------------------------------------------------------------------

def create_cohort(*, name: str, programme: Programme, site: Site, start: date, end: date,
                  version: CurriculumVersion | None = None, actor=None,
                  qualifies_for: list[Programme] | None = None) -> Cohort:
    """Create a cohort of `programme` at `site`, on its latest version unless told.

    A train-the-trainer cohort names the programmes its graduates become qualified for.
    """
    if not name.strip():
        raise TrainingError(_("Give the cohort a name."))
    if end < start:
        raise TrainingError(_("The end date must be after the start date."))
    version = version or (programme.versions[-1] if programme.versions else None)
    if version is None:
        raise TrainingError(_("Publish a curriculum version of this programme first."))
    if version.programme_id != programme.id:
        raise TrainingError(_("This curriculum version belongs to another programme."))
    qualifies_for = qualifies_for or []
    if programme.code == TOT_PROGRAMME and not qualifies_for:
        raise TrainingError(_("Choose the programmes this train-the-trainer session "
                              "qualifies trainers for."))
    if programme.code != TOT_PROGRAMME and qualifies_for:
        raise TrainingError(_("Only a train-the-trainer cohort qualifies trainers."))
    if any(p.code == TOT_PROGRAMME for p in qualifies_for):
        raise TrainingError(_("A train-the-trainer session cannot qualify for itself."))
    cohort = Cohort(name=name.strip(), programme=programme, site=site, start_date=start,
                    end_date=end, curriculum_version=version,
                    qualifies_rows=[TotProgramme(programme=p) for p in qualifies_for])
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "cohort.create", cohort, after={
        "name": cohort.name, "version": version.version,
        "qualifies_for": [p.code for p in qualifies_for]})
    return cohort


def list_cohorts_for(user: User) -> list[Cohort]:
    """Cohorts the user may see: all for staff, the ones they teach for a trainer."""
    query = select(Cohort).options(selectinload(Cohort.programme), selectinload(Cohort.site))
    if not user.has_role("staff"):
        query = query.where(Cohort.id.in_(_taught_cohort_ids(user)))
    return list(db.session.scalars(query.order_by(Cohort.start_date.desc(), Cohort.name)))


def _taught_cohort_ids(user: User):
    return (select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id)
            .union(select(CohortClass.cohort_id).where(CohortClass.trainer_id == user.id)))


def can_see_cohort(user: User, cohort: Cohort) -> bool:
    """Staff see every cohort; a trainer sees those they lead or teach a class of."""
    if user.has_role("staff"):
        return True
    if not user.has_role("trainer"):
        return False
    return cohort.id in set(db.session.scalars(_taught_cohort_ids(user)))


# Trainers and qualifications --------------------------------------------------------------------

def is_qualified(trainer: User, programme: Programme, on: date | None = None) -> bool:
    """True if the trainer holds a qualification for `programme` that has not lapsed."""
    return lapsed_qualification(trainer, programme, on) is None and db.session.scalar(
        select(Qualification.id).where(Qualification.user_id == trainer.id,
                                       Qualification.programme_id == programme.id)) is not None


def lapsed_qualification(trainer: User, programme: Programme, on: date | None = None
                         ) -> Qualification | None:
    """The trainer's qualification for `programme` if it has lapsed (not renewed), else None."""
    qualification = db.session.scalar(select(Qualification).where(
        Qualification.user_id == trainer.id, Qualification.programme_id == programme.id))
    day = on or utcnow().date()
    return qualification if qualification is not None and qualification.lapsed_on(day) \
        else None


def check_may_lead(trainer: User, cohort: Cohort, actor=None, override: bool = False) -> None:
    """Raise NotQualified unless the trainer may lead and grade the cohort.

    Train-the-trainer cohorts are led by master trainers and need no qualification; for other
    programmes an admin may override, which leaves an audit record.
    """
    if not trainer.has_role("trainer"):
        raise TrainingError(_("%(name)s is not a trainer.", name=trainer.display_name))
    if cohort.is_tot or is_qualified(trainer, cohort.programme):
        return
    if override and actor is not None and actor.has_role("admin"):
        audit.record(actor, "qualification.override", cohort, after={
            "trainer": trainer.login_id, "programme": cohort.programme.code})
        return
    names = {"name": trainer.display_name, "programme": cohort.programme.title_in(
        current_locale())}
    lapsed = lapsed_qualification(trainer, cohort.programme)
    if lapsed is not None:
        raise NotQualified(_("%(name)s's qualification for %(programme)s lapsed on %(date)s: "
                             "they cannot lead a new class until a train-the-trainer refresher "
                             "renews it (or an administrator overrides).",
                             date=format_date(lapsed.expires_on), **names))
    if trainer.sex == "F":  # French agrees with the person: "qualifiée"
        raise NotQualified(_("%(name)s is not qualified for %(programme)s: she must complete a "
                             "train-the-trainer session for it first (or an administrator may "
                             "override).", **names))
    raise NotQualified(_("%(name)s is not qualified for %(programme)s: they must complete a "
                         "train-the-trainer session for it first (or an administrator may "
                         "override).", **names))


def may_grade(trainer: User, cohort: Cohort) -> bool:
    """True if the user may grade the cohort's work: staff, or a qualified assigned trainer."""
    if trainer.has_role("staff"):
        return True
    return can_see_cohort(trainer, cohort)


def assign_trainer(cohort: Cohort, trainer: User, actor=None, override: bool = False) -> None:
    """Let a trainer lead and grade a cohort (qualification required)."""
    if any(row.user_id == trainer.id for row in cohort.trainer_rows):
        return
    check_may_lead(trainer, cohort, actor=actor, override=override)
    cohort.trainer_rows.append(CohortTrainer(user=trainer))
    db.session.flush()
    audit.record(actor, "cohort.assign_trainer", cohort, after={"trainer": trainer.login_id})


def remove_trainer(cohort: Cohort, trainer: User, actor=None) -> None:
    """Take a trainer off a cohort."""
    for row in list(cohort.trainer_rows):
        if row.user_id == trainer.id:
            cohort.trainer_rows.remove(row)
            audit.record(actor, "cohort.remove_trainer", cohort,
                         before={"trainer": trainer.login_id})
    db.session.flush()


def list_trainers() -> list[User]:
    """Every active user holding the trainer role, by name."""
    users = db.session.scalars(select(User).where(User.active.is_(True))
                               .order_by(User.last_name, User.first_name))
    return [u for u in users if "trainer" in u.roles or "admin" in u.roles]


# Classes and meetings ---------------------------------------------------------------------------

def create_class(cohort: Cohort, name: str, trainer: User | None = None, actor=None,
                 override: bool = False) -> CohortClass:
    """Add a class to a cohort, optionally with its lead trainer."""
    name = name.strip()
    if not name:
        raise TrainingError(_("Give the class a name, e.g. Class A."))
    if any(c.name == name for c in cohort.classes):
        raise TrainingError(_("This cohort already has a class named %(name)s.", name=name))
    new = CohortClass(cohort=cohort, name=name)
    db.session.add(new)
    db.session.flush()
    if trainer is not None:
        set_class_trainer(new, trainer, actor=actor, override=override)
    audit.record(actor, "class.create", new, after={"name": name})
    return new


def set_class_trainer(cohort_class: CohortClass, trainer: User, actor=None,
                      override: bool = False) -> None:
    """Make a trainer the lead of a class (and a trainer of its cohort)."""
    cohort = cohort_class.cohort
    if cohort_class.trainer_id != trainer.id and any(
            row.user_id == trainer.id for row in cohort.trainer_rows):
        # Already a trainer of the cohort: still, a lapsed trainer leads no new class.
        check_may_lead(trainer, cohort, actor=actor, override=override)
    assign_trainer(cohort_class.cohort, trainer, actor=actor, override=override)
    cohort_class.trainer = trainer
    db.session.flush()


def split_into_classes(cohort: Cohort, count: int, actor=None) -> list[CohortClass]:
    """Share the trainees without a class among `count` classes, by name, keeping class sizes even.

    Existing classes are reused first (named Class A, Class B...), new ones are created as needed.
    """
    if not 1 <= count <= 52:
        raise TrainingError(_("Choose between 1 and 52 classes."))
    classes = list(cohort.classes)
    letters = [chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)
               for i in range(52)]
    index = 0
    while len(classes) < count:
        name = _("Class %(letter)s", letter=letters[index])
        index += 1
        if all(c.name != name for c in classes):
            classes.append(create_class(cohort, name, actor=actor))
    classes = classes[:count]
    sizes = {c.id: 0 for c in classes}
    waiting = []
    for enrolment in cohort.enrolments:
        if enrolment.class_id in sizes:
            sizes[enrolment.class_id] += 1
        elif enrolment.class_id is None:
            waiting.append(enrolment)
    waiting.sort(key=lambda e: (e.user.last_name.lower(), e.user.first_name.lower()))
    for enrolment in waiting:
        target = min(classes, key=lambda c: (sizes[c.id], c.name))
        enrolment.cohort_class = target
        sizes[target.id] += 1
    db.session.flush()
    audit.record(actor, "cohort.split", cohort, after={"classes": count, "placed": len(waiting)})
    return classes


def move_to_class(enrolment: Enrolment, cohort_class: CohortClass | None, actor=None) -> None:
    """Put a trainee in another class of the same cohort (or none)."""
    if cohort_class is not None and cohort_class.cohort_id != enrolment.cohort_id:
        raise TrainingError(_("That class belongs to another cohort."))
    enrolment.cohort_class = cohort_class
    db.session.flush()


def create_meeting(cohort_class: CohortClass, *, day: date, start: time, end: time | None = None,
                   room: str = "", trainer: User | None = None, module_id: str = "",
                   actor=None) -> ClassMeeting:
    """Schedule a class meeting; the trainer must be allowed to lead the cohort."""
    cohort = cohort_class.cohort
    if end is not None and end <= start:
        raise TrainingError(_("The meeting must end after it starts."))
    modules = {m["id"] for m in cohort.curriculum_version.structure["modules"]}
    if module_id and module_id not in modules:
        raise TrainingError(_("Choose a module of this cohort's programme."))
    trainer = trainer or cohort_class.trainer
    if trainer is not None:
        assign_trainer(cohort, trainer, actor=actor)
    meeting = ClassMeeting(cohort_class=cohort_class, day=day, start_time=start, end_time=end,
                           room=room.strip(), trainer=trainer, module_id=module_id)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.create", meeting, after={"day": day.isoformat()})
    return meeting


def module_titles(cohort: Cohort, lang: str) -> dict[str, str]:
    """Module id -> title in `lang`, for the cohort's curriculum version."""
    return {m["id"]: m["title"].get(lang) or next(iter(m["title"].values()), m["id"])
            for m in cohort.curriculum_version.structure["modules"]}


# Enrolments and trainees ------------------------------------------------------------------------

def enrol(user: User, cohort: Cohort, actor=None,
          cohort_class: CohortClass | None = None) -> Enrolment:
    """Enrol a trainee, pinning the cohort's current curriculum version."""
    existing = db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id))
    if existing is not None:
        return existing
    enrolment = Enrolment(user=user, cohort=cohort, cohort_class=cohort_class,
                          curriculum_version=cohort.curriculum_version)
    db.session.add(enrolment)
    db.session.flush()
    audit.record(actor, "enrolment.create", enrolment,
                 after={"user": user.login_id, "cohort": cohort.name})
    return enrolment


def enrol_existing(user: User, cohort: Cohort, actor=None,
                   cohort_class: CohortClass | None = None) -> Enrolment:
    """Enrol a person who already has an account (a ToT, a refresher, a second programme)."""
    if cohort_class is not None and cohort_class.cohort_id != cohort.id:
        raise TrainingError(_("That class belongs to another cohort."))
    already = db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id))
    if already is not None:
        raise TrainingError(_("%(name)s (%(n)s) is already enrolled in this cohort.",
                              name=user.display_name, n=user.login_id))
    if not user.active:
        raise TrainingError(_("The account of %(name)s is disabled: an administrator must "
                              "enable it before they can be enrolled.", name=user.display_name))
    return enrol(user, cohort, actor=actor, cohort_class=cohort_class)


def set_service_number(user: User, number: str, actor=None) -> None:
    """Give a trainee their matricule; the academy number and every record stay as they were."""
    number = normalise_number(number)
    if number is None:
        raise TrainingError(_("Type the service number (matricule)."))
    other = User.by_login(number)
    if other is not None and other.id != user.id:
        raise TrainingError(_("Service number %(n)s is already used by %(name)s.", n=number,
                              name=other.display_name))
    before = user.service_number
    user.service_number = number
    db.session.flush()
    audit.record(actor, "user.service_number", user, before={"service_number": before},
                 after={"service_number": number})


def vetting_of(user: User) -> Vetting | None:
    """The trainee's vetting row, if any."""
    return db.session.scalar(select(Vetting).where(Vetting.user_id == user.id))


def vetting_statuses(user_ids: list[int]) -> dict[int, str]:
    """User id -> vetting status ("unknown" when never set)."""
    found = dict(db.session.execute(select(Vetting.user_id, Vetting.status).where(
        Vetting.user_id.in_(user_ids))).all()) if user_ids else {}
    return {uid: found.get(uid, "unknown") for uid in user_ids}


def set_vetting(user: User, status: str, note: str = "", actor=None) -> Vetting:
    """Record a trainee's human-rights (Leahy) vetting status."""
    if status not in VETTING_STATUSES:
        raise TrainingError(_("Choose a vetting status from the list."))
    vetting = vetting_of(user)
    before = vetting.status if vetting else "unknown"
    if vetting is None:
        vetting = Vetting(user_id=user.id)
        db.session.add(vetting)
    vetting.status, vetting.note = status, note.strip()[:300]
    vetting.decided_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "vetting.set", user, before={"status": before},
                 after={"status": status, "note": vetting.note})
    return vetting
