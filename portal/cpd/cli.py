"""The `cpd` commands: check and load requirement versions, and send the reminders."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.dates import today_in_england
from portal.core.document_commands import load_file, validate_files
from portal.core.documents import DocumentInvalid, read_yaml
from portal.core.errors import DomainError
from portal.cpd import audit, audit_queries, services
from portal.cpd.models import RequirementStatus
from portal.cpd.schema import (
    REQUIREMENTS_DIR,
    RequirementDocument,
    parse_requirements,
    requirement_files,
)
from portal.extensions import db
from portal.framework.schema import SCHEMES_DIR, parse_scheme, scheme_files

FILES = click.Path(exists=True, dir_okay=False, path_type=Path)
DIRECTORY = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(
    "cpd", help="Continuing professional development: requirements, reminders and the audit."
)
def cpd_cli() -> None:
    pass


@cpd_cli.group("requirements", help="CPD requirement versions in config/cpd.")
def requirements_cli() -> None:
    pass


@requirements_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=FILES)
def validate_requirements(paths: tuple[Path, ...]) -> None:
    """Check requirement files without loading them."""

    def describe(document: RequirementDocument) -> str:
        hours = "hours required" if document.hours.required else "no minimum hours"
        return (
            f"version {document.version} of the {document.scheme} CPD requirements "
            f"is valid ({document.records_per_year} records a year, "
            f"{len(document.areas)} areas over the term, {hours})."
        )

    validate_files(paths, lambda path: parse_requirements(read_yaml(path)), describe)


@requirements_cli.command("load")
@click.argument("path", type=FILES)
@click.option("--publish", is_flag=True, help="Also publish it, if it is still a draft.")
@with_appcontext
def load_requirements(path: Path, publish: bool) -> None:
    """Check a requirement file and store it as a draft version (administrators publish it)."""

    def store(document: RequirementDocument) -> tuple[bool, str]:
        loaded = services.load_requirements(None, document)
        if publish and loaded.version.status is RequirementStatus.DRAFT:
            services.publish_requirements(None, loaded.version)
        return loaded.created, loaded.version.status.label.lower()

    load_file(
        path,
        lambda p: parse_requirements(read_yaml(p)),
        store,
        lambda document, state, status: (
            f"Version {document.version} of the {document.scheme} CPD requirements {state}; "
            f"it is {status}."
        ),
    )


@requirements_cli.command("load-all")
@click.option("--schemes-dir", type=DIRECTORY, default=SCHEMES_DIR, show_default=True)
@click.option("--requirements-dir", type=DIRECTORY, default=REQUIREMENTS_DIR, show_default=True)
@with_appcontext
def load_all_requirements(schemes_dir: Path, requirements_dir: Path) -> None:
    """Load every requirement version shipped for the loaded schemes; a scheme with none in
    force gets its newest version published (later ones wait for an administrator)."""
    try:
        codes = [parse_scheme(read_yaml(path)).code for path in scheme_files(schemes_dir)]
        documents = {
            code: [
                parse_requirements(read_yaml(p)) for p in requirement_files(code, requirements_dir)
            ]
            for code in codes
        }
    except DocumentInvalid as exc:
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        raise click.ClickException("Nothing was loaded.") from exc
    try:
        for code, docs in documents.items():
            loaded = [services.load_requirements(None, d).version for d in docs]
            in_force = any(v.status is RequirementStatus.PUBLISHED for v in loaded)
            if loaded and not in_force and loaded[-1].status is RequirementStatus.DRAFT:
                services.publish_requirements(None, loaded[-1])
            click.echo(f"{code}: {len(loaded)} CPD requirement version(s).")
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()


@cpd_cli.command("send-reminders")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (for checking what would be sent).",
)
@with_appcontext
def send_reminders(today: datetime | None) -> None:
    """Email reviewers whose CPD year ends in 90, 30 or 7 days and who have not met its
    requirements (run daily; each reminder is sent once)."""
    day: date = today.date() if today else today_in_england()
    sent = services.send_reminders(today=day)
    db.session.commit()
    click.echo(f"Sent {sent} CPD reminder{'s' if sent != 1 else ''}.")


@cpd_cli.command("audit-overdue")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date.",
)
@with_appcontext
def audit_overdue(today: datetime | None) -> None:
    """Remind reviewers of CPD audit deadlines and escalate overdue submissions and development
    plans (run daily; each reminder and escalation happens once)."""
    day: date = today.date() if today else today_in_england()
    reminded, escalated = audit.process_overdue(today=day)
    db.session.commit()
    click.echo(
        f"Sent {reminded} CPD audit reminder{'s' if reminded != 1 else ''}; "
        f"escalated {escalated} overdue audit{'s' if escalated != 1 else ''}."
    )


@cpd_cli.command("audit-draw")
@click.argument("cycle_id", type=int)
@with_appcontext
def audit_draw(cycle_id: int) -> None:
    """Repeat a cycle's draw from its recorded population, rate and seed, and say whether it
    gives the sample that was recorded."""
    cycle = audit_queries.cycle(cycle_id)
    if cycle is None:
        raise click.ClickException(f"There is no CPD audit cycle {cycle_id}.")
    check = audit_queries.draw_check(cycle)
    click.echo(
        f"Cycle {cycle.id} ({cycle.scheme.name}, opened {cycle.opened_on}): seed {check.seed}, "
        f"{check.percent}% of {len(cycle.eligible)} eligible, {len(cycle.always)} always drawn."
    )
    click.echo("Drawn again: " + ", ".join(str(i) for i in check.repeated))
    click.echo("Recorded:    " + ", ".join(str(i) for i in check.recorded))
    if not check.matches:
        raise click.ClickException("The draw does not repeat: the recorded sample differs.")
    click.echo("The draw repeats: same sample.")
