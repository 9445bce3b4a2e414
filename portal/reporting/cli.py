"""The `reporting` commands: the taxonomy of system conditions."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.document_commands import report_problems, validate_files
from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.extensions import db
from portal.reporting import learning_services
from portal.reporting.conditions import CONDITIONS_DIR, condition_files, read_conditions

FILES = click.Path(exists=True, dir_okay=False, path_type=Path)
DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group("reporting", help="Reports: the taxonomy of system conditions.")
def reporting_cli() -> None:
    """Commands for reporting."""


@reporting_cli.group(
    "conditions", help="Versions of the system conditions in config/reporting/system-conditions."
)
def conditions_cli() -> None:
    pass


@conditions_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=FILES)
def validate_conditions(paths: tuple[Path, ...]) -> None:
    """Check taxonomy files without loading them, reporting every problem."""
    validate_files(
        paths,
        read_conditions,
        lambda document: (
            f"version {document.version} of the system conditions is valid "
            f"({len(document.conditions)} conditions)."
        ),
    )


@conditions_cli.command("load")
@click.argument("paths", nargs=-1, type=FILES)
@click.option("--conditions-dir", type=DIRECTORY, default=CONDITIONS_DIR, show_default=True)
@with_appcontext
def load_conditions(paths: tuple[Path, ...], conditions_dir: Path) -> None:
    """Check and load taxonomy files (every shipped version when none is named); loading a
    version again changes nothing. A file with problems loads nothing."""
    chosen = list(paths) or condition_files(conditions_dir)
    documents = []
    for path in chosen:
        try:
            documents.append(read_conditions(path))
        except DocumentInvalid as exc:
            report_problems(path, exc)
            raise click.ClickException("Nothing was loaded.") from exc
    try:
        loaded = [learning_services.load_conditions(None, d) for d in documents]
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    for item in loaded:
        state = "loaded" if item.created else "already loaded"
        click.echo(f"Version {item.taxonomy.version} of the system conditions {state}.")
