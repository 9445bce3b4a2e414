"""The `outbox` command: deliver queued email once, or keep watching."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.worker import deliver_pending, watch


@click.group("outbox", help="Deliver email written to the outbox.")
def outbox_cli() -> None:
    pass


@outbox_cli.command("send")
@click.option(
    "--watch", "keep_watching", is_flag=True, help="Keep running and send as mail arrives."
)
@click.option("--interval", type=float, default=None, help="Seconds between passes with --watch.")
@with_appcontext
def send_command(keep_watching: bool, interval: float | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if keep_watching:
        click.echo("Watching the outbox (Ctrl+C to stop).")
        watch(app, interval or float(app.config["OUTBOX_WATCH_INTERVAL"]))
        return
    report = deliver_pending(app)
    click.echo(f"Sent {report.sent} message(s); {report.failed} failed and will be retried.")
