"""The agencies migration on a scratch database: the organisation kinds' CHECK constraint takes the
agency kinds, and going back stops rather than lose agencies."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from tests.conftest import build_app
from tests.meta.test_migrations import scratch_database_url  # noqa: F401  (a fixture)
from tests.support import Inbox

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
# The agencies migration's number, and the one it revises, read from its file name.
AGENCIES = next(VERSIONS.glob("*_agencies_and_partnership_members.py")).name[:4]
BEFORE = f"{int(AGENCIES) - 1:04d}"

INSERT = sa.text(
    "INSERT INTO organisations (code, kind, name, created_at, version_id) "
    "VALUES (:code, :kind, :name, CURRENT_TIMESTAMP, 1)"
)


def _insert(kind: str, code: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(INSERT, {"code": code, "kind": kind, "name": f"Invented {code}"})


@pytest.mark.no_db
def test_the_agency_kinds_come_and_go_with_the_migration(
    scratch_database_url: str,  # noqa: F811
    tmp_path: Path,
    smtp_server: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
):
    scratch = build_app(scratch_database_url, tmp_path / "instance", smtp_server[1])
    with scratch.app_context():
        try:
            upgrade(revision=AGENCIES)
            _insert("police_force", "invented-police")
            _insert("school", "invented-school")
            with pytest.raises(IntegrityError):
                _insert("pub", "invented-pub")

            # Going back would lose the agencies (and declarations naming them): it stops,
            # having changed nothing (Flask-Migrate logs the error and exits).
            with pytest.raises(SystemExit):
                downgrade(revision=BEFORE)
            assert "2 organisation(s) are agencies" in caplog.text
            assert "partnership_members" in sa.inspect(db.engine).get_table_names()

            with db.engine.begin() as connection:
                connection.execute(sa.text("DELETE FROM organisations"))
            downgrade(revision=BEFORE)
            assert "partnership_members" not in sa.inspect(db.engine).get_table_names()
            with pytest.raises(IntegrityError):
                _insert("police_force", "invented-police")
            _insert("government", "invented-office")

            upgrade(revision=AGENCIES)
            _insert("police_force", "invented-police")
        finally:
            db.session.remove()
            db.engine.dispose()
