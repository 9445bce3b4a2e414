"""Backup and restore: a populated database and its uploads come back whole into an empty one,
on SQLite (online backup API) and PostgreSQL (pg_dump and pg_restore)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core.backup import BackupError, make_backup, read_manifest, restore_backup
from portal.extensions import db
from tests.conftest import build_app
from tests.pgdb import scratch_database
from tests.populated import populate
from tests.support import Inbox

pytestmark = pytest.mark.no_db


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """Another database of the kind the suite runs on, with nothing in it."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with scratch_database(test_url, f"restore_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.fixture
def source_url(tmp_path: Path) -> Iterator[str]:
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'source.db'}"
        return
    with scratch_database(test_url, f"source_{uuid.uuid4().hex[:12]}") as url:
        yield url


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(sa.table(name))
            ).scalar_one()
            for name in names
        }


def _rows(engine: sa.Engine, query: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query))]


def test_a_backup_restores_every_record_and_every_file_into_an_empty_database(
    source_url: str, empty_database_url: str, tmp_path: Path, smtp_server: tuple[Inbox, int]
):
    source = build_app(source_url, tmp_path / "source", smtp_server[1])
    with source.app_context():
        try:
            made = populate()
            backup = make_backup(db.engine, source.config["UPLOAD_DIR"], tmp_path / "backups")
            before = _counts(db.engine)
            spot = "SELECT id, name, email FROM users ORDER BY id"
            people = _rows(db.engine, spot)
            samples = _rows(db.engine, "SELECT storage_key, sha256 FROM work_samples ORDER BY id")
        finally:
            db.session.remove()
            db.engine.dispose()

    manifest = read_manifest(backup.folder)
    listed = {entry["path"] for entry in manifest["files"]}
    assert manifest["database_file"] in listed
    assert manifest["schema_revision"]
    assert len([p for p in listed if p.startswith("uploads/")]) == len(made.files)

    target = sa.create_engine(empty_database_url)
    uploads = tmp_path / "restored" / "uploads"
    try:
        restored = restore_backup(backup.folder, target, uploads, force=False)
        assert restored == len(made.files)
        after = _counts(target)
        assert {k: v for k, v in after.items() if v} == {k: v for k, v in before.items() if v}
        assert after == before
        assert before["users"] >= 3 and before["work_samples"] >= 2
        assert before["cpd_evidence_files"] == 2 and before["register_entries"] == 2
        assert before["qa_reviews"] == 2 and before["qa_peer_assessments"] == 2
        assert _rows(target, spot) == people
        assert _rows(target, "SELECT storage_key, sha256 FROM work_samples ORDER BY id") == samples
    finally:
        target.dispose()
    for key, data in made.files.items():
        stored = uploads / key[:2] / key
        assert stored.read_bytes() == (source.config["UPLOAD_DIR"] / key[:2] / key).read_bytes()
        assert data  # what the store holds for it is compared byte for byte above

    # And the restored copy is a working portal: the app reads the people back.
    restored_app = build_app(empty_database_url, tmp_path / "restored", smtp_server[1])
    with restored_app.app_context():
        try:
            assert _rows(db.engine, spot) == people
        finally:
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    source_url: str, tmp_path: Path, smtp_server: tuple[Inbox, int]
):
    source = build_app(source_url, tmp_path / "source", smtp_server[1])
    with source.app_context():
        try:
            populate(people=1)
            backup = make_backup(db.engine, source.config["UPLOAD_DIR"], tmp_path / "backups")
            before = _counts(db.engine)
            db.session.remove()
            with pytest.raises(BackupError, match="not empty"):
                restore_backup(backup.folder, db.engine, source.config["UPLOAD_DIR"], force=False)
            assert (
                restore_backup(backup.folder, db.engine, source.config["UPLOAD_DIR"], force=True)
                == 3
            )
            assert _counts(db.engine) == before
        finally:
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_a_damaged_backup_before_touching_anything(
    source_url: str, empty_database_url: str, tmp_path: Path, smtp_server: tuple[Inbox, int]
):
    source = build_app(source_url, tmp_path / "source", smtp_server[1])
    with source.app_context():
        try:
            made = populate(people=1)
            backup = make_backup(db.engine, source.config["UPLOAD_DIR"], tmp_path / "backups")
        finally:
            db.session.remove()
            db.engine.dispose()
    key = next(iter(made.files))
    damaged = backup.folder / "uploads" / key[:2] / key
    damaged.write_bytes(damaged.read_bytes()[:-10])
    target = sa.create_engine(empty_database_url)
    try:
        with pytest.raises(BackupError, match="has changed since the backup"):
            restore_backup(backup.folder, target, tmp_path / "uploads", force=False)
        assert _counts(target) == {}
        assert not (tmp_path / "uploads").exists()
    finally:
        target.dispose()
    manifest = json.loads((backup.folder / "manifest.json").read_text())
    manifest["files"].append({"path": "../outside", "size": 1, "sha256": "0" * 64})
    (backup.folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup"):
        read_manifest(backup.folder)
    shutil.rmtree(backup.folder)
    with pytest.raises(BackupError, match="not a backup"):
        read_manifest(backup.folder.parent)


def test_the_backup_and_restore_commands(
    source_url: str, empty_database_url: str, tmp_path: Path, smtp_server: tuple[Inbox, int]
):
    source = build_app(source_url, tmp_path / "source", smtp_server[1])
    with source.app_context():
        try:
            populate(people=1)
        finally:
            db.session.remove()
    result = source.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output
    folder = next((tmp_path / "b").iterdir())
    again = source.test_cli_runner().invoke(args=["restore", str(folder)])
    assert again.exit_code != 0
    assert "not empty" in again.output
    with source.app_context():
        db.engine.dispose()
