"""Certificate pages: public verification, trainees' own certificates, staff issue and revoke."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.access import staff_required
from lms.auth.models import User
from lms.base import utcnow
from lms.certificates import bp, validity
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.i18n import current_locale
from lms.lazy import lazy_module
from lms.training.models import Cohort, Enrolment

# Issuing, signing and checking certificates: imported by the first such page, not by every
# worker of a classroom server.
badges = lazy_module("lms.certificates.badges")
carried = lazy_module("lms.certificates.carried")
public = lazy_module("lms.certificates.public")
signing = lazy_module("lms.certificates.signing")
svc = lazy_module("lms.certificates.services")
transcripts = lazy_module("lms.certificates.transcript")

# Helpers ---------------------------------------------------------------------------------------


def verification_url(cert: Certificate, with_token: bool = False) -> str:
    """The public verification address of a certificate, with its signed code if asked."""
    args = {"serial": cert.serial}
    if with_token:
        args["p"] = cert.token
    base = current_app.config.get("LMS_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("lms.certificates.verify", **args)
    return url_for("lms.certificates.verify", _external=True, **args)


def _issuer() -> str:
    return current_app.config["LMS_ACADEMY_NAME"]


def _pdf_response(data: bytes, name: str, mimetype: str = "application/pdf") -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def get_certificate_for(user, certificate_id: int) -> Certificate:
    """A certificate the user may see (their own, or any for staff), or 404."""
    cert = db.session.get(Certificate, certificate_id)
    if cert is None or not (cert.user_id == user.id or user.has_role("staff")):
        abort(404)
    return cert


def get_cohort_for_staff(user, cohort_id: int) -> Cohort:
    """A cohort for staff, or 404."""
    cohort = db.session.get(Cohort, cohort_id, options=[
        selectinload(Cohort.enrolments).joinedload(Enrolment.user)])
    if cohort is None or not user.has_role("staff"):
        abort(404)
    return cohort


# Public verification (no login) ----------------------------------------------------------------

def _throttled():
    """A 429 page when this address checked too many certificates lately, else None."""
    try:
        public.count_lookup(request.remote_addr or "unknown")
    except public.LookupThrottled as exc:
        return render_template("lms/error.html", title=_("Too many checks"),
                               message=str(exc)), 429, {"Retry-After": "60"}
    return None


@bp.route("/v", strict_slashes=False)
def verify_form():
    """Let anyone type a certificate serial (or paste a scanned code) to check it."""
    typed = request.args.get("serial", "").strip()
    if (typed or request.args.get("p")) and (refused := _throttled()):
        return refused
    if request.args.get("p"):
        return _verification_page(None, request.args["p"])
    if typed:
        serial = svc.normalize_serial(typed)
        if serial is None:
            return render_template("lms/certificates/verify_form.html", typed=typed,
                                   error=_("This is not a valid serial: check each character "
                                           "(10 letters and digits, e.g. 7K3QD-XM2P9).")), 200
        return redirect(url_for("lms.certificates.verify", serial=serial))
    return render_template("lms/certificates/verify_form.html", typed="", error=None)


@bp.route("/v/<serial>")
def verify(serial):
    """Show anyone whether a certificate is valid, expired, revoked, superseded or unknown."""
    return _throttled() or _verification_page(serial, request.args.get("p"))


def _verification_page(serial: str | None, token: str | None):
    check = svc.check_token(token) if token else None
    cert = check.certificate if check else None
    if serial is not None and cert is None:
        cert = svc.get_by_serial(serial)
    if check and check.claims and serial and svc.normalize_serial(serial) != check.claims.serial:
        check.failure = "mismatch"
    verdict = validity.verdict(cert, utcnow().date()) if cert else None
    if verdict == "valid" and carried.revoked_by_issuer(cert.key_id, cert.status_index):
        verdict = "revoked"  # the issuer's status list, carried here by a sync bundle
    return render_template("lms/certificates/verify.html", cert=cert, check=check,
                           serial=serial, lang=current_locale(), verdict=verdict)


def status_list_url(kid: str) -> str:
    """The stable public address of a signing key's status list."""
    return carried.status_list_url(kid)


@bp.route("/v/status/<key_id>.json")
def status_list(key_id):
    """Publish the signed status list (W3C Bitstring Status List) of one signing key."""
    issued_elsewhere = carried.stored(key_id) if key_id != carried.own_key_id() else None
    if issued_elsewhere is not None:  # the issuer's list, byte for byte, never re-signed here
        return Response(issued_elsewhere, mimetype="application/vc+ld+json",
                        headers={"Cache-Control": "public, max-age=300"})
    if key_id not in public.status_list_keys():
        abort(404)
    try:
        key = signing.load_private_key(svc.key_folder())
    except signing.SigningKeyError:
        abort(503)
    document = public.status_list_document(key_id, status_list_url(key_id), key)
    return Response(json.dumps(document, ensure_ascii=False, indent=2),
                    mimetype="application/vc+ld+json",
                    headers={"Cache-Control": "public, max-age=300"})


@bp.route("/v/keys.json")
def public_key_set():
    """Publish the academy's public keys (current and retired) as a JSON key set."""
    return Response(json.dumps(public.key_set(), indent=2), mimetype="application/json")


@bp.route("/v/how")
def how_to_verify():
    """Explain to third parties how to check a certificate, online or offline."""
    return render_template("lms/certificates/how.html",
                           keys_url=url_for("lms.certificates.public_key_set", _external=True),
                           lists=[(k, status_list_url(k)) for k in public.status_list_keys()])


@bp.route("/v/verifier.html")
def verifier_file():
    """Download the stand-alone HTML verifier, with the academy's public keys inside."""
    page = render_template("lms/certificates/verifier.html", key_set=public.key_set(),
                           academy=_issuer())
    return Response(page, mimetype="text/html", headers={
        "Content-Disposition": 'attachment; filename="verifier-certificats.html"'})


# Trainees: their own certificates and transcript ----------------------------------------------

def _pdf():
    """The PDF module, imported by the first download: fpdf2 and its fonts weigh ~30 MB."""
    from lms.certificates import pdf

    return pdf


@bp.route("/my/certificates")
@login_required
def mine():
    """List the signed-in trainee's certificates with downloads."""
    return render_template("lms/certificates/mine.html",
                           certificates=svc.list_for_user(current_user), lang=current_locale())


@bp.route("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def certificate_pdf(certificate_id):
    """Download one certificate as a printable PDF (its owner or staff)."""
    cert = get_certificate_for(current_user, certificate_id)
    return _pdf_response(_pdf().certificates_pdf([cert], _issuer(), verification_url),
                         _pdf().file_name(cert))


@bp.route("/certificates/<int:certificate_id>/badge.json")
@login_required
def badge(certificate_id):
    """Download a certificate as an Open Badges 3.0 credential (its owner or staff)."""
    cert = get_certificate_for(current_user, certificate_id)
    revoked = carried.revoked_by_issuer(cert.key_id, cert.status_index)
    if cert.status != "valid" or revoked:
        return render_template("lms/error.html", title=_("No badge for this certificate"),
                               message=_("This certificate is %(status)s: its badge is no "
                                         "longer offered, and badges downloaded earlier now show "
                                         "it as revoked.",
                                         status=svc.status_label("revoked" if revoked
                                                                 else cert.status))
                               ), 410
    try:
        key = signing.load_private_key(svc.key_folder())
    except signing.SigningKeyError:
        abort(503)
    rules = svc.certificate_rules(cert.curriculum_version.structure)
    credential = badges.credential(cert, issuer_name=_issuer(),
                                   verify_url=verification_url(cert),
                                   criteria=transcripts.rules_narrative(rules), private_key=key,
                                   status_list_url=status_list_url(cert.key_id))
    return _pdf_response(json.dumps(credential, ensure_ascii=False, indent=2).encode(),
                         f"badge-{cert.serial}.json", "application/json")


@bp.route("/my/transcript.pdf")
@login_required
def my_transcript():
    """Download the signed-in trainee's transcript."""
    data = transcripts.transcript_for(current_user, utcnow().date())
    return _pdf_response(_pdf().transcript_pdf(data, _issuer()), "releve-de-notes.pdf")


@bp.route("/certificates/trainee/<int:user_id>/transcript.pdf")
@staff_required
def trainee_transcript(user_id):
    """Download any trainee's transcript (staff)."""
    user = db.session.get(User, user_id) or abort(404)
    data = transcripts.transcript_for(user, utcnow().date())
    return _pdf_response(_pdf().transcript_pdf(data, _issuer()),
                         f"releve-de-notes-{user.login_id}.pdf")


# Staff: eligibility, issue, print, revoke, reissue ---------------------------------------------

@bp.route("/certificates")
@staff_required
def index():
    """List cohorts with their number of trainees and valid certificates (staff)."""
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc())).all()
    counts = {c.id: len(svc.list_for_cohort(c)) for c in cohorts}
    return render_template("lms/certificates/index.html", cohorts=cohorts, counts=counts,
                           lang=current_locale())


@bp.route("/certificates/cohort/<int:cohort_id>")
@staff_required
def cohort(cohort_id):
    """Show who in a cohort is eligible, which rule others miss, and their certificates."""
    cohort = get_cohort_for_staff(current_user, cohort_id)
    lang = current_locale()
    rows = [(svc.eligibility(e, lang), svc.valid_certificate(e)) for e in
            sorted(cohort.enrolments, key=lambda e: (e.user.last_name, e.user.first_name))]
    others = [c for c in svc.list_for_cohort(cohort, status=None) if c.status != "valid"]
    return render_template("lms/certificates/cohort.html", cohort=cohort, rows=rows,
                           others=others, lang=lang,
                           ready=sum(1 for r, c in rows if r.eligible and c is None),
                           printable=sum(1 for _r, c in rows if c is not None))


@bp.route("/certificates/cohort/<int:cohort_id>/issue", methods=["POST"])
@staff_required
def issue(cohort_id):
    """Issue one trainee's certificate, or every eligible trainee's (staff)."""
    cohort = get_cohort_for_staff(current_user, cohort_id)
    try:
        if request.form.get("enrolment_id"):
            enrolment = next((e for e in cohort.enrolments
                              if str(e.id) == request.form["enrolment_id"]), None)
            if enrolment is None:
                abort(404)
            cert = svc.issue_certificate(enrolment, current_user, lang=current_locale())
            flash(_("Certificate %(serial)s issued to %(name)s.", serial=cert.display_serial,
                    name=cert.name), "success")
        else:
            issued = svc.issue_for_cohort(cohort, current_user, lang=current_locale())
            if issued:
                flash(_("%(n)d certificates issued. Download them below to print.",
                        n=len(issued)), "success")
            else:
                flash(_("No certificate issued: no eligible trainee is waiting for one."),
                      "info")
    except svc.CertificateError as exc:
        flash(str(exc), "error")
    return redirect(url_for("lms.certificates.cohort", cohort_id=cohort.id))


@bp.route("/certificates/cohort/<int:cohort_id>/certificates.pdf")
@staff_required
def cohort_pdf(cohort_id):
    """Download every valid certificate of a cohort as one PDF to print (staff)."""
    return _cohort_download(cohort_id, "pdf")


@bp.route("/certificates/cohort/<int:cohort_id>/certificates.zip")
@staff_required
def cohort_zip(cohort_id):
    """Download one PDF per trainee plus the combined PDF, as a zip (staff)."""
    return _cohort_download(cohort_id, "zip")


def _cohort_download(cohort_id: int, fmt: str):
    """The cohort's valid certificates as a PDF or a zip, or back to the cohort if none."""
    cohort = get_cohort_for_staff(current_user, cohort_id)
    certificates = svc.list_for_cohort(cohort)
    if not certificates:
        flash(_("This cohort has no valid certificate to print yet."), "info")
        return redirect(url_for("lms.certificates.cohort", cohort_id=cohort.id))
    if fmt == "zip":
        return _pdf_response(_pdf().certificates_zip(certificates, _issuer(), verification_url),
                             f"certificats-cohorte-{cohort.id}.zip", "application/zip")
    return _pdf_response(_pdf().certificates_pdf(certificates, _issuer(), verification_url),
                         f"certificats-cohorte-{cohort.id}.pdf")


@bp.route("/certificates/<int:certificate_id>")
@staff_required
def detail(certificate_id):
    """Show a certificate with its history and the revoke and reissue forms (staff)."""
    cert = get_certificate_for(current_user, certificate_id)
    return render_template("lms/certificates/detail.html", cert=cert,
                           history=svc.history(cert), lang=current_locale(),
                           url=verification_url(cert))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@staff_required
def revoke(certificate_id):
    """Revoke a certificate with a reason, after a confirmation page: it is final (staff)."""
    cert = get_certificate_for(current_user, certificate_id)
    reason = request.form.get("reason", "").strip()
    if reason and cert.status == "valid" and request.form.get("confirm") != "yes":
        return render_template("lms/certificates/revoke_confirm.html", cert=cert,
                               reason=reason)
    try:
        svc.revoke_certificate(cert, current_user, reason)
        flash(_("Certificate %(serial)s is revoked. Anyone who checks it now sees it.",
                serial=cert.display_serial), "success")
    except svc.CertificateError as exc:
        flash(str(exc), "error")
    return redirect(url_for("lms.certificates.detail", certificate_id=cert.id))


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@staff_required
def reissue(certificate_id):
    """Replace a certificate by a new one (e.g. corrected name) that supersedes it (staff)."""
    cert = get_certificate_for(current_user, certificate_id)
    try:
        new = svc.reissue_certificate(cert, current_user, request.form.get("reason", ""),
                                      name=request.form.get("name"))
    except svc.CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("lms.certificates.detail", certificate_id=cert.id))
    flash(_("New certificate %(serial)s issued; %(old)s is now superseded. Print the new one.",
            serial=new.display_serial, old=cert.display_serial), "success")
    return redirect(url_for("lms.certificates.detail", certificate_id=new.id))


@bp.route("/certificates/expiring")
@staff_required
def expiring():
    """List the officers whose certificates expire in the next 90 days, by site and unit."""
    rows, sites, units, site_id, unit = _expiring_rows()
    return render_template("lms/certificates/expiring.html", rows=rows, sites=sites,
                           units=units, site_id=site_id, unit=unit, lang=current_locale())


@bp.route("/certificates/expiring.csv")
@staff_required
def expiring_csv():
    """Download the certificates expiring in the next 90 days as CSV (staff)."""
    from lms.training.exports import to_csv

    rows = _expiring_rows()[0]
    header = [_("Site"), _("Unit"), _("Service number"), _("Name"), _("Programme"),
              _("Serial"), _("Valid until")]
    lines = [[r.site, r.unit, r.certificate.service_number, r.certificate.name,
              r.certificate.title_in(current_locale()), r.certificate.display_serial,
              r.certificate.valid_until.isoformat()] for r in rows]
    return Response(to_csv(header, lines), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="certificats-a-renouveler.csv"'})


def _expiring_rows():
    from lms.auth.models import Site

    site_id = request.args.get("site", type=int)
    unit = request.args.get("unit", "").strip()
    rows = validity.list_expiring(utcnow().date(), 90, site_id=site_id, unit=unit)
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    units = sorted({u for u in db.session.scalars(select(User.unit).distinct()) if u})
    return rows, sites, units, site_id, unit


@bp.context_processor
def _helpers() -> dict:
    return {"status_label": svc.status_label, "today": utcnow().date()}
