"""Exam-day pages for trainers: how a quiz opens (waves), anonymous marking, who has started."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessment import bp, waves
from lms.assessment.access import get_cohort_for_grading, get_quiz_in
from lms.assessment.exam_forms import ExamOptionsForm
from lms.auth.access import trainer_required
from lms.learning import services as learning


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>", methods=["GET", "POST"])
@trainer_required
def exam(cohort_id, module, item):
    """Exam day for one quiz: how it opens, anonymous marking, and links to follow and print."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    quiz = get_quiz_in(cohort, module, item)
    key = f"{module}/{item}"
    schedule = learning.schedule_for(cohort.id, key)
    form = ExamOptionsForm()
    if form.validate_on_submit():
        try:
            waves.set_exam_options(current_user, cohort, key, form.wave_by.data or "",
                                   form.wave_size.data or 0, form.wave_every.data or 0,
                                   form.anonymous.data)
        except waves.ExamSettingsError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Exam settings saved."), "info")
            return redirect(url_for(".exam", cohort_id=cohort.id, module=module, item=item))
    elif form.errors:
        flash(_("Give whole numbers of 1 or more for the waves."), "error")
    elif schedule is not None:
        form.wave_by.data = schedule.wave_by or ""
        form.wave_size.data = schedule.wave_size or 20
        form.wave_every.data = schedule.wave_every or 120
        form.anonymous.data = schedule.anonymous
    rows = waves.exam_roster(cohort, key)
    return render_template("lms/assessment/exam.html", cohort=cohort, quiz=quiz, form=form,
                           schedule=schedule, module=module, item=item,
                           counts=waves.count_by_status(rows), waves=waves.wave_times(rows))


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>/follow")
@trainer_required
def exam_follow(cohort_id, module, item):
    """Who is waiting, who has started and who has submitted (the page refreshes itself)."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    quiz = get_quiz_in(cohort, module, item)
    rows = waves.exam_roster(cohort, f"{module}/{item}")
    return render_template("lms/assessment/exam_follow.html", cohort=cohort, quiz=quiz,
                           rows=rows, counts=waves.count_by_status(rows), module=module,
                           item=item, now=learning.utcnow())
