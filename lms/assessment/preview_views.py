"""Trainer page: try a quiz as a trainee sees it, without storing anything."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from lms.assessment import bp
from lms.assessment import preview as svc
from lms.assessment.access import get_cohort_for_grading, get_quiz_in
from lms.auth.access import trainer_required


@bp.route("/cohorts/<int:cohort_id>/preview/<module>/<item>", methods=["GET", "POST"])
@trainer_required
def preview(cohort_id, module, item):
    """Show a quiz of the cohort's version as a trainee sees it; checking scores the answers
    in memory and shows the key. Nothing is stored: no attempt, no statistics."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    quiz = get_quiz_in(cohort, module, item)
    key = request.form.get("preview", "") if request.method == "POST" else ""
    if len(key) != 16 or not all(c in "0123456789abcdef" for c in key):
        key = svc.new_preview_key()
    questions = svc.preview_questions(quiz, key)
    result = (svc.score_preview(questions, key, request.form.to_dict(flat=False))
              if request.method == "POST" else None)
    return render_template("lms/assessment/preview.html", cohort=cohort, quiz=quiz,
                           questions=questions, key=key, result=result, module=module,
                           item=item)
