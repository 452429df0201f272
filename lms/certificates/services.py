"""Certificate rules: serials, eligibility, issue, revoke, reissue, verification."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.base import LMSError, utcnow
from lms.certificates import signing, validity
from lms.certificates.models import Certificate
from lms.curricula.structure import assessment_for
from lms.extensions import db
from lms.i18n import format_percentage
from lms.labels import CERTIFICATE_STATUSES
from lms.labels import label as code_label
from lms.learning.models import Attempt
from lms.learning.services import attempt_passed, counted_attempt
from lms.training.attendance import attendance_unknown_reason
from lms.training.models import Cohort, Enrolment


class CertificateError(LMSError):
    """A certificate operation broke a rule; the message says which and what to do."""


# Serials ---------------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SERIAL_LENGTH = 10
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def check_char(body: str) -> str:
    """Luhn mod 32 check character: catches any single typo and swapped neighbours but 0/Z."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_serial() -> str:
    """A random serial: 9 base32 characters and a check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(SERIAL_LENGTH - 1))
    return body + check_char(body)


def normalize_serial(text: str) -> str | None:
    """The canonical serial typed by a person (dashes, spaces, case, I/L/O forgiven) or None."""
    cleaned = "".join(_READ_AS.get(c, c) for c in text.upper() if c not in " -._")
    if len(cleaned) != SERIAL_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    if check_char(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


# Keys ------------------------------------------------------------------------------------------

def key_folder() -> Path:
    """Where the signing key and public key set live: the instance folder, never the repo."""
    configured = current_app.config.get("LMS_CERTIFICATE_KEY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificate-keys"


def public_keys() -> dict:
    """The academy's public keys by id (current and retired)."""
    return signing.public_keys_from_set(signing.read_key_set(key_folder()))


# Eligibility -----------------------------------------------------------------------------------

@dataclass
class RuleResult:
    """One certificate rule for one trainee: met, not met, or cannot be checked yet."""

    rule: str
    label: str
    status: str  # met | not_met | unknown
    reasons: list[str] = field(default_factory=list)


@dataclass
class Eligibility:
    """Every rule of the programme for one enrolment."""

    enrolment: Enrolment
    rules: list[RuleResult]

    @property
    def eligible(self) -> bool:
        return all(r.status == "met" for r in self.rules)

    @property
    def unmet(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status != "met"]


DEFAULT_RULES = {"modules_passed": "all", "post_test_passed": True}


def certificate_rules(structure: dict) -> dict:
    """The manifest's `certificate:` rules, or all modules passed when it gives none."""
    given = {k: v for k, v in (structure.get("certificate") or {}).items()
             if k in validity.RULE_KEYS}
    return given or DEFAULT_RULES


def submitted_attempts(enrolment: Enrolment) -> dict[str, list[Attempt]]:
    """The enrolment's submitted attempts, by assessment key."""
    attempts: dict[str, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.enrolment_id == enrolment.id, Attempt.status == "submitted")):
        attempts.setdefault(attempt.item_key, []).append(attempt)
    return attempts


def _quiz_problem(structure: dict, key: str, submitted: list[Attempt], lang: str) -> str | None:
    """Why a quiz is not passed, or None when it is."""
    quiz = assessment_for(structure, key, lang)
    if not submitted:
        return _("%(quiz)s: not taken yet.", quiz=quiz["title"])
    counted = counted_attempt(submitted, quiz["settings"]["grading"])
    passed = attempt_passed(counted, quiz["settings"]["pass_mark"])
    if passed is None:
        return _("%(quiz)s: answers await a trainer's grading.", quiz=quiz["title"])
    if not passed:
        percent = 100 * (counted.score or 0) / counted.max_score if counted.max_score else 0
        return _("%(quiz)s: %(score)s obtained, %(mark)s needed.", quiz=quiz["title"],
                 score=format_percentage(percent),
                 mark=format_percentage(quiz["settings"]["pass_mark"]))
    return None


def _module_quizzes(structure: dict, module_ids) -> list[str]:
    keys = []
    for module in structure["modules"]:
        if module_ids == "all" or module["id"] in module_ids:
            keys += [i["key"] for i in module["items"] if i["kind"] == "quiz"]
    return keys


def attendance_rate(enrolment: Enrolment) -> float | None:
    """The trainee's attendance rate in percent (lms.training), or None while no register
    counting them was taken."""
    from lms.training.attendance import enrolment_rate

    return enrolment_rate(enrolment).percent


def practical_grade(enrolment: Enrolment, item_key: str):
    """The trainer's recorded grade for a practical assessment (lms.assessment), if any."""
    from lms.assessment.services import grade_for, practical_subject

    return grade_for(practical_subject(enrolment, item_key))


def practical_passed(grade, pass_mark: float) -> bool:
    """Whether a practical grade reaches the assessment's pass mark (percent)."""
    return not grade.max_score or 100 * grade.score / grade.max_score >= pass_mark - 1e-9


def practicals_status(enrolment: Enrolment, lang: str) -> list[str] | None:
    """Why practical assessments are not passed ([] when all are), or None if unknown."""
    structure = enrolment.curriculum_version.structure
    problems = []
    for module in structure["modules"]:
        for item in module["items"]:
            if item["kind"] != "practical":
                continue
            practical = assessment_for(structure, item["key"], lang)
            mark = practical["settings"]["pass_mark"]
            grade = practical_grade(enrolment, item["key"])
            if grade is None:
                problems.append(_("%(item)s: not assessed by a trainer yet.",
                                  item=practical["title"]))
            elif not practical_passed(grade, mark):
                percent = 100 * grade.score / grade.max_score
                problems.append(_("%(item)s: %(score)s obtained, %(mark)s needed.",
                                  item=practical["title"], score=format_percentage(percent),
                                  mark=format_percentage(mark)))
    return problems


def eligibility(enrolment: Enrolment, lang: str = "fr") -> Eligibility:
    """Check every certificate rule of the enrolment's programme, with the exact reasons."""
    structure = enrolment.curriculum_version.structure
    rules = certificate_rules(structure)
    attempts = submitted_attempts(enrolment)
    results = []
    if rules.get("modules_passed"):
        reasons = [p for key in _module_quizzes(structure, rules["modules_passed"])
                   if (p := _quiz_problem(structure, key, attempts.get(key, []), lang))]
        results.append(RuleResult("modules_passed", _("Module quizzes passed"),
                                  "not_met" if reasons else "met", reasons))
    if rules.get("post_test_passed"):
        if structure.get("post_test"):
            key = f"evaluations/{structure['post_test']}"
            problem = _quiz_problem(structure, key, attempts.get(key, []), lang)
            results.append(RuleResult("post_test_passed", _("Post-test passed"),
                                      "not_met" if problem else "met",
                                      [problem] if problem else []))
        else:
            results.append(RuleResult("post_test_passed", _("Post-test passed"), "not_met",
                                      [_("The programme has no post-test: correct its "
                                         "manifest.")]))
    if rules.get("attendance_min") is not None:
        minimum = float(rules["attendance_min"])
        label = _("Attendance at least %(min)s", min=format_percentage(minimum))
        rate = attendance_rate(enrolment)
        if rate is None:
            results.append(RuleResult("attendance_min", label, "unknown",
                                      [attendance_unknown_reason(enrolment)]))
        else:
            ok = rate >= minimum - 1e-9
            results.append(RuleResult("attendance_min", label, "met" if ok else "not_met",
                                      [] if ok else [_("Attendance is %(rate)s.",
                                                       rate=format_percentage(rate))]))
    if rules.get("practicals_passed"):
        label = _("Practical assessments passed")
        problems = practicals_status(enrolment, lang)
        if problems is None:
            results.append(RuleResult("practicals_passed", label, "unknown",
                                      [_("Cannot be checked yet: practical assessments are "
                                         "not graded in the LMS.")]))
        else:
            results.append(RuleResult("practicals_passed", label,
                                      "not_met" if problems else "met", problems))
    return Eligibility(enrolment, results)


# Queries ---------------------------------------------------------------------------------------

def get_by_serial(text: str) -> Certificate | None:
    """The certificate with this serial (as typed), or None."""
    serial = normalize_serial(text)
    if serial is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.serial == serial))


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's current valid certificate, if any."""
    return db.session.scalar(select(Certificate).where(
        Certificate.enrolment_id == enrolment.id, Certificate.status == "valid"))


def list_for_cohort(cohort: Cohort, status: str | None = "valid") -> list[Certificate]:
    """A cohort's certificates (valid ones by default), by name."""
    query = select(Certificate).where(Certificate.cohort_id == cohort.id)
    if status:
        query = query.where(Certificate.status == status)
    return list(db.session.scalars(query.order_by(Certificate.name, Certificate.issued_at)))


def list_for_user(user) -> list[Certificate]:
    """A trainee's certificates, newest first."""
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                   .order_by(Certificate.issued_at.desc())))


def history(certificate: Certificate) -> list[Certificate]:
    """The chain of certificates this one belongs to, oldest first."""
    first = certificate
    while first.supersedes is not None:
        first = first.supersedes
    chain = [first]
    while chain[-1].superseded_by is not None:
        chain.append(chain[-1].superseded_by)
    return chain


# Issue, revoke, reissue ------------------------------------------------------------------------

def _snapshot(certificate: Certificate) -> dict:
    return {"serial": certificate.serial, "name": certificate.name,
            "for": certificate.user.login_id if certificate.user else None,
            "programme": certificate.programme_code, "version": certificate.version_label,
            "status": certificate.status, "key_id": certificate.key_id,
            "valid_until": certificate.valid_until.isoformat() if certificate.valid_until
            else None, "renews": certificate.renews_serial or None}


def next_status_index(kid: str) -> int:
    """The next free entry of the status list of key `kid`."""
    last = db.session.scalar(select(func.max(Certificate.status_index))
                             .where(Certificate.key_id == kid))
    return 0 if last is None else last + 1


def _new_certificate(enrolment: Enrolment, actor, name: str, now: datetime,
                     supersedes: Certificate | None = None) -> Certificate:
    private_key = _private_key()
    cohort, version = enrolment.cohort, enrolment.curriculum_version
    message = _already_issued(enrolment)  # read now: after the insert, a read would flush it
    issued = now.date().isoformat()
    for _attempt in range(5):
        serial = new_serial()
        if db.session.scalar(select(Certificate.id).where(Certificate.serial == serial)) is None:
            break
    kid = signing.key_id(private_key.public_key())
    index = next_status_index(kid)
    until = (supersedes.valid_until if supersedes is not None
             else validity.valid_until(version.structure, now.date()))
    renewed = supersedes.renews_serial if supersedes is not None else getattr(
        validity.renewed_certificate(enrolment), "serial", "")
    trainers = validity.trainer_chain(enrolment)
    token = signing.sign_token(private_key, serial=serial, name=name,
                               programme=version.programme.code, version=version.version,
                               issued=issued, valid_until=until.isoformat() if until else "",
                               status_index=index)
    certificate = Certificate(
        serial=serial, user_id=enrolment.user_id, enrolment_id=enrolment.id,
        cohort_id=cohort.id, programme_id=version.programme_id,
        curriculum_version_id=version.id, site_id=cohort.site_id, name=name,
        programme_code=version.programme.code, programme_title=dict(version.structure["title"]),
        version_label=version.version, content_hash=version.content_hash,
        site_name=cohort.site.name, start_date=cohort.start_date, end_date=cohort.end_date,
        issued_at=now, issued_by_id=getattr(actor, "id", None),
        key_id=kid, token=token, status="valid", supersedes=supersedes,
        service_number=enrolment.user.service_number or "", valid_until=until,
        status_index=index, renews_serial=renewed or "", trainers=trainers)
    db.session.add(certificate)
    try:
        db.session.flush()
    except IntegrityError:
        # Another transaction gave this enrolment a valid certificate after our check: the
        # database's one-valid-per-enrolment index refused the second one.
        db.session.rollback()
        raise CertificateError(message) from None
    return certificate


def _already_issued(enrolment: Enrolment) -> str:
    return _("%(name)s already has a valid certificate for this cohort.",
             name=enrolment.user.display_name)


def _private_key():
    try:
        return signing.load_private_key(key_folder())
    except signing.SigningKeyError:
        raise CertificateError(_("The academy has no signing key yet. An administrator must "
                                 "run `flask lms keys generate` on the server.")) from None


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CertificateError(_("Another person issued this certificate at the same moment. "
                                 "Reload the page to see it.")) from None


def own_enrolment(actor, enrolment: Enrolment) -> bool:
    """True if the acting person is the trainee of this enrolment (separation of duties)."""
    return actor is not None and getattr(actor, "id", None) == enrolment.user_id


def _check_issuable(enrolment: Enrolment, lang: str, actor=None) -> None:
    if own_enrolment(actor, enrolment):
        raise CertificateError(_("You cannot issue a certificate for your own enrolment: "
                                 "another member of staff must issue it."))
    if valid_certificate(enrolment) is not None:
        raise CertificateError(_already_issued(enrolment))
    result = eligibility(enrolment, lang)
    if not result.eligible:
        raise CertificateError(_("%(name)s is not eligible yet: %(rules)s.",
                                 name=enrolment.user.display_name,
                                 rules="; ".join(r.label for r in result.unmet)))


def issue_certificate(enrolment: Enrolment, actor, now: datetime | None = None,
                      lang: str = "fr") -> Certificate:
    """Issue a signed certificate to an eligible trainee who has no valid one."""
    _check_issuable(enrolment, lang, actor)
    certificate = _new_certificate(enrolment, actor, enrolment.user.display_name,
                                   now or utcnow())
    audit.record(actor, "certificate.issue", certificate, after=_snapshot(certificate))
    _commit()
    return certificate


def issue_for_cohort(cohort: Cohort, actor, now: datetime | None = None,
                     lang: str = "fr") -> list[Certificate]:
    """Issue certificates to every eligible trainee of a cohort who has none yet."""
    now = now or utcnow()
    issued = []
    for enrolment in sorted(cohort.enrolments, key=lambda e: (e.user.last_name,
                                                               e.user.first_name)):
        if (own_enrolment(actor, enrolment) or valid_certificate(enrolment) is not None
                or not eligibility(enrolment, lang).eligible):
            continue
        certificate = _new_certificate(enrolment, actor, enrolment.user.display_name, now)
        audit.record(actor, "certificate.issue", certificate,
                     after={**_snapshot(certificate), "batch": cohort.uuid})
        issued.append(certificate)
    _commit()
    return issued


def revoke_certificate(certificate: Certificate, actor, reason: str,
                       now: datetime | None = None) -> Certificate:
    """Revoke a valid certificate, with the reason recorded."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking this certificate."))
    if certificate.status != "valid":
        raise CertificateError(_("Only a valid certificate can be revoked; this one is %(s)s.",
                                 s=status_label(certificate.status)))
    before = _snapshot(certificate)
    certificate.status = "revoked"
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = getattr(actor, "id", None)
    audit.record(actor, "certificate.revoke", certificate, before=before,
                 after={**_snapshot(certificate), "reason": reason})
    _commit()
    return certificate


def reissue_certificate(certificate: Certificate, actor, reason: str, name: str | None = None,
                        now: datetime | None = None) -> Certificate:
    """Replace a valid certificate (e.g. a corrected name) by a new serial that supersedes it."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give the reason for reissuing this certificate."))
    if certificate.status != "valid":
        raise CertificateError(_("Only a valid certificate can be reissued; this one is %(s)s.",
                                 s=status_label(certificate.status)))
    if own_enrolment(actor, certificate.enrolment):
        raise CertificateError(_("You cannot reissue a certificate for your own enrolment: "
                                 "another member of staff must do it."))
    name = " ".join((name or certificate.user.display_name).split())
    if not name:
        raise CertificateError(_("Give the name to print on the certificate."))
    before = _snapshot(certificate)
    # The old certificate stops being valid before the new one is written, in the same
    # transaction: the one-valid-per-enrolment index would refuse the reverse order.
    certificate.status = "superseded"
    db.session.flush()
    new = _new_certificate(certificate.enrolment, actor, name, now or utcnow(),
                           supersedes=certificate)
    audit.record(actor, "certificate.reissue", new, before=before,
                 after={**_snapshot(new), "reason": reason})
    _commit()
    return new


def status_label(status: str) -> str:
    """A certificate status in words."""
    return code_label(CERTIFICATE_STATUSES, status)


# Verification ----------------------------------------------------------------------------------

@dataclass
class TokenCheck:
    """The result of checking a scanned code on the server."""

    claims: signing.Claims | None
    failure: str | None  # malformed | unknown_key | bad_signature | mismatch
    certificate: Certificate | None


def check_token(token: str) -> TokenCheck:
    """Verify a scanned code's signature and match it to the certificate on record."""
    try:
        claims = signing.verify_token(token, public_keys())
    except signing.VerificationFailed as exc:
        return TokenCheck(None, exc.reason, None)
    certificate = get_by_serial(claims.serial)
    printed_until = certificate.valid_until.isoformat() if certificate is not None and \
        certificate.valid_until else ""
    if certificate is not None and (certificate.name, certificate.programme_code,
                                    certificate.version_label) != (
            claims.name, claims.programme, claims.version) or (
            certificate is not None and claims.status_index is not None
            and claims.valid_until != printed_until):
        return TokenCheck(claims, "mismatch", certificate)
    return TokenCheck(claims, None, certificate)
