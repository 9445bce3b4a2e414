"""The `credentials` commands: the portal's signing keys. Private keys are never printed."""

from __future__ import annotations

import click

from portal.credentials import queries, services
from portal.extensions import db


@click.group("credentials", help="Signing keys for verifiable accreditation credentials.")
def credentials_cli() -> None:
    """Commands for credential signing keys."""


@credentials_cli.command("ensure-key")
def ensure_key() -> None:
    """Create the first signing key if there is none."""
    key = services.ensure_key()
    db.session.commit()
    click.echo(f"Signing with key {key.kid}")


@credentials_cli.command("rotate-key")
def rotate_key() -> None:
    """Retire the signing key and sign with a new one from now on. Credentials the old key
    signed still verify: its public half stays in /.well-known/jwks.json."""
    key = services.rotate_key()
    db.session.commit()
    click.echo(f"Signing with new key {key.kid}; earlier keys stay published to verify with")


@credentials_cli.command("list-keys")
def list_keys() -> None:
    """Each key's kid, status and dates (public facts only)."""
    for key in queries.signing_keys():
        retired = f", retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
        created = f"created {key.created_at:%Y-%m-%d %H:%M}"
        click.echo(f"{key.kid}  {key.status.label}  {created}{retired}")
