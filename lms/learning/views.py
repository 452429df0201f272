"""Trainee pages: dashboard, programme outline, lessons, quiz attempts and results."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from lms.assessment import regrade as regrading
from lms.assessment import services as grading
from lms.curricula.structure import UnknownItem, assessment_for, lesson_for, neighbours
from lms.errors import csrf_error_page
from lms.extensions import db
from lms.home.services import academy_today, home_for
from lms.i18n import current_locale
from lms.learning import bp
from lms.learning import services as svc
from lms.learning.access import closing_time_for, get_attempt_for, get_enrolment_for
from lms.learning.answers import InvalidChoice, answers_fast, save_response, url_after_save
from lms.learning.choices import choice_values
from lms.learning.marks import marks_report
from lms.learning.scoring import QUESTION_TYPES
from lms.people.audit_names import target_names
from lms.training.models import Enrolment
from lms.transactions import writes_in_blocks


@bp.route("/")
@login_required
def dashboard():
    """Show the signed-in user's programmes with progress, and their work areas."""
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == current_user.id).order_by(Enrolment.enrolled_at)).all()
    lang = current_locale()
    rows = [(e, svc.outline(e, lang)[1]) for e in enrolments]
    home = home_for(current_user, lang, academy_today())
    names = target_names(home["admin"].recent) if "admin" in home else {}
    return render_template("lms/learning/dashboard.html", rows=rows, lang=lang, home=home,
                           audit_names=names, works=bool(home))


@bp.route("/marks")
@login_required
def marks():
    """Show the trainee's marks: each assessment out of 20, released feedback, what waits for
    a trainer, attendance and what remains for the certificate."""
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == current_user.id).order_by(Enrolment.enrolled_at)).all()
    lang = current_locale()
    return render_template("lms/learning/marks.html", lang=lang,
                           reports=[marks_report(e, lang) for e in enrolments])


@bp.route("/learn/<int:enrolment_id>")
@login_required
def programme(enrolment_id):
    """Show a programme's modules, lessons and assessments, with what is done."""
    enrolment = get_enrolment_for(current_user, enrolment_id)
    lang = current_locale()
    modules, percent = svc.outline(enrolment, lang)
    return render_template("lms/learning/programme.html", enrolment=enrolment,
                           modules=modules, percent=percent, lang=lang)


@bp.route("/learn/<int:enrolment_id>/<module>/<item>")
@login_required
def item(enrolment_id, module, item):
    """Show a lesson, or an assessment's start page with earlier attempts."""
    enrolment = get_enrolment_for(current_user, enrolment_id)
    key, lang = f"{module}/{item}", current_locale()
    structure = enrolment.curriculum_version.structure
    previous, following = neighbours(structure, key)
    try:
        if key in structure["lessons"]:
            lesson = lesson_for(structure, key, lang)
            return render_template("lms/learning/lesson.html", enrolment=enrolment,
                                   lesson=lesson, previous=previous, following=following)
        quiz = assessment_for(structure, key, lang)
    except UnknownItem:
        abort(404)
    attempts = svc.list_attempts(enrolment, key)
    schedule = svc.schedule_for(enrolment.cohort_id, key)
    return render_template("lms/learning/assessment.html", enrolment=enrolment, quiz=quiz,
                           attempts=attempts, previous=previous, following=following,
                           regraded=regrading.regraded_attempt_ids([a.id for a in attempts]),
                           schedule=schedule, closed=svc.window_message(schedule, svc.utcnow()),
                           grade=grading.released_grade(enrolment, key))


@bp.route("/learn/<int:enrolment_id>/<module>/<item>/read", methods=["POST"])
@login_required
def mark_read(enrolment_id, module, item):
    """Record a lesson as read and go to the next item."""
    enrolment = get_enrolment_for(current_user, enrolment_id)
    key = f"{module}/{item}"
    try:
        svc.mark_lesson_read(enrolment, key)
    except UnknownItem:
        abort(404)
    _previous, following = neighbours(enrolment.curriculum_version.structure, key)
    return redirect(_item_url(enrolment, following))


@bp.route("/learn/<int:enrolment_id>/<module>/<item>/start", methods=["POST"])
@login_required
def start(enrolment_id, module, item):
    """Start a quiz attempt, or resume the open one."""
    enrolment = get_enrolment_for(current_user, enrolment_id)
    try:
        attempt = svc.start_attempt(enrolment, f"{module}/{item}", current_locale())
    except UnknownItem:
        abort(404)
    except (svc.NoAttemptsLeft, svc.QuizNotOpen) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".item", enrolment_id=enrolment.id, module=module, item=item))
    return redirect(url_for(".question", attempt_id=attempt.id, number=1))


@bp.route("/attempt/<int:attempt_id>/<int:number>", methods=["GET", "POST"])
@answers_fast  # the usual answer save, without the ORM (lms/learning/answers.py)
@login_required
@writes_in_blocks
def question(attempt_id, number):
    """Show one question of an open attempt; saving stores the answer at once."""
    attempt = get_attempt_for(current_user, attempt_id)
    closes_at = closing_time_for(attempt)
    if request.method == "GET" and svc.close_if_expired(attempt, closes_at=closes_at):
        flash(_("Time is up: your answers were submitted."), "info")
    if not attempt.is_open:
        return redirect(url_for(".result", attempt_id=attempt.id))
    order = attempt.question_order
    if not 1 <= number <= len(order):
        abort(404)
    if request.method == "POST":
        # Worked out before saving: after the commit, the attempt would be read again.
        attempt_id = attempt.id
        following = url_after_save(attempt, number, request.form.get("go", "next"))
        try:
            save_response(attempt, order[number - 1], request.form.getlist("answer"),
                          closes_at=closes_at)
        except svc.AttemptClosed as exc:
            flash(str(exc), "error")
            return redirect(url_for(".result", attempt_id=attempt_id))
        except svc.AnswerTooLong as exc:
            flash(str(exc), "error")
            return render_question(attempt, number, posted=request.form.getlist("answer"),
                                   status=413)
        except InvalidChoice as exc:
            flash(str(exc), "error")
            return render_question(attempt, number, status=400)
        return redirect(following)
    return render_question(attempt, number)


@bp.errorhandler(CSRFError)
def keep_answer_on_csrf_error(error):
    """Never drop a trainee's answer: show it again with a fresh token to resend."""
    if request.endpoint == "lms.learning.question" and current_user.is_authenticated:
        attempt = get_attempt_for(current_user, request.view_args["attempt_id"])
        number = request.view_args["number"]
        if attempt.is_open and 1 <= number <= len(attempt.question_order):
            flash(_("Your answer was not saved yet: press Save again."), "error")
            return render_question(attempt, number, posted=request.form.getlist("answer"),
                                   status=400)
    return csrf_error_page()


def render_question(attempt, number, posted=None, status=200):
    """Render one question page; `posted` re-shows values that could not be saved."""
    quiz = svc.quiz_of(attempt)
    question_id = attempt.question_order[number - 1]
    question = svc.question_of(attempt, question_id)
    responses = svc.responses_by_question(attempt)
    response = responses.get(question_id)
    answer = response.answer if response else {}
    layout = attempt.choice_order.get(question_id, [])
    if question["type"] == "matching":
        if posted is not None:
            answer = svc.read_answer(question, posted, layout) or {}
        return render_template(
            "lms/learning/question.html", attempt=attempt, quiz=quiz, question=question,
            number=number, total=len(attempt.question_order), answer=answer,
            answered=set(responses), partial=svc.partly_answered(attempt, responses),
            posted=posted is not None,
            **QUESTION_TYPES["matching"].rows(question, layout, answer)), status
    values = choice_values(attempt.uuid, question)
    if posted is not None:
        by_value = {value: index for index, value in values.items()}
        answer = {"choices": [by_value[v] for v in posted if v in by_value],
                  "text": posted[0] if posted else ""}
    choices = [(index, values[index], question["choices"][index]["html"]) for index in layout]
    return render_template("lms/learning/question.html", attempt=attempt, quiz=quiz,
                           question=question, number=number, total=len(attempt.question_order),
                           choices=choices, answer=answer, answered=set(responses),
                           partial=svc.partly_answered(attempt, responses),
                           posted=posted is not None), status


@bp.route("/attempt/<int:attempt_id>/autosave", methods=["POST"])
@login_required
@writes_in_blocks
def autosave(attempt_id):
    """Save one answer in the background while the trainee types (JavaScript only)."""
    attempt = get_attempt_for(current_user, attempt_id)
    question_id = request.form.get("question", "")
    if question_id not in attempt.question_order:
        abort(404)
    try:
        save_response(attempt, question_id, request.form.getlist("answer"),
                      closes_at=closing_time_for(attempt))
    except svc.AttemptClosed as exc:
        return jsonify(saved=False, message=str(exc)), 409
    except svc.AnswerTooLong as exc:
        return jsonify(saved=False, message=str(exc)), 413
    except InvalidChoice as exc:
        return jsonify(saved=False, message=str(exc)), 400
    return jsonify(saved=True)


@bp.route("/attempt/<int:attempt_id>/review")
@login_required
def review(attempt_id):
    """List answered and unanswered questions before the trainee submits."""
    attempt = get_attempt_for(current_user, attempt_id)
    svc.close_if_expired(attempt, closes_at=closing_time_for(attempt))
    if not attempt.is_open:
        return redirect(url_for(".result", attempt_id=attempt.id))
    quiz = svc.quiz_of(attempt)
    responses = svc.responses_by_question(attempt)
    return render_template("lms/learning/review.html", attempt=attempt, quiz=quiz,
                           answered=set(responses),
                           partial=svc.partly_answered(attempt, responses))


@bp.route("/attempt/<int:attempt_id>/submit", methods=["POST"])
@login_required
@writes_in_blocks
def submit(attempt_id):
    """Submit the attempt (once, even if sent twice) and show the result."""
    attempt = get_attempt_for(current_user, attempt_id)
    result = url_for(".result", attempt_id=attempt.id)
    if not svc.close_if_expired(attempt, closes_at=closing_time_for(attempt)):
        svc.submit_attempt(attempt)
    return redirect(result)


@bp.route("/attempt/<int:attempt_id>/result")
@login_required
def result(attempt_id):
    """Show the score and, when the rules allow, the feedback for each question."""
    attempt = get_attempt_for(current_user, attempt_id)
    svc.close_if_expired(attempt, closes_at=closing_time_for(attempt))
    if attempt.is_open:
        return redirect(url_for(".review", attempt_id=attempt.id))
    quiz = svc.quiz_of(attempt)
    responses = svc.responses_by_question(attempt)
    passed = svc.attempt_passed(attempt, quiz["settings"]["pass_mark"])
    questions = regrading.review_questions(attempt)  # with the corrected key, if regraded
    module, item_id = attempt.item_key.split("/", 1)
    return render_template("lms/learning/result.html", attempt=attempt, quiz=quiz,
                           questions=questions, responses=responses, passed=passed,
                           regrades=regrading.attempt_regrades(attempt),
                           show_feedback=svc.feedback_visible(attempt, quiz),
                           module=module, item_id=item_id, grades=grading.released_grades(attempt),
                           withheld=grading.grades_withheld(attempt))


def _item_url(enrolment, key):
    if key is None:
        return url_for(".programme", enrolment_id=enrolment.id)
    module, item = key.split("/", 1)
    return url_for(".item", enrolment_id=enrolment.id, module=module, item=item)
