"""Paper exam pages for trainers: print the papers, then type (or scan) the answers back."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessment import bp
from lms.assessment.access import get_cohort_for_grading, get_quiz_in
from lms.assessment.exam_forms import PaperCodeForm
from lms.assessment.paper import services as paper
from lms.auth.access import trainer_required
from lms.forms import Form
from lms.lazy import lazy_module

# Reading photos (OpenCV, the sheet geometry): at the first scan or correction page.
scanning = lazy_module("lms.assessment.paper.scanning")


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>/papers.pdf", methods=["POST"])
@trainer_required
def paper_print(cohort_id, module, item):
    """Make (or reprint) one paper per trainee and send them as one PDF to print."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    get_quiz_in(cohort, module, item)
    if not Form().validate_on_submit():
        abort(400)
    lang = request.form.get("lang") if request.form.get("lang") in ("fr", "en") else "fr"
    sheets = paper.prepare_papers(current_user, cohort, f"{module}/{item}", lang)
    if not sheets:
        flash(_("No trainee has an attempt left at this quiz: there is nothing to print."),
              "error")
        return redirect(url_for(".exam", cohort_id=cohort.id, module=module, item=item))
    # Imported by the first print: fpdf2 and its fonts weigh ~30 MB in every worker.
    from lms.assessment.paper import pdf

    return HttpResponse(pdf.papers_pdf(sheets, lang, cohort.name), mimetype="application/pdf",
                        headers={"Content-Disposition":
                                 f'attachment; filename="papers-{item}-{lang}.pdf"'})


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>/paper", methods=["GET", "POST"])
@trainer_required
def paper_entry(cohort_id, module, item):
    """Type or scan the code of a paper to enter its answers (keyboard only)."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    quiz = get_quiz_in(cohort, module, item)
    form = PaperCodeForm()
    if form.validate_on_submit():
        try:
            sheet = paper.find_sheet(form.code.data, cohort, f"{module}/{item}")
        except paper.PaperRefused as exc:
            flash(str(exc), "error")
        else:
            return redirect(url_for(".paper_answers", cohort_id=cohort.id, module=module,
                                    item=item, code=sheet.code))
    return render_template("lms/assessment/paper/entry.html", cohort=cohort, quiz=quiz,
                           form=form, module=module, item=item), 422 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>/paper/<code>",
          methods=["GET", "POST"])
@trainer_required
def paper_answers(cohort_id, module, item, code):
    """Type one paper's answers, as letters or text, and save them: scored as online."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    quiz = get_quiz_in(cohort, module, item)
    try:
        sheet = paper.find_sheet(code, cohort, f"{module}/{item}")
    except paper.PaperRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for(".paper_entry", cohort_id=cohort.id, module=module, item=item))
    questions = paper.paper_questions(sheet.attempt)
    typed = {q.number: request.form.get(f"q{q.number}", "") for q in questions}
    if request.method == "GET":  # a scanned sheet: what was read, for a person to check
        typed = scanning.typed_from_scans(sheet)
    if request.method == "POST" and Form().validate_on_submit():
        try:
            answers = paper.read_paper(sheet.attempt, typed, request.form.get("quick", ""))
            # A photo read, checked and completed by a person is still a scanned paper.
            way = "scan" if (sheet.read or {}).get("scans") else "keyboard"
            attempt = paper.enter_paper(current_user, sheet, answers, way=way)
        except paper.PaperRefused as exc:
            flash(str(exc), "error")
        else:
            flash(_("Paper %(code)s of %(name)s entered: %(score)s out of %(max)s.",
                    code=paper.show_code(sheet.code), name=attempt.enrolment.user.display_name,
                    score=format_decimal(attempt.score or 0), max=format_decimal(
                        attempt.max_score)), "info")
            return redirect(url_for(".paper_entry", cohort_id=cohort.id, module=module,
                                    item=item))
    status = 422 if request.method == "POST" else 200
    return render_template("lms/assessment/paper/answers.html", cohort=cohort, quiz=quiz,
                           sheet=sheet, questions=questions, typed=typed,
                           quick=request.form.get("quick", ""), module=module, item=item,
                           code=paper.show_code(sheet.code), text_types=paper.TEXT_TYPES,
                           unclear=scanning.unclear_of(sheet),
                           images=scanning.scan_images(sheet)), status


@bp.route("/cohorts/<int:cohort_id>/exam/<module>/<item>/scan", methods=["POST"])
@trainer_required
def paper_scan(cohort_id, module, item):
    """Read photos or scans of answer sheets; what is not clear waits for a person."""
    cohort = get_cohort_for_grading(current_user, cohort_id)
    get_quiz_in(cohort, module, item)
    if not Form().validate_on_submit():
        abort(400)
    entered, review = 0, []
    for photo in request.files.getlist("photos"):
        try:
            sheet, done = scanning.scan_sheet(current_user, cohort, f"{module}/{item}",
                                              photo.read(60 * 1024 * 1024))
        except paper.PaperRefused as exc:
            flash(_("%(file)s: %(reason)s", file=photo.filename or "?", reason=str(exc)),
                  "error")
            continue
        if done:
            entered += 1
        elif sheet.code not in review:
            review.append(sheet.code)
    if entered:
        flash(ngettext("%(num)d paper read and entered.", "%(num)d papers read and entered.",
                       entered), "info")
    if len(review) == 1 and not entered:
        return redirect(url_for(".paper_answers", cohort_id=cohort.id, module=module, item=item,
                                code=review[0]))
    for code in review:
        flash(_("Paper %(code)s needs a look: open it with its code.",
                code=paper.show_code(code)), "info")
    return redirect(url_for(".paper_entry", cohort_id=cohort.id, module=module, item=item))
