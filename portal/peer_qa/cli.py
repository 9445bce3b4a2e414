"""The `peer-qa` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from portal.core.document_commands import load_file, report_problems, validate_files
from portal.core.documents import DocumentInvalid, read_yaml
from portal.core.errors import DomainError
from portal.extensions import db
from portal.peer_qa import queries, services
from portal.peer_qa.classifier import classify
from portal.peer_qa.models import RubricStatus
from portal.peer_qa.recommendation_rules import current_rules, load_rules
from portal.peer_qa.schema import RUBRIC_DIR, RubricDocument, parse_rubric, rubric_files

FILES = click.Path(exists=True, dir_okay=False, path_type=Path)
DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)
RULES_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("peer-qa", help="Peer quality assurance of completed reviews.")
def peer_qa_cli() -> None:
    """Commands for peer quality assurance."""


@peer_qa_cli.command("classify")
@click.option(
    "--rules",
    "rules_path",
    type=RULES_FILE,
    help="A rules file to use instead of the newest in config/peer_qa/recommendation-rules.",
)
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
def classify_command(rules_path: Path | None, source: IO[str]) -> None:
    """Classify recommendations read one per line from standard input (or SOURCE), blank lines
    skipped, writing one JSON object per line. Needs no database."""
    try:
        rules = load_rules(rules_path) if rules_path else current_rules()
    except DocumentInvalid as exc:
        report_problems(rules_path or "the recommendation rules", exc)
        raise click.ClickException("The rules are not valid; nothing was classified.") from exc
    for line in source:
        if not line.strip():
            continue
        result = classify(line, rules).as_dict()
        click.echo(json.dumps(result, ensure_ascii=False))


@peer_qa_cli.group("rubric", help="Versions of the QA rubric in config/peer_qa/rubric.")
def rubric_cli() -> None:
    pass


@rubric_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=FILES)
def validate_rubric(paths: tuple[Path, ...]) -> None:
    """Check rubric files without loading them, reporting every problem."""
    validate_files(
        paths,
        lambda path: parse_rubric(read_yaml(path)),
        lambda document: (
            f"version {document.version} of the QA rubric is valid "
            f"({len(document.of('reviewer'))} reviewer markers, "
            f"{len(document.of('partnership'))} partnership markers)."
        ),
    )


@rubric_cli.command("load")
@click.argument("path", type=FILES)
@click.option("--publish", is_flag=True, help="Also put it into use, if it is still a draft.")
@with_appcontext
def load_rubric(path: Path, publish: bool) -> None:
    """Check a rubric file and store it as a draft version."""

    def store(document: RubricDocument) -> tuple[bool, str]:
        loaded = services.load_rubric(None, document)
        if publish and loaded.rubric.status is RubricStatus.DRAFT:
            services.publish_rubric(None, loaded.rubric)
        return loaded.created, loaded.rubric.status.label.lower()

    load_file(
        path,
        lambda p: parse_rubric(read_yaml(p)),
        store,
        lambda document, state, status: (
            f"Version {document.version} of the QA rubric {state}; it is {status}."
        ),
    )


@rubric_cli.command("load-all")
@click.option("--rubric-dir", type=DIRECTORY, default=RUBRIC_DIR, show_default=True)
@with_appcontext
def load_all_rubrics(rubric_dir: Path) -> None:
    """Load every rubric version shipped; with none in use, the newest is put into use (later
    ones wait as drafts)."""
    try:
        documents = [parse_rubric(read_yaml(path)) for path in rubric_files(rubric_dir)]
    except DocumentInvalid as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("Nothing was loaded.") from exc
    try:
        loaded = [services.load_rubric(None, d).rubric for d in documents]
        if loaded and queries.current_rubric() is None and loaded[-1].status is RubricStatus.DRAFT:
            services.publish_rubric(None, loaded[-1])
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    in_use = queries.current_rubric()
    click.echo(
        f"QA rubric: {len(loaded)} version(s); in use: {in_use.version if in_use else 'none'}."
    )
