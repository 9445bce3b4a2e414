"""The `retention` command: apply the retention rules (daily), or count what they would do."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from config.settings import CONFIG_DIR
from portal.core.dates import today_in_england
from portal.core.documents import DocumentInvalid
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.privacy.retention import apply_retention, load_rules, remove_files

RULES_FILE = CONFIG_DIR / "retention.yaml"


@click.group("retention", help="Retention rules: delete what the portal no longer needs.")
def retention_cli() -> None:
    pass


@retention_cli.command(
    "apply", help="Apply config/retention.yaml once (run daily; running it again is harmless)."
)
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Another rules file (default config/retention.yaml).",
)
@with_appcontext
def apply_command(dry_run: bool, rules_file: Path | None) -> None:
    try:
        rules = load_rules(rules_file or RULES_FILE)
    except DocumentInvalid as exc:
        raise click.ClickException("The retention rules are not valid: " + str(exc)) from exc
    store = UploadStore(Path(current_app.config["UPLOAD_DIR"]))
    report = apply_retention(rules, today=today_in_england(), store=store, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        remove_files(store, report.files)
    verb = "Would delete" if dry_run else "Deleted"
    for name, rule in rules.items():
        click.echo(f"{verb} {report.counts[name]:>5}  {name} (kept for {rule.keep_for})")
    for table, n in sorted(report.rows_deleted.items()):
        click.echo(f"          {n:>5} row(s) from {table}")
    for kept in report.kept:
        click.echo(f"Kept: {kept}")
