"""Servers for the fault tests: the portal under gunicorn, pointed at loopback proxies."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.pgdb import scratch_database

GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(what: str) -> None:
    """Skip, or fail under CI, when a server a fault test needs is not there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not reachable")
    pytest.skip(f"{what} is not reachable")


@pytest.fixture
def redis_server() -> tuple[str, int, int]:
    """(host, port, database) of the test Redis, emptied."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.flushdb()
    except redis.RedisError:
        unavailable(f"Redis at {REDIS_URL}")
    kwargs = client.connection_pool.connection_kwargs
    return str(kwargs["host"]), int(kwargs["port"]), int(kwargs.get("db", 0))


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A scratch PostgreSQL database beside TEST_DATABASE_URL (skipped on SQLite runs)."""
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if not test_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL fault: runs in the PostgreSQL pass")
    with scratch_database(test_url, f"faults_{uuid.uuid4().hex[:12]}") as url:
        yield url


def serve(
    port: int, env: dict[str, str], *, threads: int = 4, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """gunicorn as scripts/serve.sh runs it, with one worker; its output goes to `log`."""
    output = log.open("wb") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [
            str(GUNICORN),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "wsgi:app",
        ],
        env=env,
        stdout=output,
        stderr=output,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
