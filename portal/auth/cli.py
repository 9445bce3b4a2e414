"""The `users` command: create the first administrator on a new installation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.auth import services
from portal.core.errors import DomainError
from portal.extensions import db


@click.group("users", help="Accounts from the command line.")
def users_cli() -> None:
    pass


@users_cli.command("create-admin")
@click.option("--name", prompt=True)
@click.option("--email", prompt=True)
@click.password_option()
@with_appcontext
def create_admin(name: str, email: str, password: str) -> None:
    """Create a confirmed administrator account (or make an existing account one)."""
    try:
        user = services.find_user_by_email(email) or services.create_confirmed_account(
            name=name, email=email, password=password
        )
        services.bootstrap_administrator(user)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{user.email} is an administrator.")
