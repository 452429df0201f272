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
@click.option("--numbers", "number_code",
              help="For a lab: 1 to 4 letters or digits put in the academy numbers it hands "
                   "out (drawn at random if not given); two labs of one site need two codes.")
@with_appcontext
def init_command(name, role, site_code, number_code) -> None:
    """Give this server a sync identity and a signing key (kept in the instance folder)."""
    from lms.sync.services import set_up

    try:
        me = set_up(name, role, site_code, number_code)
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{me.name} ({me.role}) is ready: give `flask lms sync identity` to its peers.")
    if me.role == "lab":
        from lms.auth.services import academy_number_prefix

        click.echo(_("Academy numbers given here start with %(prefix)s.",
                     prefix=academy_number_prefix()))


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
@click.option("--full", is_flag=True,
              help="Carry every record again (a new lab, or a server restored from a backup).")
@with_appcontext
def export_command(peer, output, full) -> None:
    """Write a signed bundle for PEER (a file to carry on a USB stick)."""
    from lms.sync.services import export_bundle, get_peer

    try:
        target = get_peer(peer)
        path = Path(output or f"{target.name}.lmsbundle".replace(" ", "_"))
        with path.open("wb") as out:
            _filename, size = export_bundle(target, full=full, out=out)
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {path} ({size} bytes).")


@sync_group.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(bundle) -> None:
    """Verify and merge a peer's bundle (all or nothing; importing twice changes nothing)."""
    from lms.sync.services import import_bundle, summary

    bar = None

    def opened(total: int) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label=_("Importing"))
        bar.__enter__()

    try:
        with Path(bundle).open("rb") as source:
            entry, new = import_bundle(source, progress=lambda n: bar and bar.update(n),
                                       on_open=opened)
    except LMSError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if not new:
        click.echo(_("This bundle was already imported: nothing changed."))
        return
    click.echo(summary(entry))
    click.echo(_("Import complete."))
