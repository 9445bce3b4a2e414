"""The `peer-qa` commands."""

from __future__ import annotations

import click


@click.group("peer-qa", help="Peer quality assurance of completed reviews.")
def peer_qa_cli() -> None:
    """Commands for peer quality assurance."""
