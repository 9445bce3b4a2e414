"""Drill: apply the newest migration to a copy of a populated SQLite database, roll it back and
apply it again, and check that every table keeps its rows.

usage: .venv/bin/python scripts/drills/migration_roundtrip.py [--database PATH]

Without --database it builds a populated database first as `make run` does (reference data and
the demo data). The database given is never changed: the drill works on a copy made with
SQLite's online backup. Tables the newest migration creates are dropped by the rollback, with
their rows, as a rollback must; the drill lists them and checks every other table."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
SETUP = (
    ["db", "upgrade"],
    ["organisations", "load"],
    ["framework", "load-all"],
    ["cpd", "requirements", "load-all"],
    ["credentials", "ensure-key"],
    ["peer-qa", "rubric", "load-all"],
    ["demo", "load"],
)


def flask(database: Path, instance: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"sqlite:///{database}",
        "INSTANCE_PATH": str(instance),
    }
    result = subprocess.run(
        [FLASK, "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version' "
                "AND name NOT LIKE '%_fts%' ORDER BY name"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def revision(database: Path) -> str:
    with sqlite3.connect(database) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="a populated SQLite database to copy")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-migration-drill-"))
    instance = work / "instance"
    source = args.database
    if source is None:
        source = work / "populated.db"
        print("Building a populated database (reference and demo data) ...")
        for command in SETUP:
            flask(source, instance, *command)
    copy = work / "copy.db"
    with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    head = revision(copy)
    before = counts(copy)
    print(f"Copy at {head}: {len(before)} tables, {sum(before.values())} rows.")

    flask(copy, instance, "db", "downgrade")  # one revision back
    down = revision(copy)
    during = counts(copy)
    dropped = sorted(set(before) - set(during))
    print(f"Rolled back to {down}; tables dropped with their rows: {', '.join(dropped) or 'none'}")

    flask(copy, instance, "db", "upgrade")
    after = counts(copy)
    print(f"Upgraded again to {revision(copy)}.")

    problems = []
    if revision(copy) != head:
        problems.append(f"ended at {revision(copy)}, not {head}")
    for table, rows in before.items():
        if table in dropped:
            if after.get(table) != 0:
                problems.append(f"{table}: recreated with {after.get(table)} rows, not empty")
            continue
        if during.get(table) != rows:
            problems.append(f"{table}: {rows} rows before the rollback, {during.get(table)} after")
        if after.get(table) != rows:
            problems.append(f"{table}: {rows} rows before, {after.get(table)} after upgrading")
    kept = sum(rows for table, rows in before.items() if table not in dropped)
    lost = sum(before[t] for t in dropped)
    if problems:
        print("FAILED:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(
        f"Every other table kept its rows: {kept} rows in {len(before) - len(dropped)} tables; "
        f"{lost} rows were in the tables the rollback dropped."
    )
    print(f"The source database was not touched; the copy is {copy}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
