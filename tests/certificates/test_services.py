"""Serials, eligibility rules, issue, batch issue, revoke and reissue, each audited."""

import random

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit import AuditRecord
from lms.certificates import services as svc
from lms.certificates import signing
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning.services import ordered_items
from tests.certificates.conftest import eligible_enrolment, pass_everything, take
from tests.conftest import make_cohort, make_enrolment, make_programme_folder, make_user, publish

pytestmark = pytest.mark.usefixtures("ctx")


def test_serials_carry_a_check_character_that_catches_typos():
    rng = random.Random(5)
    serials = [svc.new_serial() for _ in range(100)]
    for _ in range(400):
        body = "".join(rng.choice(svc.ALPHABET) for _ in range(9))
        serials.append(body + svc.check_char(body))
    for serial in serials:
        assert len(serial) == 10 and svc.normalize_serial(serial) == serial
        position = rng.randrange(10)
        wrong = rng.choice([c for c in svc.ALPHABET if c != serial[position]])
        assert svc.normalize_serial(serial[:position] + wrong + serial[position + 1:]) is None
        swap = rng.randrange(9)
        # Luhn mod 32 misses only the swap of neighbours 0 and Z (as Luhn misses 09/90).
        if serial[swap] != serial[swap + 1] and {serial[swap], serial[swap + 1]} != {"0", "Z"}:
            swapped = serial[:swap] + serial[swap + 1] + serial[swap] + serial[swap + 2:]
            assert svc.normalize_serial(swapped) is None


def test_a_typed_serial_forgives_dashes_case_and_look_alike_letters():
    body = "0123456789"[:9].replace("0", "O").replace("1", "I")
    serial = "012345678" + svc.check_char("012345678")
    typed = f" {body[:5].lower()}-{body[5:]}{serial[-1]} "
    assert svc.normalize_serial(typed) == serial
    assert svc.normalize_serial("ABCDE") is None
    assert svc.normalize_serial("UUUUUUUUUU") is None


def test_serials_are_unique_in_the_database(app, key_id, quiz_only_version):
    first = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    second = svc.issue_certificate(eligible_enrolment(quiz_only_version, cohort=first.cohort),
                                   None)
    assert first.serial != second.serial
    second.serial = first.serial
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_bundled_rule_on_attendance_cannot_be_checked_yet(app):
    enrolment = make_enrolment()  # police-de-proximite: all four rules
    pass_everything(enrolment)
    result = svc.eligibility(enrolment, "en")
    by_rule = {r.rule: r for r in result.rules}
    assert by_rule["modules_passed"].status == "met"
    assert by_rule["post_test_passed"].status == "met"
    assert by_rule["attendance_min"].status == "unknown"
    assert "Impossible à vérifier pour l'instant" in by_rule["attendance_min"].reasons[0]
    assert by_rule["practicals_passed"].status == "not_met"
    assert by_rule["practicals_passed"].reasons == [
        "Receiving a complaint at the station\u00a0: pas encore évalué par un formateur."]
    assert not result.eligible


def test_a_trainee_excused_from_every_register_is_told_why_attendance_cannot_be_checked(app):
    from datetime import date, time

    from lms.training.attendance import save_register
    from lms.training.services import create_class, create_meeting

    enrolment = make_enrolment()
    trainer = make_user(roles=("trainer",))
    cohort_class = create_class(enrolment.cohort, "Classe A")
    enrolment.cohort_class = cohort_class
    for day in (6, 8):
        meeting = create_meeting(cohort_class, day=date(2026, 4, day), start=time(8))
        save_register(meeting, {enrolment.id: "excused"}, trainer)
    rule = {r.rule: r for r in svc.eligibility(enrolment, "fr").rules}["attendance_min"]
    assert rule.status == "unknown"
    assert "excusé de tous les 2 appels" in rule.reasons[0]


def test_practicals_graded_by_a_trainer_count_toward_eligibility(app, tmp_path):
    from lms.assessment.services import record_practical
    from lms.training.services import assign_trainer

    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    del data["certificate"]["attendance_min"]
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    cohort = make_cohort(publish(folder))
    trainer = make_user(roles=("trainer",))
    assign_trainer(cohort, trainer, actor=make_user(roles=("admin",)), override=True)
    good, weak = make_enrolment(cohort=cohort), make_enrolment(cohort=cohort)
    pass_everything(good)
    pass_everything(weak)
    practical = "principes/accueil-plainte"
    record_practical(trainer, good, practical,
                     {"accueil": "2", "ecoute": "2", "registre": "2", "suite": "2"}, "", 0)
    record_practical(trainer, weak, practical,
                     {"accueil": "0", "ecoute": "1", "registre": "0", "suite": "0"}, "", 0)
    assert svc.eligibility(good).eligible
    result = svc.eligibility(weak, "fr")
    assert [r.rule for r in result.unmet] == ["practicals_passed"]
    assert result.unmet[0].reasons == [
        "Accueillir une plainte au poste\u00a0: 12,5\u00a0% obtenus, 50\u00a0% nécessaires."]


def test_eligibility_names_each_quiz_not_passed_and_why(app, quiz_only_version):
    enrolment = make_enrolment(cohort=make_cohort(quiz_only_version))
    special = {"principes/quiz-principes", "partenariat/quiz-partenariat",
               "evaluations/post-test"}
    for item in ordered_items(quiz_only_version.structure):
        if item["kind"] == "quiz" and item["key"] not in special:
            take(enrolment, item["key"])
    take(enrolment, "principes/quiz-principes", percent=30)
    take(enrolment, "partenariat/quiz-partenariat", percent=0, pending=1)
    result = svc.eligibility(enrolment, "fr")
    assert not result.eligible
    modules = next(r for r in result.rules if r.rule == "modules_passed")
    assert modules.status == "not_met"
    text = " ".join(modules.reasons)
    assert ("Les principes de la police de proximité\u00a0: 30\u00a0% obtenus, "
            "50\u00a0% nécessaires.") in text
    assert ("Le partenariat avec la population\u00a0: des réponses attendent la correction "
            "d'un formateur.") in text
    post = next(r for r in result.rules if r.rule == "post_test_passed")
    assert post.status == "not_met" and "pas encore passé" in post.reasons[0]


def test_issue_records_what_was_certified_and_audits_it(app, key_id, quiz_only_version):
    staff = make_user(roles=("staff",), first_name="Joseph", last_name="Kabongo")
    enrolment = eligible_enrolment(quiz_only_version, first_name="Grâce", last_name="Ilunga")
    cert = svc.issue_certificate(enrolment, staff)
    assert (cert.name, cert.programme_code, cert.version_label) == (
        "Grâce ILUNGA", "police-de-proximite", "1.0.0")
    assert cert.content_hash == quiz_only_version.content_hash
    assert cert.site_name == "École de police de Mbuji-Mayi" and cert.issued_by_id == staff.id
    assert cert.key_id == key_id and cert.status == "valid"
    claims = signing.verify_token(cert.token, svc.public_keys())
    assert (claims.serial, claims.name) == (cert.serial, "Grâce ILUNGA")
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action ==
                                                        "certificate.issue"))
    assert entry.actor_id == staff.id and entry.target_id == cert.uuid
    assert entry.after["serial"] == cert.serial
    with pytest.raises(svc.CertificateError, match="a déjà un certificat valide"):
        svc.issue_certificate(enrolment, staff)


def test_an_ineligible_trainee_gets_no_certificate(app, key_id, quiz_only_version):
    enrolment = make_enrolment(cohort=make_cohort(quiz_only_version))
    with pytest.raises(svc.CertificateError, match="ne remplit pas encore les conditions"):
        svc.issue_certificate(enrolment, None)
    assert db.session.scalar(select(Certificate)) is None


def test_without_a_signing_key_issuing_says_how_to_make_one(app, quiz_only_version):
    with pytest.raises(svc.CertificateError, match="flask lms keys generate"):
        svc.issue_certificate(eligible_enrolment(quiz_only_version), None)


def test_batch_issue_gives_one_per_eligible_trainee_and_none_to_others(app, key_id,
                                                                      quiz_only_version):
    cohort = make_cohort(quiz_only_version)
    ready = [eligible_enrolment(quiz_only_version, cohort=cohort) for _ in range(3)]
    waiting = make_enrolment(cohort=cohort)
    already = svc.issue_certificate(ready[0], None)
    issued = svc.issue_for_cohort(cohort, None)
    assert sorted(c.enrolment_id for c in issued) == sorted(e.id for e in ready[1:])
    assert svc.valid_certificate(waiting) is None
    assert svc.valid_certificate(ready[0]).id == already.id
    assert svc.issue_for_cohort(cohort, None) == []
    actions = db.session.scalars(select(AuditRecord.action).where(
        AuditRecord.action == "certificate.issue")).all()
    assert len(actions) == 3


def _copy(certificate: Certificate, status: str) -> Certificate:
    """Another row for the same enrolment, written straight to the database."""
    skip = {"id", "uuid", "serial", "status", "created_at", "updated_at", "supersedes_id",
            "status_index"}
    values = {c.key: getattr(certificate, c.key) for c in Certificate.__table__.columns
              if c.key not in skip}
    return Certificate(**values, serial=svc.new_serial(), status=status)


def _certificates() -> list[tuple[int, str]]:
    return [(c.enrolment_id, c.status) for c in db.session.scalars(
        select(Certificate).order_by(Certificate.id))]


def test_the_database_refuses_a_second_valid_certificate_for_an_enrolment(
        app, key_id, quiz_only_version):
    enrolment = eligible_enrolment(quiz_only_version)
    first = svc.issue_certificate(enrolment, None)
    db.session.add_all([_copy(first, "revoked"), _copy(first, "superseded")])
    db.session.commit()  # any number of revoked and replaced ones
    db.session.add(_copy(first, "valid"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert _certificates() == [(enrolment.id, "valid"), (enrolment.id, "revoked"),
                               (enrolment.id, "superseded")]


def test_issuing_at_the_same_instant_as_a_colleague_says_already_issued_and_writes_nothing(
        app, key_id, quiz_only_version, monkeypatch):
    """A colleague's certificate was committed just after our check looked for one."""
    staff = make_user(roles=("staff",))
    enrolment = eligible_enrolment(quiz_only_version, first_name="Grâce", last_name="Ilunga")
    theirs = svc.issue_certificate(enrolment, None)
    monkeypatch.setattr(svc, "valid_certificate", lambda enrolment: None)  # the stale check
    with pytest.raises(svc.CertificateError,
                       match="Grâce ILUNGA a déjà un certificat valide pour cette cohorte."):
        svc.issue_certificate(enrolment, staff)
    assert _certificates() == [(enrolment.id, "valid")]
    assert db.session.scalars(select(Certificate.id)).all() == [theirs.id]
    assert db.session.scalars(select(AuditRecord.actor_id).where(
        AuditRecord.action == "certificate.issue")).all() == [None]


def test_a_batch_that_meets_a_colleagues_certificate_is_undone_whole(
        app, key_id, quiz_only_version, monkeypatch):
    cohort = make_cohort(quiz_only_version)
    first, second = (eligible_enrolment(quiz_only_version, cohort=cohort, last_name=name)
                     for name in ("Amisi", "Banza"))
    svc.issue_certificate(first, None)
    with monkeypatch.context() as patch:
        patch.setattr(svc, "valid_certificate", lambda enrolment: None)
        with pytest.raises(svc.CertificateError, match="a déjà un certificat valide"):
            svc.issue_for_cohort(cohort, None)
    assert _certificates() == [(first.id, "valid")]
    assert [c.enrolment_id for c in svc.issue_for_cohort(cohort, None)] == [second.id]


def test_a_revoked_certificate_can_be_followed_by_a_new_one(app, key_id, quiz_only_version):
    enrolment = eligible_enrolment(quiz_only_version)
    svc.revoke_certificate(svc.issue_certificate(enrolment, None), None, "Erreur de saisie")
    again = svc.issue_certificate(enrolment, None)
    assert svc.valid_certificate(enrolment).id == again.id
    assert _certificates() == [(enrolment.id, "revoked"), (enrolment.id, "valid")]


def test_revoke_needs_a_reason_and_is_audited(app, key_id, quiz_only_version):
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    staff = make_user(roles=("staff",))
    with pytest.raises(svc.CertificateError, match="raison"):
        svc.revoke_certificate(cert, staff, "  ")
    svc.revoke_certificate(cert, staff, "Fraude à l'examen")
    assert cert.status == "revoked" and cert.revoked_at is not None
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action ==
                                                        "certificate.revoke"))
    assert entry.before["status"] == "valid" and entry.after["reason"] == "Fraude à l'examen"
    with pytest.raises(svc.CertificateError, match="Seul un certificat valide"):
        svc.revoke_certificate(cert, staff, "again")


def test_reissue_supersedes_the_old_certificate_and_keeps_history(app, key_id,
                                                                   quiz_only_version):
    enrolment = eligible_enrolment(quiz_only_version, first_name="Grace", last_name="Ilunga")
    old = svc.issue_certificate(enrolment, None)
    new = svc.reissue_certificate(old, None, "Accent oublié", name="Grâce ILUNGA")
    assert old.status == "superseded" and new.supersedes_id == old.id
    assert new.serial != old.serial and new.name == "Grâce ILUNGA"
    assert svc.valid_certificate(enrolment).id == new.id
    assert [c.id for c in svc.history(old)] == [old.id, new.id]
    entry = db.session.scalar(select(AuditRecord).where(AuditRecord.action ==
                                                        "certificate.reissue"))
    assert entry.before["serial"] == old.serial and entry.after["serial"] == new.serial
    # The old code still carries a valid signature: only the record says it is replaced.
    assert signing.verify_token(old.token, svc.public_keys()).name == "Grace ILUNGA"
    newest = svc.reissue_certificate(new, None, "Grade ajouté")
    assert _certificates() == [(enrolment.id, "superseded")] * 2 + [(enrolment.id, "valid")]
    assert [c.id for c in svc.history(old)] == [old.id, new.id, newest.id]


def test_a_programme_without_rules_needs_its_quizzes_passed(app, tmp_path):
    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    del data["certificate"]
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    enrolment = make_enrolment(cohort=make_cohort(publish(folder)))
    assert [r.rule for r in svc.eligibility(enrolment).rules] == ["modules_passed",
                                                                 "post_test_passed"]


def test_attendance_rate_from_class_registers_counts_toward_eligibility(app, tmp_path):
    from datetime import date, time

    from lms.training.attendance import save_register
    from lms.training.services import create_class, create_meeting, move_to_class

    folder = make_programme_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    del data["certificate"]["practicals_passed"]
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    cohort = make_cohort(publish(folder))
    good, weak, unseen = (make_enrolment(cohort=cohort) for _ in range(3))
    for enrolment in (good, weak, unseen):
        pass_everything(enrolment)
    cohort_class = create_class(cohort, "Class A")
    for enrolment in (good, weak):
        move_to_class(enrolment, cohort_class)
    trainer = make_user(roles=("trainer",))
    for day in range(1, 6):
        meeting = create_meeting(cohort_class, day=date(2026, 4, day), start=time(8))
        save_register(meeting, {good.id: "absent" if day == 1 else "present",
                                weak.id: "absent" if day <= 2 else "late"}, trainer)
    db.session.commit()
    assert svc.eligibility(good).eligible  # 4 of 5: exactly the 80 % minimum
    weak_result = svc.eligibility(weak, "en")
    assert [r.rule for r in weak_result.unmet] == ["attendance_min"]
    assert weak_result.unmet[0].reasons == ["La présence est de 60\u00a0%."]
    unseen_rule = svc.eligibility(unseen, "en").unmet[0]
    assert (unseen_rule.rule, unseen_rule.status) == ("attendance_min", "unknown")
