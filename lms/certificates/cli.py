"""`flask lms keys ...` and `flask lms certificate ...`: signing keys and offline verification."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

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
    click.echo(_("New signing key %(kid)s. Earlier public keys are kept. Give verifiers the "
                 "new public key set (`flask lms keys export-public`).", kid=kid))


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
@with_appcontext
def certificate_verify(payload, keys_file) -> None:
    """Check a scanned certificate code offline, with public keys only."""
    if keys_file:
        keys = signing.load_public_keys(keys_file)
    else:
        from lms.certificates.services import public_keys

        keys = public_keys()
    try:
        claims = signing.verify_token(payload, keys)
    except signing.VerificationFailed as exc:
        click.echo(_("NOT VALID: %(reason)s", reason=exc), err=True)
        sys.exit(1)
    serial = f"{claims.serial[:5]}-{claims.serial[5:]}"
    click.echo(_("Signature valid (key %(key)s).", key=claims.key_id))
    for label, value in ((_("Serial:"), serial), (_("Name:"), claims.name),
                         (_("Programme:"), f"{claims.programme} {claims.version}"),
                         (_("Issued:"), claims.issued)):
        click.echo(f"  {label:<14} {value}")
    click.echo(_("A signature cannot show a later revocation: when online, check %(path)s on "
                 "the academy's site.", path="/v/" + claims.serial))


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
