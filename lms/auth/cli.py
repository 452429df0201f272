"""`flask lms user ...`: accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.option("--service-number", help="Police service number (matricule), if known.")
@click.option("--academy-number", help="Academy number; generated when omitted.")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--sex", type=click.Choice(["F", "M"], case_sensitive=False), required=True)
@click.option("--rank", default="")
@click.option("--unit", default="")
@click.option("--role", "roles", multiple=True, default=["trainee"],
              type=click.Choice(["trainee", "trainer", "staff", "admin"]),
              help="Repeat for several roles.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_create(service_number, academy_number, first_name, last_name, sex, rank, unit, roles,
                password) -> None:
    """Create a user who signs in with the service (or academy) number."""
    from lms.auth.services import AccountError, create_user

    try:
        user = create_user(service_number=service_number, academy_number=academy_number,
                           first_name=first_name, last_name=last_name, sex=sex, rank=rank,
                           unit=unit, roles=roles, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Created %(name)s: sign in with %(login)s", name=user.display_name,
                 login=user.login_id))
