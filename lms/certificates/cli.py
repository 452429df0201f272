"""`flask lms keys ...` and `flask lms certificate ...`: signing keys and offline verification."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.certificates import signing


@click.group("keys")
def keys_group() -> None:
    """Manage the academy's certificate signing keys (kept in the instance folder)."""


@keys_group.command("generate")
@with_appcontext
def keys_generate() -> None:
    """Create the signing key (private key mode 600 in the instance folder)."""
    from lms.certificates.services import key_folder

    try:
        kid = signing.generate_key(key_folder())
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Signing key %(kid)s created in %(folder)s. Keep a safe offline copy of it; "
                 "never commit it. Export the public keys with `flask lms keys export-public`.",
                 kid=kid, folder=key_folder()))


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Replace the signing key; old public keys stay so earlier certificates still verify."""
    from lms.certificates.services import key_folder

    try:
        kid = signing.generate_key(key_folder(), rotate=True)
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("New signing key %(kid)s. Earlier public keys are kept. Give verifiers the new "
                 "public key set (`flask lms keys export-public`).", kid=kid))


@keys_group.command("export-public")
@click.option("--format", "fmt", type=click.Choice(["json", "pem"]), default="json")
@with_appcontext
def keys_export_public(fmt) -> None:
    """Print every public key (current and retired) for offline verifiers."""
    from lms.certificates.services import key_folder

    key_set = signing.read_key_set(key_folder())
    if not key_set["keys"]:
        raise click.ClickException(_("No key yet: run `flask lms keys generate`."))
    click.echo(json.dumps(key_set, indent=2) if fmt == "json" else signing.export_pem(key_set),
               nl=fmt == "json")


@click.group("certificate")
def certificate_group() -> None:
    """Verify and manage certificates."""


@certificate_group.command("verify")
@click.argument("payload")
@click.option("--public-keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
              help="Exported public key set (JSON or PEM); default: this server's keys.")
@click.option("--status-list", "list_file", type=click.Path(exists=True, dir_okay=False),
              help="Status list file exported by `flask lms certificate status-list`.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Check validity on this day (default: today).")
@with_appcontext
def certificate_verify(payload, keys_file, list_file, today) -> None:
    """Check a scanned certificate code offline: signature, validity, and revocation."""
    from datetime import date

    from lms.certificates import status

    try:
        if keys_file:
            keys = signing.load_public_keys(keys_file)
        else:
            from lms.certificates.services import public_keys

            keys = public_keys()
    except (ValueError, UnicodeDecodeError, RecursionError, KeyError, TypeError,
            AttributeError):
        raise click.ClickException(_(
            "%(file)s is not a public key file of the academy (export it again with "
            "`flask lms keys export-public`).", file=keys_file)) from None
    try:
        claims = signing.verify_token(payload, keys)
    except signing.VerificationFailed as exc:
        click.echo(_("NOT VALID: %(reason)s", reason=exc), err=True)
        sys.exit(1)
    day = today.date() if today else date.today()
    serial = f"{claims.serial[:5]}-{claims.serial[5:]}"
    click.echo("\n".join((
        _("Signature valid (key %(kid)s).", kid=claims.key_id),
        "  " + _("Serial: %(serial)s", serial=serial),
        "  " + _("Name: %(name)s", name=claims.name),
        "  " + _("Programme: %(programme)s version %(version)s", programme=claims.programme,
                 version=claims.version),
        "  " + _("Issued: %(day)s", day=claims.issued),
        "  " + _("Valid until: %(day)s", day=claims.valid_until or _("no expiry")))))
    verdict, note = "valid", ""
    if list_file:
        try:
            found, dated = status.status_of(status.load_status_lists(list_file), claims.key_id,
                                            claims.status_index, keys)
        except status.StatusListError as exc:
            raise click.ClickException(str(exc)) from None
        if found == "revoked":
            verdict = "revoked"
            note = _("The status list of %(day)s marks it revoked (or replaced).", day=dated)
        elif found == "unknown":
            note = _("The status list file does not cover this certificate's key: get a newer "
                     "one.")
        else:
            note = _("Not revoked according to the status list of %(day)s.", day=dated)
    else:
        note = _("Without --status-list a revocation cannot be seen: give the latest status "
                 "list file, or check /v/%(serial)s on the academy's site when online.",
                 serial=claims.serial)
    if verdict == "valid" and claims.valid_until and day.isoformat() > claims.valid_until:
        verdict = "expired"
        note = _("Its validity ended on %(day)s.", day=claims.valid_until) + " " + note
    words = {"valid": _("VALID."), "revoked": _("REVOKED."), "expired": _("EXPIRED.")}
    click.echo(f"{words[verdict]} {note}")
    if verdict != "valid":
        sys.exit(2)


@certificate_group.command("status-list")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: print).")
@with_appcontext
def certificate_status_list(output) -> None:
    """Export the signed status lists (one per signing key) for offline verifiers."""
    from lms.certificates import public
    from lms.certificates.services import key_folder
    from lms.certificates.views import status_list_url

    try:
        key = signing.load_private_key(key_folder())
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    from flask import current_app, has_request_context

    def document(kid: str) -> dict:
        if has_request_context():
            return public.status_list_document(kid, status_list_url(kid), key)
        with current_app.test_request_context():  # url_for outside a request
            return public.status_list_document(kid, status_list_url(kid), key)

    lists = [document(kid) for kid in public.status_list_keys()]
    if not lists:
        raise click.ClickException(_("No certificate has a status list entry yet."))
    text = json.dumps(lists[0] if len(lists) == 1 else lists, ensure_ascii=False, indent=2)
    if output == "-":
        click.echo(text)
    else:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        click.echo(ngettext("%(num)d status list written to %(file)s.",
                            "%(num)d status lists written to %(file)s.", len(lists),
                            file=output))


@certificate_group.command("list")
@click.option("--cohort", "cohort_id", type=int, help="Only this cohort (id).")
@with_appcontext
def certificate_list(cohort_id) -> None:
    """List certificates: serial, status, name, programme."""
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    query = select(Certificate).order_by(Certificate.issued_at)
    if cohort_id:
        query = query.where(Certificate.cohort_id == cohort_id)
    for cert in db.session.scalars(query):
        click.echo(f"{cert.display_serial}\t{cert.status}\t{cert.name}\t{cert.programme_code}\t"
                   f"{cert.issued_at:%Y-%m-%d}")


@certificate_group.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True)
@with_appcontext
def certificate_revoke(serial, reason) -> None:
    """Revoke a certificate by serial, with a reason."""
    from lms.certificates import services as svc

    cert = svc.get_by_serial(serial)
    if cert is None:
        raise click.ClickException(_("No certificate %(serial)s.", serial=serial))
    try:
        svc.revoke_certificate(cert, None, reason)
    except svc.CertificateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("%(serial)s revoked.", serial=cert.display_serial))
