"""A trainee's transcript: every programme, its assessments with marks, attendance, certificate."""

from __future__ import annotations

from datetime import date

from babel.numbers import format_decimal
from sqlalchemy import select

from lms.certificates import services as svc
from lms.certificates.models import Certificate
from lms.curricula.structure import ordered_items
from lms.extensions import db
from lms.learning.services import attempt_passed, counted_attempt
from lms.training.models import Enrolment

RESULT = {True: "Réussi / Passed", False: "Échoué / Failed", None: "À corriger / To grade"}


def _number(value: float) -> str:
    """A number as the French-first bilingual documents write it: 14,5."""
    return format_decimal(round(value, 1), locale="fr")


def _mark(score: float, maximum: float) -> str:
    return f"{_number(20 * score / maximum)}/20"


def rules_narrative(rules: dict) -> str:
    """The certificate rules in words (French / English), for the badge's criteria."""
    parts = []
    if rules.get("modules_passed"):
        scope = ("tous les modules / all modules" if rules["modules_passed"] == "all"
                 else ", ".join(rules["modules_passed"]))
        parts.append(f"Quiz réussis / Quizzes passed: {scope}")
    if rules.get("post_test_passed"):
        parts.append("Post-test réussi / Post-test passed")
    if rules.get("attendance_min") is not None:
        parts.append(f"Assiduité / Attendance ≥ {_number(float(rules['attendance_min']))} %")
    if rules.get("practicals_passed"):
        parts.append("Évaluations pratiques réussies / Practical assessments passed")
    return "; ".join(parts) or "Formation suivie / Programme completed"


def _rows(enrolment: Enrolment) -> list[dict]:
    structure = enrolment.curriculum_version.structure
    titles = {m["id"]: m["title"].get("fr") or next(iter(m["title"].values()))
              for m in structure["modules"]}
    titles["evaluations"] = "Évaluations / Tests"
    attempts = svc.submitted_attempts(enrolment)
    rows = []
    for item in ordered_items(structure):
        if item["kind"] == "lesson":
            continue
        variants = structure["assessments"][item["key"]]
        quiz = variants.get("fr") or next(iter(variants.values()))
        row = {"module": titles[item["module"]], "title": quiz["title"], "mark": "—",
               "result": "Non passé / Not taken"}
        if item["kind"] == "practical":
            grade = svc.practical_grade(enrolment, item["key"])
            if grade is not None and grade.max_score:
                row["mark"] = _mark(grade.score, grade.max_score)
                row["result"] = RESULT[svc.practical_passed(grade, quiz["settings"]["pass_mark"])]
        submitted = attempts.get(item["key"])
        if submitted:
            counted = counted_attempt(submitted, quiz["settings"]["grading"])
            if counted.score is not None and counted.max_score:
                row["mark"] = _mark(counted.score, counted.max_score)
            row["result"] = RESULT[attempt_passed(counted, quiz["settings"]["pass_mark"])]
            if item["kind"] == "pre_test":
                row["result"] = "Test initial / Pre-test"
        rows.append(row)
    return rows


def transcript_for(user, today: date) -> dict:
    """Everything the transcript PDF prints for one trainee."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)
                                    .order_by(Enrolment.enrolled_at)).all()
    programmes = []
    for enrolment in enrolments:
        cohort = enrolment.cohort
        title = enrolment.curriculum_version.structure["title"]
        cert = svc.valid_certificate(enrolment) or db.session.scalar(
            select(Certificate).where(Certificate.enrolment_id == enrolment.id)
            .order_by(Certificate.issued_at.desc()))
        programmes.append({
            "title_fr": title.get("fr", ""), "title_en": title.get("en", ""),
            "cohort": cohort.name, "site": cohort.site.name, "start": cohort.start_date,
            "end": cohort.end_date, "version": enrolment.curriculum_version.version,
            "attendance": svc.attendance_rate(enrolment), "rows": _rows(enrolment),
            "certificate": ({"serial": cert.display_serial, "status": cert.status}
                            if cert else None)})
    identifier = (f"Matricule / Service number {user.service_number}" if user.service_number
                  else f"N° académie / Academy number {user.academy_number}")
    return {"name": user.display_name, "identifier": identifier, "date": today,
            "programmes": programmes}
