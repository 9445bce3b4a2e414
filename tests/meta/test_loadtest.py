"""`make loadtest` keeps working as the portal changes: a tiny run (3 users for 10 seconds) on
its own PostgreSQL database with Redis. The figures are not judged here; that nothing is lost
and every invariant holds is.

It needs a PostgreSQL server: TEST_LOADTEST_POSTGRES names one (`make test` gives it to the
SQLite pass, the shorter one, and sets it empty in the PostgreSQL pass, so it runs once);
without that setting it runs on the server of a PostgreSQL TEST_DATABASE_URL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.mark.no_db
def test_a_tiny_load_test_runs_loses_nothing_and_cleans_up(tmp_path):
    given = os.environ.get("TEST_LOADTEST_POSTGRES")
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if given == "":
        pytest.skip("make test runs the load test in its other pass")
    if given is None and not test_url.startswith("postgresql"):
        pytest.skip("the load test needs PostgreSQL: TEST_LOADTEST_POSTGRES or TEST_DATABASE_URL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    server = sa.make_url(given or test_url).set(database="")
    env = {
        **os.environ,
        "LOADTEST_USERS": "3",
        "LOADTEST_DURATION": "10",
        "LOADTEST_SPAWN_RATE": "3",
        "LOADTEST_REGISTER": "20",
        "LOADTEST_OUTPUT": str(tmp_path),
        "LOADTEST_POSTGRES": server.render_as_string(hide_password=False),
        "LOADTEST_REDIS_URL": REDIS_URL,
    }
    for name in (
        "TEST_DATABASE_URL",
        "DATABASE_URL",
        "PORTAL_ENV",
        "SECRET_KEY",
        "UPLOAD_ENCRYPTION_KEY",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "loadtest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    figures = json.loads((tmp_path / "loadtest.json").read_text())
    assert set(figures) == {
        "users",
        "duration_s",
        "requests",
        "rps",
        "p95_ms",
        "errors",
        "lost_writes",
        "server_cpu_ms_per_request",
        "load_average",
        "pages",
        "server_cpu_by_endpoint",
    }
    assert (figures["users"], figures["duration_s"]) == (3, 10)
    assert figures["requests"] > 0
    assert figures["lost_writes"] == 0
    assert "Every invariant holds." in result.stdout
    assert all(set(page) == {"median_ms", "p95_ms", "errors"} for page in figures["pages"].values())
    # The run's database is gone.
    dropped = [line for line in result.stdout.splitlines() if line.startswith("Dropped the")]
    assert dropped
    name = dropped[0].split()[-1].rstrip(".")
    engine = sa.create_engine(server.set(database="postgres"))
    try:
        with engine.connect() as conn:
            assert not conn.scalar(
                sa.text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}
            )
    finally:
        engine.dispose()
