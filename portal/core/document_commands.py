"""What every command that checks versioned YAML documents (frameworks, CPD requirements, the
QA rubric, the system-conditions taxonomy) says about them, said one way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import click

from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.extensions import db

Document = TypeVar("Document")


def report_problems(source: object, exc: DocumentInvalid) -> None:
    """Every problem found in a document, on standard error."""
    click.echo(f"{source}: {len(exc.problems)} problem(s)", err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)


def validate_files(
    paths: Iterable[Path],
    read: Callable[[Path], Document],
    describe: Callable[[Document], str],
) -> None:
    """Read each file, saying what a valid one holds and every problem of an invalid one; fail
    (after reading them all) if any is invalid."""
    failed = False
    for path in paths:
        try:
            document = read(path)
        except DocumentInvalid as exc:
            report_problems(path, exc)
            failed = True
        else:
            click.echo(f"{path}: {describe(document)}")
    if failed:
        raise click.ClickException("Some files are not valid.")


def load_file(
    path: Path,
    read: Callable[[Path], Document],
    store: Callable[[Document], tuple[bool, str]],
    describe: Callable[[Document, str, str], str],
) -> None:
    """Check one document file and store it (`store` returns whether it was new and the status
    it now has), then say so; nothing is stored when the file is invalid or a rule refuses it."""
    try:
        document = read(path)
    except DocumentInvalid as exc:
        report_problems(path, exc)
        raise click.ClickException("Nothing was loaded.") from exc
    try:
        created, status = store(document)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(describe(document, "loaded" if created else "already loaded", status))
