"""`flask lms sync ...`: set up, exchange identity cards, export and import bundles."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.base import LMSError


@click.group("sync")
def sync_group() -> None:
    """Exchange data between lab servers and the central server with bundle files."""


@sync_group.command("init")
@click.option("--name", required=True, help='This server\'s name, e.g. "Lab Mbuji-Mayi".')
@click.option("--role", type=click.Choice(["central", "lab"]), required=True)
@click.option("--site", "site_code", help="For a lab: the code of its site.")
@with_appcontext
def init_command(name, role, site_code) -> None:
    """Give this server a sync identity and a signing key (kept in the instance folder)."""
    from lms.sync.services import set_up

    try:
        me = set_up(name, role, site_code)
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{me.name} ({me.role}) is ready: give `flask lms sync identity` to its peers.")


@sync_group.command("identity")
@with_appcontext
def identity_command() -> None:
    """Print this server's identity card (JSON with its public key) for its peers."""
    from lms.sync.services import identity_card

    try:
        click.echo(identity_card())
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc


@sync_group.command("add-peer")
@click.argument("card", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def add_peer_command(card) -> None:
    """Trust the server whose identity card is in CARD."""
    from lms.sync.services import add_peer

    try:
        peer = add_peer(Path(card).read_text(encoding="utf-8"))
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Bundles from {peer.name} are now accepted.")


@sync_group.command("export")
@click.argument("peer")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write.")
@with_appcontext
def export_command(peer, output) -> None:
    """Write a signed bundle for PEER (a file to carry on a USB stick)."""
    from lms.sync.services import export_bundle, get_peer

    try:
        filename, data = export_bundle(get_peer(peer))
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    path = Path(output or filename)
    path.write_bytes(data)
    click.echo(f"Wrote {path} ({len(data)} bytes).")


@sync_group.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(bundle) -> None:
    """Verify and merge a peer's bundle (all or nothing; importing twice changes nothing)."""
    from lms.sync.services import import_bundle

    try:
        entry, new = import_bundle(Path(bundle).read_bytes())
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    if not new:
        click.echo(_("This bundle was already imported: nothing changed."))
        return
    for table, tally in entry.counts.items():
        shown = ", ".join(f"{k} {v}" for k, v in tally.items() if v)
        if shown:
            click.echo(f"{table}: {shown}")
    click.echo(_("Import complete."))
