"""Trainer and staff pages: grading queue, practicals, quiz dates, gradebook, knowledge gain,
item analysis and GIFT conversion."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.assessment import anonymous, bp, stats
from lms.assessment import gain as gain_svc
from lms.assessment import gradebook as book
from lms.assessment import regrade as regrading
from lms.assessment import services as svc
from lms.assessment.access import get_cohort_for_grading, get_response_for
from lms.assessment.forms import GiftImportForm, GradeForm, PracticalForm, ScheduleForm
from lms.auth.access import staff_required, trainer_required
from lms.curricula import structure as curriculum
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.i18n import current_locale, local_to_utc, timezone_label, utc_to_local
from lms.lazy import lazy_module
from lms.learning import services as learning
from lms.training import exports
from lms.training.access import get_enrolment_in
from lms.training.models import Enrolment

gift = lazy_module("lms.assessment.gift")  # the Moodle converter: at first use


@bp.route("/")
@trainer_required
def index():
    """List the cohorts the trainer grades, with what awaits grading in each."""
    cohorts = svc.list_cohorts_for(current_user)
    waiting: dict[int, int] = {}
    for response in svc.grading_queue(current_user):
        cohort_id = response.attempt.enrolment.cohort_id
        waiting[cohort_id] = waiting.get(cohort_id, 0) + 1
    return render_template("lms/assessment/index.html", cohorts=cohorts, waiting=waiting,
                           lang=current_locale())


# Grading written answers ---------------------------------------------------------------------

@bp.route("/queue")
@trainer_required
def queue():
    """Show the trainer's grading queue, oldest first (optionally for one cohort)."""
    cohort = None
    if request.args.get("cohort", type=int):
        cohort = get_cohort_for_grading(current_user, request.args.get("cohort", type=int))
    responses = svc.grading_queue(current_user, cohort.id if cohort else None)
    return render_template("lms/assessment/queue.html", responses=responses, cohort=cohort,
                           question_of=learning.question_of)


@bp.route("/responses/<int:response_id>", methods=["GET", "POST"])
@trainer_required
def grade(response_id):
    """Grade one written answer: question, answer, points, comment; then the next one."""
    response = get_response_for(current_user, response_id)
    cohort_id = request.args.get("cohort", type=int)
    existing = svc.grade_for(svc.response_subject(response))
    form = GradeForm(obj=existing) if request.method == "GET" else GradeForm()
    question = learning.question_of(response.attempt, response.question_id)
    chosen = dict(existing.criteria) if existing else {}
    conflict = None
    if form.validate_on_submit():
        levels = {c["id"]: request.form.get(f"c-{c['id']}", "")
                  for c in question.get("criteria", [])}
        chosen = {k: _float(v) for k, v in levels.items()} or chosen
        try:
            svc.grade_response(current_user, response, form.score.data or "",
                               form.comment.data, form.version.data or 0, levels=levels,
                               reason=form.reason.data)
        except svc.GradeConflict as exc:
            conflict = exc.grade
            flash(str(exc), "error")
            form.version.data = conflict.version if conflict else 0
        except svc.GradingError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Grade saved."), "info")
            following = svc.grading_queue(current_user, cohort_id)
            if following:
                return redirect(url_for(".grade", response_id=following[0].id, cohort=cohort_id))
            return redirect(url_for(".queue", cohort=cohort_id))
    elif request.method == "GET" and existing is not None:
        form.score.data = format_decimal(existing.score)
    return render_template("lms/assessment/grade.html", form=form, response=response,
                           question=question, chosen=chosen,
                           quiz=learning.quiz_of(response.attempt), grade=existing,
                           conflict=conflict, cohort_id=cohort_id,
                           regrades=regrading.attempt_regrades(response.attempt),
                           **_queue_position(response, cohort_id)), 409 if conflict else 200


def _queue_position(response, cohort_id) -> dict:
    """Previous and next answers in the queue, and how many are left."""
    waiting = svc.grading_queue(current_user, cohort_id)
    ids = [r.id for r in waiting]
    if response.id in ids:
        at = ids.index(response.id)
        previous, following = (ids[at - 1] if at else None), (ids[at + 1] if at + 1 < len(ids)
                                                             else None)
    else:
        previous, following = None, ids[0] if ids else None
    return {"left": len(ids), "previous": previous, "following": following}


@bp.route("/grades/<int:grade_id>/release", methods=["POST"])
@trainer_required
def release_grade(grade_id):
    """Let the trainee see one grade and its comment."""
    grade = db.session.get(svc.Grade, grade_id) or abort(404)
    get_cohort_for_grading(current_user, grade.enrolment.cohort_id)
    try:
        svc.release_grades(current_user, [grade])
        flash(_("The grade is now visible to the trainee."), "info")
    except svc.GradingError as exc:
        flash(str(exc), "error")
    if grade.response_id is not None:
        return redirect(url_for(".grade", response_id=grade.response_id))
    module, item = grade.item_key.split("/", 1)
    return redirect(url_for(".practical", cohort_id=grade.enrolment.cohort_id, module=module,
                            item=item))


@bp.route("/cohorts/<int:cohort_id>/release/<module>/<item>", methods=["POST"])
@trainer_required
def release_assessment(cohort_id, module, item):
    """Release every grade of one assessment in a cohort."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    count = svc.release_grades(current_user, svc.cohort_grades(cohort, f"{module}/{item}"),
                               skip_own=True)
    anonymous.show_names(current_user, cohort, f"{module}/{item}")
    flash(_("%(n)d grade(s) released to the trainees.", n=count), "info")
    return redirect(url_for(".cohort", cohort_id=cohort.id))


# Cohort overview and practical assessments ---------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>")
@trainer_required
def cohort(cohort_id):
    """A cohort's assessments, with links to grade, record, schedule and release."""
    found = get_cohort_for_grading(current_user, cohort_id)
    grades = svc.cohort_grades(found)
    unreleased: dict[str, int] = {}
    for g in grades:
        if not g.released:
            unreleased[g.item_key] = unreleased.get(g.item_key, 0) + 1
    return render_template("lms/assessment/cohort.html", cohort=found,
                           assessments=svc.cohort_assessments(found, current_locale()),
                           waiting=len(svc.grading_queue(current_user, found.id)),
                           unreleased=unreleased)


@bp.route("/cohorts/<int:cohort_id>/practicals/<module>/<item>")
@trainer_required
def practical(cohort_id, module, item):
    """The trainees of a cohort with their result on one practical assessment."""
    found = get_cohort_for_grading(current_user, cohort_id)
    key = f"{module}/{item}"
    try:
        practical_ = curriculum.assessment_for(found.curriculum_version.structure, key,
                                             current_locale())
    except curriculum.UnknownItem:
        abort(404)
    if practical_["settings"]["kind"] != "practical":
        abort(404)
    enrolments = _trainees(found)
    grades = {g.enrolment_id: g for g in svc.cohort_grades(found, key)}
    return render_template("lms/assessment/practical_list.html", cohort=found,
                           practical=practical_, enrolments=enrolments, grades=grades,
                           module=module, item=item)


@bp.route("/cohorts/<int:cohort_id>/practicals/<module>/<item>/<int:enrolment_id>",
          methods=["GET", "POST"])
@trainer_required
def record_practical(cohort_id, module, item, enrolment_id):
    """Record one trainee's practical assessment with the rubric and a comment."""
    found = get_cohort_for_grading(current_user, cohort_id)
    enrolment = get_enrolment_in(found, enrolment_id)
    key = f"{module}/{item}"
    try:
        practical_ = svc.practical_of(enrolment, key, current_locale())
    except curriculum.UnknownItem:
        abort(404)
    existing = svc.grade_for(svc.practical_subject(enrolment, key))
    form = PracticalForm(obj=existing) if request.method == "GET" else PracticalForm()
    chosen = dict(existing.criteria) if existing else {}
    conflict = None
    if form.validate_on_submit():
        levels = {c["id"]: request.form.get(f"c-{c['id']}", "") for c in practical_["criteria"]}
        chosen = {k: _float(v) for k, v in levels.items()}
        try:
            svc.record_practical(current_user, enrolment, key, levels, form.comment.data,
                                 form.version.data or 0, reason=request.form.get("reason", ""))
        except svc.GradeConflict as exc:
            conflict = exc.grade
            flash(str(exc), "error")
            form.version.data = conflict.version if conflict else 0
        except svc.GradingError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Result saved for %(name)s.", name=enrolment.user.display_name), "info")
            following = _next_ungraded(found, key, enrolment)
            if following is not None:
                return redirect(url_for(".record_practical", cohort_id=found.id, module=module,
                                        item=item, enrolment_id=following.id))
            return redirect(url_for(".practical", cohort_id=found.id, module=module, item=item))
    return render_template("lms/assessment/practical.html", cohort=found, enrolment=enrolment,
                           practical=practical_, form=form, grade=existing, chosen=chosen,
                           conflict=conflict, module=module, item=item), 409 if conflict else 200


def _float(value):
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _trainees(cohort) -> list[Enrolment]:
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    return sorted(enrolments, key=lambda e: (e.user.last_name.casefold(),
                                             e.user.first_name.casefold()))


def _next_ungraded(cohort, key, after) -> Enrolment | None:
    graded = {g.enrolment_id for g in svc.cohort_grades(cohort, key)}
    trainees = _trainees(cohort)
    ids = [e.id for e in trainees]
    start = ids.index(after.id) + 1 if after.id in ids else 0
    for enrolment in trainees[start:] + trainees[:start]:
        if enrolment.id not in graded:
            return enrolment
    return None


# Quiz dates ------------------------------------------------------------------------------------

@bp.route("/cohorts/<int:cohort_id>/schedule", methods=["GET", "POST"])
@trainer_required
def schedule(cohort_id):
    """Set when the cohort may sit each quiz (opening and closing, in the academy's time)."""
    found = get_cohort_for_grading(current_user, cohort_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        opens, closes = local_to_utc(form.opens_at.data), local_to_utc(form.closes_at.data)
        try:
            svc.set_schedule(current_user, found, form.item.data, opens, closes)
        except curriculum.UnknownItem:
            abort(404)
        except svc.GradingError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Dates saved."), "info")
            return redirect(url_for(".schedule", cohort_id=found.id))
    elif form.errors:
        flash(_("Enter the dates as year-month-day and hour:minute."), "error")
    schedules = svc.schedules_of(found)
    rows = []
    for a in svc.cohort_assessments(found, current_locale(), ("quiz", "pre_test", "post_test")):
        s = schedules.get(a["key"])
        row_form = ScheduleForm(formdata=None, item=a["key"],
                                opens_at=utc_to_local(s.opens_at) if s else None,
                                closes_at=utc_to_local(s.closes_at) if s else None)
        rows.append((a, row_form))
    return render_template("lms/assessment/schedule.html", cohort=found, rows=rows,
                           timezone_name=timezone_label())


# Gradebook ---------------------------------------------------------------------------------------

def _gradebook_args(cohort):
    return book.build_gradebook(cohort, current_locale(), request.args.get("q", ""),
                                request.args.get("sex", ""), request.args.get("status", ""))


def _status_labels() -> dict[str, str]:
    return {"passed": _("passed"), "failed": _("not passed"), "incomplete": _("incomplete")}


@bp.route("/cohorts/<int:cohort_id>/gradebook")
@trainer_required
def gradebook(cohort_id):
    """Trainees x assessments with totals out of 20 and pass/fail, filterable."""
    found = get_cohort_for_grading(current_user, cohort_id)
    assessments, rows = _gradebook_args(found)
    return render_template("lms/assessment/gradebook.html", cohort=found,
                           assessments=assessments, rows=rows, labels=_status_labels(),
                           args={k: v for k, v in request.args.items() if k != "excel"})


@bp.route("/cohorts/<int:cohort_id>/gradebook.<fmt>")
@trainer_required
def gradebook_export(cohort_id, fmt):
    """Download the (filtered) gradebook as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    found = get_cohort_for_grading(current_user, cohort_id)
    assessments, rows = _gradebook_args(found)
    headings = [_("Last name"), _("First name"), _("Number"), _("Sex"), _("Unit"),
                _("Total (/20)"), _("Result")]
    marks = {"pending": _("to grade"), "unreleased": _("%(score)s (not released)"),
             "provisional": _("%(score)s (provisional)")}
    lines = book.table(assessments, rows, _status_labels(), headings, marks, format_decimal)
    name = f"gradebook-{found.id}"
    if fmt == "csv":
        return exports.csv_download(lines, f"{name}.csv", exports.french_excel_wanted(request.args))
    return HttpResponse(book.to_xlsx(lines, found.name), headers={
        "Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/cohorts/<int:cohort_id>/gain")
@trainer_required
def gain(cohort_id):
    """Pre-test and post-test scores, normalized gain per trainee, cohort and question."""
    found = get_cohort_for_grading(current_user, cohort_id)
    return render_template("lms/assessment/gain.html", cohort=found,
                           result=gain_svc.cohort_gain(found))


# Item analysis (staff: every cohort; trainers: the cohorts they teach) -------------------------

@bp.route("/statistics")
@trainer_required
def statistics_index():
    """List the quizzes the user may analyse: every programme's for staff, a trainer's own."""
    lang = current_locale()
    programmes = []
    for programme in db.session.scalars(select(Programme).order_by(Programme.code)):
        if programme.versions and stats.statistics_scope(current_user, programme.id) != set():
            structure = programme.versions[-1].structure
            quizzes = [i for i in curriculum.ordered_items(structure)
                       if i["kind"] not in ("lesson", "practical")]
            titles = {i["key"]: curriculum.assessment_for(structure, i["key"], lang)["title"]
                      for i in quizzes}
            programmes.append((programme, quizzes, titles))
    return render_template("lms/assessment/statistics_index.html", programmes=programmes,
                           lang=lang)


@bp.route("/statistics/<code>/<module>/<item>")
@trainer_required
def statistics(code, module, item):
    """Facility, discrimination and choice counts per question, per curriculum version; a
    trainer's over the cohorts they teach (404 for a programme they teach no cohort of)."""
    programme = db.session.scalar(select(Programme).where(Programme.code == code)) or abort(404)
    scope = stats.statistics_scope(current_user, programme.id)
    if scope == set():
        abort(404)
    try:
        results = stats.quiz_statistics(programme.id, f"{module}/{item}", current_locale(),
                                        scope)
    except curriculum.UnknownItem:
        abort(404)
    return render_template("lms/assessment/statistics.html", programme=programme,
                           results=results, key=f"{module}/{item}", cohorts_only=scope is not None)


# GIFT ------------------------------------------------------------------------------------------

@bp.route("/gift", methods=["GET", "POST"])
@staff_required
def gift_import():
    """Convert an uploaded Moodle question file (GIFT or Moodle XML) to a Markdown quiz."""
    form = GiftImportForm()
    result = None
    if form.validate_on_submit():
        result = gift.parse_moodle_file(form.file.data.read(), form.title.data.strip(),
                                        form.lang.data)
    return render_template("lms/assessment/gift.html", form=form, result=result)


@bp.route("/gift/download", methods=["POST"])
@staff_required
def gift_download():
    """Send back the converted Markdown shown on the conversion page."""
    return _markdown_download(request.form.get("markdown", ""))


def _markdown_download(text: str):
    return HttpResponse(text, mimetype="text/markdown; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="quiz.md"'})


@bp.route("/gift/export/<int:version_id>/<module>/<item>.gift")
@staff_required
def gift_export(version_id, module, item):
    """Download a quiz of a published version as a GIFT file for Moodle."""
    version = db.session.get(CurriculumVersion, version_id) or abort(404)
    try:
        quiz = curriculum.assessment_for(version.structure, f"{module}/{item}",
                                       request.args.get("lang") or current_locale())
    except curriculum.UnknownItem:
        abort(404)
    if quiz["settings"]["kind"] == "practical":
        abort(404)
    text = gift.export_gift(quiz, f"{version.programme.code} {version.label}")
    return HttpResponse(text, mimetype="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{item}.{quiz["language"]}.gift.txt"'})
