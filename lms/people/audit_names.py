"""Names for what audit records are about: a person's name rather than "Person ad938ae4"."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from lms.assessment.models import Grade
from lms.audit import AuditRecord
from lms.auth.models import Site, User
from lms.certificates.models import Certificate
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from lms.i18n import current_locale
from lms.training.models import ClassMeeting, Cohort, CohortClass, Enrolment


def _name(model, row) -> str:
    """How a person reads one target."""
    if model is User:
        return f"{row.display_name} ({row.login_id})"
    if model is Certificate:
        return f"{row.display_serial} · {row.name}"
    if model is Enrolment:
        return f"{row.user.display_name} · {row.cohort.name}"
    if model is Grade:
        return f"{row.enrolment.user.display_name} · {row.item_key}"
    if model is CurriculumVersion:
        return f"{row.programme.title_in(current_locale())} {row.version}"
    if model is CohortClass:
        return f"{row.name} · {row.cohort.name}"
    if model is ClassMeeting:
        return f"{row.cohort_class.name} · {row.day.isoformat()}"
    return row.name


MODELS = {"User": User, "Cohort": Cohort, "Certificate": Certificate, "Enrolment": Enrolment,
          "Grade": Grade, "CurriculumVersion": CurriculumVersion, "CohortClass": CohortClass,
          "ClassMeeting": ClassMeeting, "Site": Site}


def target_names(records: list[AuditRecord]) -> dict[int, str]:
    """Audit record id -> the name of its target (a few queries for a whole page)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record.target_type in MODELS and record.target_id:
            wanted[record.target_type].add(record.target_id)
    found: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        model = MODELS[kind]
        uuids = [i for i in ids if not i.isdigit()]
        numbers = [int(i) for i in ids if i.isdigit()]
        rows = list(db.session.scalars(select(model).where(
            model.uuid.in_(uuids) | model.id.in_(numbers))))
        for row in rows:
            name = _name(model, row)
            found[(kind, row.uuid)] = found[(kind, str(row.id))] = name
    return {r.id: found[(r.target_type, r.target_id)] for r in records
            if (r.target_type, r.target_id) in found}
