"""The `api` commands."""

from __future__ import annotations

import click

from portal.api import services
from portal.core.db import utcnow
from portal.extensions import db


@click.group("api", help="The register API and its clients.")
def api_cli() -> None:
    """Commands for the register API."""


@api_cli.command("purge-tokens")
def purge_tokens() -> None:
    """Delete access tokens that have expired (they can never be used again)."""
    removed = services.purge_expired_tokens(utcnow())
    db.session.commit()
    click.echo(f"Deleted {removed} expired access token{'s' if removed != 1 else ''}.")
