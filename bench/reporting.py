"""The analysts' dashboard and every download at scale (100,000 reviewers and 1,000,000 CPD
activities by default), end to end through the app, next to the bare SQL GROUP BYs of the
same figures, with each view's peak memory, on SQLite and on PostgreSQL.

The dataset is built once per database (on SQLite, kept in build/bench-cache and reused while
the schema, the sizes and the builder stay the same); each database is then measured in a
fresh process, so the memory figures are a worker's, not the builder's."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import register_search, reporting_data, reporting_sql

REVIEWERS = int(os.environ.get("BENCH_REPORTING_REVIEWERS", "100000"))
ACTIVITIES = int(os.environ.get("BENCH_REPORTING_ACTIVITIES", str(REVIEWERS * 10)))
RUNS = int(os.environ.get("BENCH_REPORTING_RUNS", "3"))
# The tables whose downloads are measured (default: all of them).
TABLES = [k for k in os.environ.get("BENCH_REPORTING_TABLES", "").split(",") if k]
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", "build"))
CACHE = Path(os.environ.get("BENCH_CACHE", str(OUTPUT / "bench-cache")))
DATABASES = register_search.DATABASES


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[1]
    config = Config()
    config.set_main_option("script_location", str(root / "migrations"))
    return str(ScriptDirectory.from_config(config).get_current_head())


def _build(url: str, folder: Path) -> None:
    started = time.perf_counter()
    app, commissioner_id, built = register_search._setup(url, folder)
    reporting_data.build(app, commissioner_id, built, REVIEWERS, ACTIVITIES)
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def _sqlite_file(folder: Path) -> Path:
    """The SQLite dataset: from the cache when one of this schema, size and builder exists."""
    name = (
        f"reporting-{_head_revision()}-v{reporting_data.BUILDER_VERSION}-"
        f"{REVIEWERS}-{ACTIVITIES}.db"
    )
    cached = CACHE / name
    if cached.exists():
        print(f"  using the dataset in {cached}", flush=True)
        return cached
    path = folder / name
    _build(f"sqlite:///{path}", folder)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("reporting-*.db"):
        old.unlink()
    shutil.move(path, cached)
    return cached


def _postgres_url() -> str:
    """The PostgreSQL dataset, kept on the server under a name of this schema, size and
    builder (like the SQLite file) and built when missing; drop it with
    `python -m tests.pgdb drop URL` when done."""
    from tests.pgdb import create_database, drop_database

    name = (
        f"portal_bench_reports_{_head_revision()}_v{reporting_data.BUILDER_VERSION}_"
        f"{REVIEWERS}_{ACTIVITIES}"
    )
    url = sa.make_url(register_search.POSTGRES).set(database=name)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            built = connection.scalar(
                sa.text("SELECT count(*) FROM users WHERE email = :email"),
                {"email": reporting_data.ANALYST},
            )
    except sa.exc.SQLAlchemyError:
        built = 0
    finally:
        engine.dispose()
    text = url.render_as_string(hide_password=False)
    if built:
        print(f"  using the dataset in database {name}", flush=True)
        return text
    drop_database(url)
    create_database(url)
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-reports-build-"))
    try:
        _build(text, folder)
    except BaseException:
        drop_database(url)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return text


def run() -> list[dict[str, Any]]:
    """Every database asked for (BENCH_DATABASES); PostgreSQL is skipped with a warning when
    it cannot be reached (a failure when CI=true)."""
    figures: list[dict[str, Any]] = []
    for kind in DATABASES:
        print(
            f"Reports on {kind}: {REVIEWERS:,} reviewers, {ACTIVITIES:,} CPD activities, "
            f"{RUNS} runs of each view:",
            flush=True,
        )
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-reports-"))
        try:
            if kind == "sqlite":
                path = _sqlite_file(folder)
                # A copy, so the cached file is never written to.
                copy = folder / "measured.db"
                shutil.copy(path, copy)
                figures += _measure_apart(kind, f"sqlite:///{copy}", folder)
            elif kind == "postgresql":
                problem = register_search._postgres_reachable(sa.make_url(register_search.POSTGRES))
                if problem:
                    message = (
                        f"PostgreSQL at {register_search.POSTGRES} cannot be reached ({problem})"
                    )
                    if os.environ.get("CI") == "true":
                        raise SystemExit(message)
                    print(f"  skipped: {message}", flush=True)
                    continue
                figures += _measure_apart(kind, _postgres_url(), folder)
            else:
                raise SystemExit(f"unknown database {kind!r} in BENCH_DATABASES")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return figures


def _measure_apart(kind: str, url: str, folder: Path) -> list[dict[str, Any]]:
    """Measure in a fresh process, passing its progress on; its last line is the figures."""
    lines: list[str] = []
    with subprocess.Popen(  # noqa: S603  (our own module, our own arguments)
        [sys.executable, "-m", "bench.reporting", "measure", kind, url, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if lines:
                print(lines[-1], end="", flush=True)
            lines.append(line)
    if process.returncode != 0 or not lines:
        raise SystemExit(f"measuring on {kind} failed (its errors are above)")
    return list(json.loads(lines[-1]))


# In the fresh process


def _peak_reset() -> bool:
    """Start a new peak of resident memory (Linux's clear_refs); False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    """The peak resident memory since the last reset (VmHWM), or of the whole process."""
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        found = None
    if found:
        return round(int(found.group(1)) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def measure(kind: str, url: str, folder: Path) -> list[dict[str, Any]]:
    from config.settings import Test
    from portal import create_app
    from portal.applications.models import AccreditationRecord
    from portal.auth.models import User
    from portal.auth.sessions import start_session
    from portal.core.dates import add_years, today_in_england
    from portal.cpd.models import CpdEntry
    from portal.extensions import db
    from portal.reporting import queries
    from portal.reporting.disclosure import Rule
    from portal.reporting.facts import Period
    from portal.reporting.frames import TABLE_FACTS, all_tables

    settings = Test()
    settings.INSTANCE_PATH = folder
    settings.SQLALCHEMY_DATABASE_URI = url
    app = create_app(settings)
    today = today_in_england()
    # The dashboard's default period: the year to today.
    period = Period(add_years(today, -1) + timedelta(days=1), today)
    with app.app_context():
        analyst = db.session.scalar(sa.select(User).where(User.email == reporting_data.ANALYST))
        assert analyst is not None
        identity = start_session(analyst, browser="Benchmark")
        db.session.commit()
        reviewers = int(db.session.scalar(sa.select(sa.func.count(AccreditationRecord.id))) or 0)
        activities = int(db.session.scalar(sa.select(sa.func.count(CpdEntry.id))) or 0)
        extract = queries.read_extract(period, today)
        keys = [t.key for t in all_tables(extract, Rule())]
        with db.engine.connect() as connection:
            context = reporting_sql.context(connection, period, today)
            bare = reporting_sql.run(connection, context, list(reporting_sql.STATEMENTS))
        mismatches = [
            fact
            for fact in reporting_sql.STATEMENTS
            if reporting_sql.bare_figures(fact, bare[fact], context)
            != reporting_sql.extract_figures(fact, extract)
        ]
        if mismatches:
            raise SystemExit(
                f"{kind}: the bare SQL and the dashboard disagree on {', '.join(mismatches)}"
            )
        print(f"  {kind}: the bare SQL's figures equal the dashboard's", flush=True)
        del extract, bare
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_seen"] = time.time()
        session["_mfa"] = True
    views = [("dashboard", "/reports", list(reporting_sql.STATEMENTS))]
    for key in [k for k in keys if not TABLES or k in TABLES]:
        facts = sorted(TABLE_FACTS.get(key, reporting_sql.STATEMENTS))
        facts = [f for f in facts if f in reporting_sql.STATEMENTS]
        for fmt in ("csv", "xlsx"):
            views.append((f"{key}.{fmt}", f"/reports/tables/{key}.{fmt}", facts))
    assert client.get("/reports").status_code == 200  # warm: templates, caches
    figures = []
    # The bare SQL of a set of facts, measured once for every view that shows them.
    bare_of: dict[tuple[str, ...], float] = {}
    for view, address, facts in views:
        _peak_reset()
        page_ms = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(address)
            page_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (address, response.status_code)
        peak = _peak_mb()
        if tuple(facts) not in bare_of:
            bare_ms = []
            with app.app_context(), db.engine.connect() as connection:
                for _ in range(RUNS):
                    start = time.perf_counter()
                    reporting_sql.run(connection, context, facts)
                    bare_ms.append((time.perf_counter() - start) * 1000)
            bare_of[tuple(facts)] = _median(bare_ms)
        row = {
            "db": kind,
            "reviewers": reviewers,
            "cpd_activities": activities,
            "view": view,
            "ms_median": _median(page_ms),
            "bare_sql_ms_median": bare_of[tuple(facts)],
            "peak_mb": peak,
        }
        figures.append(row)
        print(
            f"  {view:<42}{row['ms_median']:>9} ms  bare {row['bare_sql_ms_median']:>9} ms  "
            f"peak {peak:>6} MB",
            flush=True,
        )
    return figures


def table(figures: list[dict[str, Any]]) -> str:
    header = f"{'database':<11}{'view':<44}{'median':>10}{'bare SQL':>11}{'ratio':>7}{'peak':>9}"
    lines = [header, "-" * len(header)]
    for row in figures:
        bare = row["bare_sql_ms_median"]
        ratio = row["ms_median"] / bare if bare else 0.0
        lines.append(
            f"{row['db']:<11}{row['view']:<44}{row['ms_median']:>7} ms{bare:>8} ms"
            f"{ratio:>6.1f}x{row['peak_mb']:>6} MB"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        kind, url, folder = sys.argv[2:5]
        print(json.dumps(measure(kind, url, Path(folder))))
    else:
        raise SystemExit("usage: python -m bench.reporting measure KIND URL FOLDER")
