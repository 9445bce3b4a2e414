"""Backups of the database and the uploaded files, with a manifest to check them, and restores.

SQLite is copied with its online backup API, so the portal can keep running: the copy is one
consistent snapshot. PostgreSQL is dumped with `pg_dump -Fc` and restored with `pg_restore`.
The database is copied before the uploads, so every file a copied row refers to is in the
backup (a file uploaded during the copy may be there without its row; it is harmless).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # runs pg_dump and pg_restore with argument lists  # nosec B404
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from portal.core.errors import DomainError

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
UPLOADS = "uploads"
FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(DomainError):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _kind(url: sa.URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _pg_args(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools; the password goes in the environment, so
    it never shows in the process list."""
    args = [
        f"--host={url.host or '127.0.0.1'}",
        f"--port={url.port or 5432}",
        f"--username={url.username or 'postgres'}",
        f"--dbname={url.database}",
    ]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{Path(command[0]).name} failed: {detail}")


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def make_backup(engine: sa.Engine, upload_dir: Path, destination: Path) -> BackupResult:
    """A new timestamped folder under `destination` holding the database, the uploads and a
    manifest of every file with its size and SHA-256."""
    url = engine.url
    kind = _kind(url)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = destination / f"backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    try:
        if kind == "sqlite":
            source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
            target = sqlite3.connect(folder / SQLITE_FILE)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            database_file = SQLITE_FILE
        else:
            args, env = _pg_args(url)
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    *args,
                    f"--file={folder / PG_FILE}",
                ],
                env,
            )
            database_file = PG_FILE
        uploads = folder / UPLOADS
        uploads.mkdir()
        if upload_dir.is_dir():
            for path in sorted(upload_dir.rglob("*")):
                if path.is_file() and not path.name.endswith(".partial"):
                    copy = uploads / path.relative_to(upload_dir)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copy)
        files: list[dict[str, str | int]] = [
            {
                "path": path.relative_to(folder).as_posix(),
                "size": path.stat().st_size,
                "sha256": _sha256(path),
            }
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        ]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": kind,
            "database_file": database_file,
            "schema_revision": _revision(engine),
            "files": files,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return BackupResult(folder=folder, files=len(files), bytes=sum(int(f["size"]) for f in files))


def read_manifest(folder: Path) -> dict[str, object]:
    """The backup's manifest, after checking every file it lists is there, whole and unchanged."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is a backup in a format this version cannot read")
    problems = []
    for entry in manifest["files"]:
        file = folder / entry["path"]
        if not file.resolve().is_relative_to(folder.resolve()):
            raise BackupError(f"The manifest names a file outside the backup: {entry['path']}")
        if not file.is_file():
            problems.append(f"{entry['path']} is missing")
        elif file.stat().st_size != entry["size"] or _sha256(file) != entry["sha256"]:
            problems.append(f"{entry['path']} has changed since the backup")
    if problems:
        raise BackupError("The backup is damaged: " + "; ".join(problems))
    return dict(manifest)


def _has_tables(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return bool(sa.inspect(connection).get_table_names())


def restore_backup(folder: Path, engine: sa.Engine, upload_dir: Path, *, force: bool) -> int:
    """Put the backup's database and uploads in place; refuses a database with tables or an
    upload folder with files in it unless `force`. Returns the number of uploads restored."""
    manifest = read_manifest(folder)
    url = engine.url
    kind = _kind(url)
    if manifest["database"] != kind:
        raise BackupError(f"This is a {manifest['database']} backup; the database is {kind}")
    existing = upload_dir.is_dir() and any(p.is_file() for p in upload_dir.rglob("*"))
    if not force and (existing or _has_tables(engine)):
        raise BackupError(
            "The database or the upload folder is not empty. Restore into an empty one, "
            "or use --force to replace what is there"
        )
    engine.dispose()
    if kind == "sqlite":
        source = sqlite3.connect(f"file:{folder / SQLITE_FILE}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        args, env = _pg_args(url)
        clean = ["--clean", "--if-exists"] if force else []
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *clean,
                "--single-transaction",
                *args,
                str(folder / PG_FILE),
            ],
            env,
        )
    restored = 0
    for path in sorted((folder / UPLOADS).rglob("*")):
        if path.is_file():
            target_file = upload_dir / path.relative_to(folder / UPLOADS)
            target_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target_file)
            restored += 1
    return restored
