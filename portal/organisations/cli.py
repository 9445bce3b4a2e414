"""The `organisations` command: check and load the reference file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.documents import DocumentInvalid
from portal.extensions import db
from portal.organisations import reference, services


@click.group("organisations", help="Regions, partnerships and government bodies.")
def organisations_cli() -> None:
    pass


@organisations_cli.command("load")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def load_command(path: Path | None) -> None:
    """Check every row of the reference file, then add and rename (never delete)."""
    try:
        data = reference.read(path or reference.DEFAULT_PATH)
    except DocumentInvalid as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was loaded.") from exc
    report = services.load_reference_data(data)
    db.session.commit()
    click.echo(
        f"Organisations {data.version}: {report.added} added, {report.renamed} renamed, "
        f"{report.unchanged} unchanged; {report.regions_added} regions added."
    )
