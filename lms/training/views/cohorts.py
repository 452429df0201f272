"""Sites, programmes, cohorts, classes and class meetings."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms.auth.access import staff_required, trainer_required
from lms.auth.models import Site, User
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.i18n import current_locale
from lms.labels import ENROLMENT_STATUSES, label
from lms.training import bp, exports, progress
from lms.training import services as svc
from lms.training.access import get_class_for, get_cohort_for_teaching, get_enrolment_in
from lms.training.forms import (
    ClassForm,
    CohortForm,
    MeetingForm,
    ServiceNumberForm,
    SiteForm,
    SplitForm,
    TrainerForm,
    VettingForm,
    choices,
)
from lms.training.models import TOT_PROGRAMME, Cohort


@bp.route("/sites", methods=["GET", "POST"])
@staff_required
def sites():
    """List sites and add one."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            svc.create_site(form.code.data, form.name.data, actor=current_user)
        except svc.TrainingError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Site added."), "info")
            return redirect(url_for(".sites"))
    return render_template("lms/training/sites.html", sites=svc.list_sites(), form=form)


@bp.route("/programmes")
@staff_required
def programmes():
    """List published programmes with their cohorts."""
    counts = dict(db.session.execute(select(Cohort.programme_id, func.count())
                                     .group_by(Cohort.programme_id)).all())
    return render_template("lms/training/programmes.html", counts=counts,
                           programmes=svc.list_published_programmes(), lang=current_locale())


@bp.route("/cohorts")
@trainer_required
def cohorts():
    """List the cohorts the user may see: all for staff, their own for a trainer."""
    return render_template("lms/training/cohorts.html", cohorts=svc.list_cohorts_for(current_user),
                           lang=current_locale())


def _cohort_form() -> CohortForm:
    form = CohortForm()
    lang = current_locale()
    programmes = svc.list_published_programmes()
    form.programme.choices = choices((p.id, p.title_in(lang)) for p in programmes)
    form.qualifies_for.choices = choices((p.id, p.title_in(lang)) for p in programmes
                                         if p.code != TOT_PROGRAMME)
    form.site.choices = choices((s.id, s.name) for s in svc.list_sites())
    form.version.choices = choices([(0, _("Latest published version"))] + [
        (v.id, f"{p.title_in(lang)} {v.label}") for p in programmes for v in p.versions])
    return form


@bp.route("/cohorts/new", methods=["GET", "POST"])
@staff_required
def new_cohort():
    """Create a cohort of a published programme at a site."""
    form = _cohort_form()
    if not form.site.choices:
        flash(_("Add a site first."), "info")
        return redirect(url_for(".sites"))
    if form.validate_on_submit():
        programme = db.session.get(Programme, form.programme.data) or abort(400)
        version = db.session.get(CurriculumVersion, form.version.data or 0)
        qualifies = [db.session.get(Programme, pid) for pid in form.qualifies_for.data or []]
        try:
            cohort = svc.create_cohort(
                name=form.name.data, programme=programme,
                site=db.session.get(Site, form.site.data), start=form.start.data,
                end=form.end.data, version=version, actor=current_user,
                qualifies_for=[p for p in qualifies if p is not None])
        except svc.TrainingError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Cohort created. Import its roster next."), "info")
            return redirect(url_for(".cohort", cohort_id=cohort.id))
    return render_template("lms/training/cohort_new.html", form=form)


@bp.route("/cohorts/<int:cohort_id>")
@trainer_required
def cohort(cohort_id):
    """Show a cohort's dashboard: enrolment, progress, attendance, grading backlog, at risk."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    lang = current_locale()
    overview = progress.cohort_overview(found, lang, date.today())
    trainer_form = TrainerForm()
    trainer_form.trainer.choices = choices((u.id, f"{u.display_name} ({u.login_id})")
                                           for u in svc.list_trainers())
    return render_template("lms/training/cohort.html", cohort=found, overview=overview,
                           class_form=ClassForm(), split_form=SplitForm(),
                           trainer_form=trainer_form, lang=lang,
                           vetting=svc.vetting_statuses([t.enrolment.user_id
                                                         for t in overview.trainees]))


@bp.route("/cohorts/<int:cohort_id>/trainers", methods=["POST"])
@staff_required
def assign_trainer(cohort_id):
    """Assign a trainer to a cohort (qualification required, admin may override)."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    return _set_lead(svc.assign_trainer, found, _("%(name)s now leads this cohort."),
                     url_for(".cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/classes", methods=["POST"])
@staff_required
def add_class(cohort_id):
    """Add a class to a cohort."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    form = ClassForm()
    if form.validate_on_submit():
        try:
            svc.create_class(found, form.name.data, actor=current_user)
        except svc.TrainingError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/split", methods=["POST"])
@staff_required
def split(cohort_id):
    """Share the trainees without a class among N classes."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    form = SplitForm()
    if form.validate_on_submit():
        try:
            svc.split_into_classes(found, form.count.data, actor=current_user)
        except svc.TrainingError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Trainees shared among %(n)d classes.", n=form.count.data), "info")
    else:
        flash(_("Give a number of classes between 1 and 52."), "error")
    return redirect(url_for(".cohort", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/participants.csv")
@staff_required
def participants_csv(cohort_id):
    """Download the participant list (for donor files), safe to open in a spreadsheet."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    rows = [[e.user.service_number or "", e.user.academy_number, e.user.last_name,
             e.user.first_name, e.user.sex, e.user.rank, e.user.unit, e.user.phone,
             e.cohort_class.name if e.cohort_class else "",
             label(ENROLMENT_STATUSES, e.status)]
            for e in sorted(found.enrolments, key=lambda e: (e.user.last_name,
                                                              e.user.first_name))]
    header = [_("Service number"), _("Academy number"), _("Last name"), _("First name"),
              _("Sex"), _("Rank"), _("Unit"), _("Phone"), _("Class"), _("Status")]
    return Response(exports.to_csv(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="participants-{found.id}.csv"'})


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@trainer_required
def class_page(class_id):
    """Show a class: trainees and meetings; staff and its trainers schedule meetings."""
    found = get_class_for(current_user, class_id)
    cohort_ = found.cohort
    lang = current_locale()
    form = MeetingForm()
    trainers = cohort_.trainers
    form.trainer.choices = choices([(0, _("Class trainer"))]
                                   + [(u.id, u.display_name) for u in trainers])
    titles = svc.module_titles(cohort_, lang)
    form.module.choices = choices([("", "—")] + list(titles.items()))
    if form.validate_on_submit():
        trainer = db.session.get(User, form.trainer.data or 0)
        try:
            svc.create_meeting(found, day=form.day.data, start=form.start.data,
                               end=form.end.data, room=form.room.data or "", trainer=trainer,
                               module_id=form.module.data or "", actor=current_user)
        except svc.TrainingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Meeting scheduled."), "info")
            return redirect(url_for(".class_page", class_id=class_id))
    trainer_form = TrainerForm()
    trainer_form.trainer.choices = choices((u.id, f"{u.display_name} ({u.login_id})")
                                           for u in svc.list_trainers())
    members = sorted(found.enrolments, key=lambda e: (e.user.last_name, e.user.first_name))
    return render_template("lms/training/class.html", cohort_class=found, cohort=cohort_,
                           members=members, form=form, trainer_form=trainer_form,
                           titles=titles)


@bp.route("/classes/<int:class_id>/trainer", methods=["POST"])
@staff_required
def class_trainer(class_id):
    """Make a trainer the lead of a class."""
    found = get_class_for(current_user, class_id)
    return _set_lead(svc.set_class_trainer, found, _("%(name)s now leads this class."),
                     url_for(".class_page", class_id=class_id))


def _set_lead(assign, target, done: str, back: str):
    """Make the posted trainer lead `target` (cohort or class) with `assign`; flash; go back."""
    trainer = db.session.get(User, request.form.get("trainer", type=int) or 0) or abort(400)
    try:
        assign(target, trainer, actor=current_user, override=bool(request.form.get("override")))
    except svc.TrainingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(done % {"name": trainer.display_name}, "info")
    return redirect(back)


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:enrolment_id>", methods=["GET", "POST"])
@staff_required
def trainee(cohort_id, enrolment_id):
    """A trainee's record for staff: matricule, vetting status, class."""
    found = get_cohort_for_teaching(current_user, cohort_id)
    enrolment = get_enrolment_in(found, enrolment_id)
    user = enrolment.user
    number_form = ServiceNumberForm(prefix="number")
    vetting = svc.vetting_of(user)
    vetting_form = VettingForm(prefix="vetting", status=vetting.status if vetting else "unknown",
                               note=vetting.note if vetting else "")
    try:
        if number_form.submit.data and number_form.validate_on_submit():
            svc.set_service_number(user, number_form.service_number.data, actor=current_user)
            db.session.commit()
            flash(_("Service number saved. The trainee now signs in with it."), "info")
            return redirect(request.path)
        if vetting_form.submit.data and vetting_form.validate_on_submit():
            svc.set_vetting(user, vetting_form.status.data, vetting_form.note.data or "",
                            actor=current_user)
            db.session.commit()
            flash(_("Vetting status saved."), "info")
            return redirect(request.path)
        if request.method == "POST" and "class_id" in request.form:
            target = next((c for c in found.classes
                           if c.id == request.form.get("class_id", type=int)), None)
            svc.move_to_class(enrolment, target, actor=current_user)
            db.session.commit()
            flash(_("Class changed."), "info")
            return redirect(request.path)
    except svc.TrainingError as error:
        db.session.rollback()
        flash(str(error), "error")
    return render_template("lms/training/trainee.html", cohort=found, enrolment=enrolment,
                           number_form=number_form, vetting_form=vetting_form,
                           vetting=vetting)

