"""The `applications` commands run by the scheduler: referee reminders."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.applications import accreditation, assessment, services
from portal.core.dates import today_in_england
from portal.extensions import db


@click.group("applications", help="Scheduled work on accreditation applications.")
def applications_cli() -> None:
    pass


@applications_cli.command("remind-referees")
@with_appcontext
def remind_referees() -> None:
    """Email referees whose reference is overdue (safe to run as often as you like)."""
    sent = services.remind_referees()
    db.session.commit()
    click.echo(f"Sent {sent} reminder{'s' if sent != 1 else ''} to referees.")


@applications_cli.command("lapse-accreditations")
@with_appcontext
def lapse_accreditations() -> None:
    """Lapse accreditations whose term ended without renewal (run daily; safe to repeat)."""
    lapsed = accreditation.lapse_expired()
    db.session.commit()
    click.echo(f"{lapsed} accreditation{'s' if lapsed != 1 else ''} lapsed.")


@applications_cli.command("remind-assessors")
@with_appcontext
def remind_assessors() -> None:
    """Remind assessors of allocations due in two working days or overdue (safe to repeat)."""
    sent = assessment.remind_assessors(today=today_in_england())
    db.session.commit()
    click.echo(f"Sent {sent} reminder{'s' if sent != 1 else ''} to assessors.")
