"""The `organisations` command: check and load the reference file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations import reference, services


@click.group(
    "organisations", help="Regions, partnerships, their statutory partners and government bodies."
)
def organisations_cli() -> None:
    pass


@organisations_cli.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--agencies",
    "agencies_path",
    type=click.Path(exists=True, path_type=Path),
    help="The statutory partners' file (by default the shipped one, or PATH if it lists them).",
)
@with_appcontext
def load_command(path: Path | None, agencies_path: Path | None) -> None:
    """Check every row of the reference files, then add and rename (never delete), and link
    each partnership to its local authority, integrated care board and police force."""
    try:
        data = reference.read(path or reference.DEFAULT_PATH, agencies_path)
    except DocumentInvalid as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was loaded.") from exc
    try:
        report = services.load_reference_data(data)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(
        f"Organisations {data.version}: {report.added} added, {report.renamed} renamed, "
        f"{report.unchanged} unchanged; {report.regions_added} regions added; "
        f"{report.members_added} statutory partners linked, {report.members_removed} unlinked."
    )
