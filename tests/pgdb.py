"""Throwaway PostgreSQL databases: for a whole test run (from scripts/test.sh) and for the
tests that need a database of their own.

usage: python -m tests.pgdb create|drop URL   (URL: postgresql+psycopg://user@host:port/name)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql


def _maintenance(url: sa.URL) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def drop_database(url: sa.URL) -> None:
    with _maintenance(url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(url.database)))


def create_database(url: sa.URL) -> None:
    """A new empty database (any old one of that name is dropped first)."""
    drop_database(url)
    with _maintenance(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
        # A throwaway database need not wait for each commit to reach the disk: a crash of
        # the server would lose only test data. Every other behaviour is PostgreSQL's own.
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit TO off").format(
                sql.Identifier(url.database)
            )
        )


@contextmanager
def scratch_database(beside: str, name: str) -> Iterator[str]:
    """A database called `name` on the server of `beside`, dropped when the block ends."""
    url = sa.make_url(beside).set(database=name)
    create_database(url)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(url)


def main(action: str, raw_url: str) -> None:
    url = sa.make_url(raw_url)
    if not url.database or not url.database.replace("_", "").isalnum():
        raise SystemExit(f"unsafe database name {url.database!r}")
    {"create": create_database, "drop": drop_database}[action](url)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
