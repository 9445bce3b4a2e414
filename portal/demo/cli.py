"""The `demo` command: load invented demonstration data (never in production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.permissions import TWO_FACTOR_ROLES
from portal.core.uploads import UploadStore
from portal.demo.applications import load_demo_applications, load_demo_renewal
from portal.demo.cpd import load_demo_cpd, load_demo_cpd_audit
from portal.demo.peer_qa import load_demo_peer_qa
from portal.demo.register import load_demo_commissions, load_demo_register
from portal.demo.reporting import load_demo_reporting
from portal.demo.services import DEMO_ACCOUNTS, current_code, demo_loaded, load_demo
from portal.extensions import db


@click.group("demo", help="Invented demonstration data.")
def demo_cli() -> None:
    pass


def _print_accounts(password_hint: str) -> None:
    click.echo("Demo accounts (password: " + password_hint + "):")
    for spec in DEMO_ACCOUNTS:
        roles = ", ".join(r.label for r in spec.roles) or "Applicant"
        second = " *" if set(spec.roles) & TWO_FACTOR_ROLES else ""
        click.echo(f"  {spec.email:<26} {roles}{second}")
    click.echo(
        "* asks for a security code after the password: get one with\n"
        "  .venv/bin/flask --app wsgi demo code EMAIL   (PORTAL_ENV=development)"
    )


def _refuse_production() -> None:
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo data is never loaded with the production configuration.")


@demo_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Create the demo accounts and people, once."""
    _refuse_production()
    password = current_app.config.get("DEMO_PASSWORD")
    if not password:
        raise click.ClickException("Set DEMO_PASSWORD to load demo data.")
    if demo_loaded():
        click.echo("Demo data is already loaded.")
    else:
        load_demo(password)
        store = UploadStore(current_app.config["UPLOAD_DIR"])
        load_demo_applications(store)
        load_demo_cpd(password, store)
        load_demo_renewal(store)
        load_demo_register(password)
        load_demo_commissions()
        load_demo_cpd_audit()
        load_demo_peer_qa(store)
        load_demo_reporting()
        db.session.commit()
        click.echo("Demo data loaded.")
    _print_accounts(password)


@demo_cli.command("code")
@click.argument("email")
@with_appcontext
def code_command(email: str) -> None:
    """Print the current security code of a demo account (its stand-in authenticator app)."""
    _refuse_production()
    code = current_code(email)
    if code is None:
        raise click.ClickException(f"{email} is not a demo account with a second factor.")
    click.echo(code)
