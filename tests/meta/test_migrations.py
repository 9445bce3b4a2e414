"""Migrations: one head, numbered files, a schema that matches the models, a clean round trip,
and an audit log the database itself keeps append-only."""

from __future__ import annotations

import ast
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import DatabaseError

import portal.models
from config.settings import ROOT
from portal.core.audit import AuditEvent, record_event
from portal.core.db import Base
from portal.extensions import db
from tests.conftest import build_app
from tests.pgdb import scratch_database
from tests.support import Inbox

MIGRATIONS = ROOT / "migrations"
VERSIONS = MIGRATIONS / "versions"
FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")


def _script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _schema_differences(connection: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    # compare_type=True: a column whose type differs from its model's is a difference.
    # Alembic compares the DDL each type compiles to on this dialect, and a TypeDecorator
    # compiles as its impl: UTCDateTime matches the migrations' sa.DateTime(timezone=True)
    # (TIMESTAMP WITH TIME ZONE on PostgreSQL), while a naive DateTime would not.
    # include_name leaves out the register's full-text search objects (an FTS5 table on SQLite,
    # a generated tsvector column and GIN index on PostgreSQL): migrations create them by hand
    # for one database each, and the models cannot describe them on both.
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_name": portal.models.include_in_schema_comparison},
    )
    return list(compare_metadata(context, metadata))


def _revision_files() -> list[Path]:
    return sorted(path for path in VERSIONS.glob("*.py"))


def _assigned(path: Path, name: str) -> object:
    """The literal value a migration file assigns to `name` at module level."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} assigns no {name}")


# --- history ----------------------------------------------------------------------------------


@pytest.mark.no_db
def test_there_is_exactly_one_alembic_head():
    heads = _script_directory().get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads: {heads}; merge or renumber"


@pytest.mark.no_db
def test_migration_files_are_numbered_and_their_revision_is_their_number():
    files = _revision_files()
    assert files, "no migrations"
    badly_named = [path.name for path in files if not FILE_NAME.match(path.name)]
    assert badly_named == [], f"name migrations NNNN_words.py: {badly_named}"
    for path in files:
        number = path.name[:4]
        assert _assigned(path, "revision") == number, f"{path.name}: revision is not {number}"


@pytest.mark.no_db
def test_migrations_form_one_line_each_revising_the_one_before():
    files = _revision_files()
    previous: object = None
    for path in files:
        assert _assigned(path, "down_revision") == previous, (
            f"{path.name} should revise {previous!r}"
        )
        previous = _assigned(path, "revision")


# --- models against migrations -----------------------------------------------------------------


@pytest.mark.no_db
def test_metadata_holds_every_mapped_model():
    mapped = {mapper.class_ for mapper in Base.registry.mappers}
    exported = {getattr(portal.models, name) for name in portal.models.__all__}
    assert mapped - exported == set(), "add these models to portal/models.py"
    assert {mapper.local_table.name for mapper in Base.registry.mappers} <= set(db.metadata.tables)


def test_the_migrated_schema_matches_the_models(app):
    differences = _schema_differences(db.session.connection(), db.metadata)
    assert differences == [], (
        "the models and the migrations disagree; write a migration (and review it):\n"
        + "\n".join(map(repr, differences))
    )


def test_the_schema_comparison_would_notice_a_difference(app):
    """Guard against a comparison that finds nothing because it looks at nothing."""
    connection = db.session.connection()
    altered = sa.MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(altered)
    altered.tables["users"].c["name"].type = sa.String(201)
    expected_changes = {"name"}
    if connection.dialect.name == "postgresql":
        # SQLite stores both as DATETIME; PostgreSQL tells TIMESTAMP from TIMESTAMPTZ.
        altered.tables["users"].c["created_at"].type = sa.DateTime(timezone=False)
        expected_changes.add("created_at")
    sa.Table("not_migrated", altered, sa.Column("id", sa.Integer, primary_key=True))

    differences = _schema_differences(connection, altered)
    added = {diff[1].name for diff in differences if isinstance(diff, tuple)}
    retyped = {
        change[3]
        for diff in differences
        if isinstance(diff, list)
        for change in diff
        if change[0] == "modify_type" and change[2] == "users"
    }
    assert "not_migrated" in added
    assert retyped == expected_changes


# --- the round trip on a scratch database --------------------------------------------------------


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind the suite runs on, dropped afterwards."""
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    with scratch_database(test_url, f"scratch_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.mark.no_db
def test_downgrade_to_base_and_upgrade_again_on_a_scratch_database(
    scratch_database_url: str, tmp_path: Path, smtp_server: tuple[Inbox, int]
):
    scratch = build_app(scratch_database_url, tmp_path / "instance", smtp_server[1])
    with scratch.app_context():
        try:
            model_tables = set(db.metadata.tables)
            assert model_tables <= set(sa.inspect(db.engine).get_table_names())

            downgrade(revision="base")
            left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"

            upgrade()
            assert model_tables <= set(sa.inspect(db.engine).get_table_names())
            with db.engine.connect() as connection:
                assert _schema_differences(connection, db.metadata) == []
        finally:
            db.session.remove()
            db.engine.dispose()


# --- the audit log ------------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_an_audit_event(app):
    event = record_event(None, "test.event", subject_type="test", subject_id=1, summary="x")
    db.session.flush()
    table = AuditEvent.__table__

    attempts = {
        "update": sa.update(table).where(table.c.id == event.id).values(summary="changed"),
        "delete": sa.delete(table).where(table.c.id == event.id),
    }
    for what, statement in attempts.items():
        with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
        assert (
            db.session.execute(
                sa.select(table.c.summary).where(table.c.id == event.id)
            ).scalar_one()
            == "x"
        ), f"the {what} went through"
