"""Operations commands: `outbox` (deliver queued email), `backup`, `restore` and `uploads`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.backup import BackupError, make_backup, restore_backup
from portal.core.uploads import UploadStore, UploadUnreadable, new_key
from portal.core.worker import deliver_pending, watch
from portal.extensions import db


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


@click.command("backup", help="Back up the database and the uploaded files, with a manifest.")
@click.option(
    "--to",
    "destination",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the backup (default: backups/ in the instance folder).",
)
@with_appcontext
def backup_command(destination: Path | None) -> None:
    config = current_app.config
    target = destination or Path(config["INSTANCE_PATH"]) / "backups"
    try:
        result = make_backup(db.engine, Path(config["UPLOAD_DIR"]), target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up to {result.folder}: {result.files} file(s), {result.bytes} bytes.")


@click.command("restore", help="Restore a backup folder into an empty database and instance.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and uploads that are not empty.")
@with_appcontext
def restore_command(folder: Path, force: bool) -> None:
    try:
        restored = restore_backup(
            folder, db.engine, Path(current_app.config["UPLOAD_DIR"]), force=force
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the database and {restored} uploaded file(s) from {folder}.")


@click.group("uploads", help="The encryption of uploaded files at rest.")
def uploads_cli() -> None:
    pass


@uploads_cli.command("new-key", help="Print a new random key for UPLOAD_ENCRYPTION_KEY.")
def new_key_command() -> None:
    click.echo(new_key())


@uploads_cli.command(
    "rotate-key",
    help="Seal again with UPLOAD_ENCRYPTION_KEY every file sealed with an older key (listed in "
    "UPLOAD_ENCRYPTION_OLD_KEYS) or stored before encryption. Safe to run again.",
)
@with_appcontext
def rotate_key_command() -> None:
    store = UploadStore(Path(current_app.config["UPLOAD_DIR"]))
    resealed = unchanged = 0
    failed: list[str] = []
    for key in store.keys_on_disk():
        try:
            if store.reseal(key):
                resealed += 1
            else:
                unchanged += 1
        except UploadUnreadable as exc:
            failed.append(str(exc))
    click.echo(f"Sealed {resealed} file(s) with the current key; {unchanged} already were.")
    if failed:
        for problem in failed:
            click.echo(f"  could not open: {problem}", err=True)
        raise click.ClickException(f"{len(failed)} file(s) could not be opened")
