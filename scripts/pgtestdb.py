"""Create or drop a throwaway PostgreSQL database for one test run.

usage: pgtestdb.py create|drop URL   (URL: postgresql+psycopg://user@host:port/name)
"""

from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url


def _admin(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def main(action: str, url: str) -> None:
    name = make_url(url).database
    assert name and name.replace("_", "").isalnum(), f"unsafe database name {name!r}"
    with _admin(url) as conn:
        if action == "check":
            conn.execute("SELECT 1")
            return
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
