"""Words people read for the codes kept in the database: one mapping per enumeration.

Pages, exports and messages show `label(ROLES, code)` (or `enum_label("role", code)` in
templates), never the code itself, so a role, a vetting status or an audit action reads in the
person's language. A code without a label (an old record) is shown as it is.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

ROLES = {
    "trainee": _l("Trainee"),
    "trainer": _l("Trainer"),
    "staff": _l("Academy staff"),
    "curriculum_editor": _l("Curriculum editor"),
    "admin": _l("Administrator"),
}

VETTING_STATUSES = {
    "unknown": _l("Unknown"),
    "pending": _l("Pending"),
    "cleared": _l("Cleared"),
    "refused": _l("Refused"),
}

ATTENDANCE_STATUSES = {
    "present": _l("Present"),
    "absent": _l("Absent"),
    "late": _l("Late"),
    "excused": _l("Excused"),
}

ENROLMENT_STATUSES = {
    "active": _l("in training"),
    "completed": _l("completed"),
}

CERTIFICATE_STATUSES = {
    "valid": _l("valid"),
    "revoked": _l("revoked"),
    "superseded": _l("replaced by a newer certificate"),
}

SEXES = {"F": _l("Woman"), "M": _l("Man")}

ITEM_KINDS = {
    "lesson": _l("Lesson"),
    "quiz": _l("Quiz"),
    "pre_test": _l("Pre-test"),
    "post_test": _l("Post-test"),
    "practical": _l("Practical"),
}

AUDIT_ACTIONS = {
    "auth.login": _l("Signed in"),
    "auth.logout": _l("Signed out"),
    "auth.password_change": _l("Password changed"),
    "auth.reset_code": _l("One-time code given"),
    "authoring.cohort_moved": _l("Cohort moved to another curriculum version"),
    "authoring.draft_discarded": _l("Curriculum draft discarded"),
    "authoring.draft_published": _l("Curriculum draft published"),
    "authoring.draft_started": _l("Curriculum draft started"),
    "authoring.file_added": _l("File added to a curriculum draft"),
    "authoring.file_deleted": _l("File deleted from a curriculum draft"),
    "authoring.file_renamed": _l("Curriculum draft file renamed"),
    "authoring.file_saved": _l("Curriculum draft file saved"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.reissue": _l("Certificate issued again"),
    "certificate.revoke": _l("Certificate revoked"),
    "class.create": _l("Class created"),
    "cohort.assign_trainer": _l("Trainer assigned to a cohort"),
    "cohort.create": _l("Cohort created"),
    "cohort.remove_trainer": _l("Trainer removed from a cohort"),
    "cohort.split": _l("Cohort shared among classes"),
    "curriculum.publish": _l("Curriculum published"),
    "curriculum.rebuild": _l("Curriculum structures rebuilt"),
    "enrolment.complete": _l("Training marked completed"),
    "enrolment.create": _l("Trainee enrolled"),
    "grade.create": _l("Grade given"),
    "grade.change": _l("Grade changed"),
    "grade.release": _l("Grade shown to the trainee"),
    "meeting.create": _l("Class meeting planned"),
    "paper.enter": _l("Paper exam answers entered"),
    "paper.print": _l("Paper exam printed"),
    "qualification.grant": _l("Trainer qualification granted"),
    "qualification.override": _l("Trainer assigned without qualification"),
    "qualification.record": _l("Earlier trainer qualification recorded"),
    "qualification.renew": _l("Trainer qualification renewed"),
    "quiz.exam_options": _l("Exam waves or anonymous marking set"),
    "quiz.names_shown": _l("Names shown on an anonymously marked quiz"),
    "quiz.regrade": _l("Quiz regraded after an answer key correction"),
    "quiz.schedule": _l("Quiz dates set"),
    "site.create": _l("Site created"),
    "sync.conflict_reviewed": _l("Sync conflict reviewed"),
    "sync.export": _l("Sync bundle exported"),
    "sync.import": _l("Sync bundle imported"),
    "sync.peer": _l("Sync server added"),
    "user.active": _l("Account enabled or disabled"),
    "user.create": _l("Account created"),
    "user.details": _l("Rank, unit or phone changed"),
    "user.roles": _l("Roles changed"),
    "user.service_number": _l("Service number recorded"),
    "vetting.set": _l("Vetting status recorded"),
}

# What an audit record is about (the model's class name).
AUDIT_TARGETS = {
    "Certificate": _l("Certificate"),
    "ClassMeeting": _l("Class meeting"),
    "Cohort": _l("Cohort"),
    "CohortClass": _l("Class"),
    "CurriculumVersion": _l("Curriculum version"),
    "Enrolment": _l("Enrolment"),
    "Grade": _l("Grade"),
    "Site": _l("Site"),
    "User": _l("Person"),
}

# Fields found in the before/after of audit records, and how to read their values.
AUDIT_FIELDS = {
    "active": _l("Account active"),
    "classes": _l("Classes"),
    "code": _l("Code"),
    "cohort": _l("Cohort"),
    "comment": _l("Comment"),
    "criteria": _l("Criteria"),
    "day": _l("Date"),
    "hash": _l("Content hash"),
    "item": _l("Assessment"),
    "login": _l("Login"),
    "max_score": _l("Maximum score"),
    "name": _l("Name"),
    "note": _l("Note"),
    "on": _l("Date"),
    "peer": _l("Server"),
    "placed": _l("Trainees placed"),
    "programme": _l("Programme"),
    "qualifies_for": _l("Qualifies for"),
    "reason": _l("Reason"),
    "released": _l("Shown to the trainee"),
    "roles": _l("Roles"),
    "score": _l("Score"),
    "serial": _l("Serial"),
    "service_number": _l("Service number"),
    "status": _l("Status"),
    "trainer": _l("Trainer"),
    "user": _l("Person"),
    "version": _l("Version"),
}
_FIELD_VALUES = {"roles": ROLES, "status": {**VETTING_STATUSES, **CERTIFICATE_STATUSES}}

ENUMERATIONS: dict[str, Mapping[str, object]] = {
    "role": ROLES,
    "vetting": VETTING_STATUSES,
    "attendance": ATTENDANCE_STATUSES,
    "enrolment": ENROLMENT_STATUSES,
    "certificate": CERTIFICATE_STATUSES,
    "sex": SEXES,
    "item_kind": ITEM_KINDS,
    "audit_action": AUDIT_ACTIONS,
    "audit_target": AUDIT_TARGETS,
}


def label(labels: Mapping[str, object], code: str | None) -> str:
    """The code's words in the current language (the code itself when it has none)."""
    if code is None:
        return ""
    return str(labels.get(code, code))


def enum_label(kind: str, code: str | None) -> str:
    """`label` by enumeration name, for templates: `enum_label("role", "trainer")`."""
    return label(ENUMERATIONS[kind], code)


def role_list(roles: Iterable[str]) -> str:
    """Roles in words, in the order of the list of roles (trainee first), comma-separated."""
    held = set(roles)
    return ", ".join([label(ROLES, r) for r in ROLES if r in held]
                     + sorted(r for r in held if r not in ROLES))


def audit_details(values: Mapping | None) -> list[tuple[str, str]]:
    """An audit record's before or after, as (field, value) in words; empty values left out."""
    details = []
    for key, value in (values or {}).items():
        if value is None or value == "":
            continue
        names = _FIELD_VALUES.get(key, {})
        if isinstance(value, bool):
            shown = str(_l("yes") if value else _l("no"))
        elif isinstance(value, int | float):
            shown = format_decimal(value)
        elif key == "roles" and isinstance(value, list):
            shown = role_list(value)
        elif isinstance(value, list):
            shown = ", ".join(label(names, str(v)) for v in value)
        elif isinstance(value, dict):
            shown = ", ".join(f"{k}: {v}" for k, v in value.items())
        else:
            shown = label(names, str(value))
        details.append((label(AUDIT_FIELDS, key), shown))
    return details


def audit_action_choices() -> list[tuple[str, str]]:
    """(code, words) for every audit action, in alphabetical order of the words."""
    choices = [(code, str(words)) for code, words in AUDIT_ACTIONS.items()]
    return sorted(choices, key=lambda choice: _sort_key(choice[1]))


def _sort_key(text: str) -> str:
    """Sort "Élément" with the E's, not after Z."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def colon() -> str:
    """The colon after a label: "Formateur : " in French (no-break space before it), "Trainer: "
    in English."""
    from lms.i18n import current_locale

    return "\u00a0: " if current_locale() == "fr" else ": "
