"""The `peer-qa` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import click

from portal.core.documents import DocumentInvalid
from portal.peer_qa.classifier import classify
from portal.peer_qa.recommendation_rules import current_rules, load_rules

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
        name = rules_path or "the recommendation rules"
        click.echo(f"{name}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("The rules are not valid; nothing was classified.") from exc
    for line in source:
        if not line.strip():
            continue
        result = classify(line, rules).as_dict()
        click.echo(json.dumps(result, ensure_ascii=False))
