"""`make loadtest`: a throwaway PostgreSQL database with an invented population, the portal
under gunicorn with Redis (production settings), a headless Locust run on loopback, then the
checks: every write Locust saw succeed is in the database and no invariant broke.

Settings come from the environment: LOADTEST_USERS (50), LOADTEST_DURATION (seconds, 120),
LOADTEST_SPAWN_RATE (users started per second, 5), LOADTEST_OUTPUT (folder, build),
LOADTEST_POSTGRES (server, postgresql+psycopg://postgres@127.0.0.1:5432/),
LOADTEST_REDIS_URL (redis://127.0.0.1:6379/14, emptied first), WORKERS, THREADS and KEEP_ALIVE
(gunicorn, as scripts/serve.sh: 2, 4 and 5 seconds) and SECRET_KEY and UPLOAD_ENCRYPTION_KEY
(random ones for the run when not set)."""

from __future__ import annotations

import base64
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from loadtest.checks import check_invariants, check_writes

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRITE_PAGES = {"cpd": "cpd: save activity [write]", "score": "assessments: save score [write]"}


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with (
            suppress(OSError),
            urllib.request.urlopen(f"{base}/healthz", timeout=2) as response,  # noqa: S310
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"the portal did not answer at {base}")


@contextmanager
def _processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started here, each stopped by its own id at the end."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _warm_up(base: str) -> None:
    """A few requests to each worker first, so that the figures are not of templates compiling."""
    for _ in range(4 * int(_env("WORKERS", "2"))):
        for path in ("/sign-in", "/register", "/register/verify", "/healthz"):
            with urllib.request.urlopen(f"{base}{path}", timeout=30) as response:  # noqa: S310
                response.read()


def _server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn and its workers."""
    import psutil

    master = psutil.Process(pid)
    seconds = 0.0
    for process in [master, *master.children(recursive=True)]:
        with suppress(psutil.Error):
            times = process.cpu_times()
            seconds += times.user + times.system
    return seconds


def _lines_so_far(folder: Path) -> dict[str, int]:
    return {path.name: len(path.read_text().splitlines()) for path in folder.glob("*.tsv")}


def _cpu_by_endpoint(folder: Path, *, skip: dict[str, int]) -> dict[str, dict[str, float]]:
    """Each endpoint's CPU a request in the server's own thread (loadtest/served.py): median
    and 95th percentile in milliseconds, and how many requests; `skip` lines at the start of
    each worker's file were written before the run."""
    spent: dict[str, list[float]] = {}
    for path in folder.glob("*.tsv"):
        for line in path.read_text().splitlines()[skip.get(path.name, 0) :]:
            name, _, ms = line.partition("\t")
            spent.setdefault(name, []).append(float(ms))
    figures = {}
    for name, values in sorted(spent.items()):
        values.sort()
        figures[name] = {
            "requests": len(values),
            "median_ms": round(values[len(values) // 2], 1),
            "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))], 1),
        }
    return figures


def _stats(prefix: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Locust's CSV: the aggregated row and one row per named request."""
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    pages = {}
    total: dict[str, Any] = {}
    for row in rows:
        figures = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["Median Response Time"] or 0),
            "p95_ms": float(row["95%"] if row["95%"] not in ("", "N/A") else 0),
            "rps": float(row["Requests/s"] or 0),
        }
        if row["Name"] == "Aggregated":
            total = figures
        else:
            pages[row["Name"]] = figures
    return total, pages


def main() -> int:
    users = int(_env("LOADTEST_USERS", "50"))
    duration = int(_env("LOADTEST_DURATION", "120"))
    spawn_rate = float(_env("LOADTEST_SPAWN_RATE", "5"))
    output = Path(_env("LOADTEST_OUTPUT", str(ROOT / "build")))
    server = _env("LOADTEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/")
    redis_url = _env("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    database = sa.make_url(server).set(database=f"portal_loadtest_{uuid.uuid4().hex[:10]}")
    database_url = database.render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="portal-loadtest-"))
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        "UPLOAD_ENCRYPTION_KEY": os.environ.get("UPLOAD_ENCRYPTION_KEY")
        or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "INSTANCE_PATH": str(work / "instance"),
        "LOADTEST_POPULATION": str(work / "population.json"),
        "LOADTEST_WRITES": str(work / "writes.json"),
        "LOADTEST_CPU_DIR": str(work / "cpu"),
    }
    env.pop("SMTP_HOST", None)  # email goes to files in the run's own folder
    passed_on = ("PORTAL_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "UPLOAD_ENCRYPTION_KEY")
    os.environ.update({key: env[key] for key in passed_on})
    os.environ["INSTANCE_PATH"] = env["INSTANCE_PATH"]
    redis.Redis.from_url(redis_url, socket_connect_timeout=2).flushdb()

    from tests.pgdb import create_database, drop_database

    create_database(database)
    try:
        return _run(env, work, users, duration, spawn_rate, output, database_url)
    finally:
        drop_database(database)
        print(f"Dropped the database {database.database}.")


def _run(
    env: dict[str, str],
    work: Path,
    users: int,
    duration: int,
    spawn_rate: float,
    output: Path,
    database_url: str,
) -> int:
    from flask_migrate import upgrade

    from loadtest.population import populate
    from portal import create_app
    from portal.extensions import db

    began = time.monotonic()
    app = create_app()
    with app.app_context():
        upgrade()
    population = populate(app, users=users, register=int(_env("LOADTEST_REGISTER", "150")))
    population.write(work / "population.json")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    print(
        f"Populated in {time.monotonic() - began:.0f} s: {len(population.reviewers)} reviewers, "
        f"{len(population.assessors)} assessors with 3 applications each, "
        f"{len(population.commissioners)} commissioners, {len(population.analysts)} analysts."
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (work / "server.log").open("wb")
    with _processes() as started:
        started.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    _env("WORKERS", "2"),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    _env("THREADS", "4"),
                    "--keep-alive",
                    _env("KEEP_ALIVE", "5"),
                    "--graceful-timeout",
                    "5",
                    "loadtest.served:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        started.append(
            subprocess.Popen(
                [str(BIN / "flask"), "--app", "wsgi", "outbox", "send", "--watch"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        _wait_until_up(base)
        _warm_up(base)
        warm_up_lines = _lines_so_far(work / "cpu")  # the warm-up's requests do not count
        start_mark = time.time()
        load_before = os.getloadavg()[0]
        cpu_before = _server_cpu(started[0].pid)
        print(f"Running {users} users for {duration} s against {base} ...")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(spawn_rate),
                "--run-time",
                f"{duration}s",
                "--stop-timeout",
                "10",
                "--host",
                base,
                "--csv",
                str(work / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        server_cpu = _server_cpu(started[0].pid) - cpu_before
        load_after = os.getloadavg()[0]
    total, pages = _stats(work / "locust")
    writes = json.loads((work / "writes.json").read_text())
    # Locust's figures may miss a request still running as the run stopped; the users' own
    # log of the writes that succeeded then has it.
    succeeded = {
        kind: max(
            pages.get(name, {}).get("requests", 0) - pages.get(name, {}).get("failures", 0),
            sum(1 for w in writes if w["kind"] == kind),
        )
        for kind, name in WRITE_PAGES.items()
    }
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            lost, write_report = check_writes(conn, writes, succeeded, since=start_mark)
            broken = check_invariants(conn)
    finally:
        engine.dispose()
    result = {
        "users": users,
        "duration_s": duration,
        "requests": total.get("requests", 0),
        "rps": round(total.get("rps", 0.0), 1),
        "p95_ms": total.get("p95_ms", 0.0),
        "errors": total.get("failures", 0),
        "lost_writes": lost,
        # What the server itself spent, whatever else the machine was doing: the figure that
        # says whether two free cores would keep up, when the times are those of a busy machine.
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(total.get("requests", 0), 1)),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "pages": {
            name: {"median_ms": f["median_ms"], "p95_ms": f["p95_ms"], "errors": f["failures"]}
            for name, f in sorted(pages.items())
        },
        "server_cpu_by_endpoint": _cpu_by_endpoint(work / "cpu", skip=warm_up_lines),
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / "loadtest.json").write_text(json.dumps(result, indent=2) + "\n")
    _summary(result, pages, write_report, broken)
    print(f"Load average (1, 5, 15 minutes) at the end: {os.getloadavg()}")
    print(f"Written to {output / 'loadtest.json'}; server log in {work / 'server.log'}")
    return 1 if lost or broken or not total.get("requests") else 0


def _summary(
    result: dict[str, Any],
    pages: dict[str, dict[str, Any]],
    write_report: list[str],
    broken: list[str],
) -> None:
    print()
    print(f"{'page':<40} {'requests':>8} {'median':>8} {'p95':>8} {'errors':>7}")
    for name, f in sorted(pages.items()):
        print(
            f"{name:<40} {f['requests']:>8} {f['median_ms']:>6.0f}ms "
            f"{f['p95_ms']:>6.0f}ms {f['failures']:>7}"
        )
    print()
    print(
        f"{result['users']} users, {result['duration_s']} s: {result['requests']} requests, "
        f"{result['rps']} per second, p95 {result['p95_ms']:.0f} ms, "
        f"{result['errors']} errors, {result['lost_writes']} writes lost"
    )
    print(
        f"The server used {result['server_cpu_ms_per_request']} ms of CPU a request; load average "
        f"{result['load_average'][0]} at the start and {result['load_average'][1]} at the end."
    )
    for line in write_report:
        print(f"  {line}")
    if broken:
        print("Invariants broken:")
        for line in broken:
            print(f"  {line}")
    else:
        print("Every invariant holds.")
    print()
    print(
        f"{'CPU a request in the server, by endpoint':<48} {'requests':>8} {'median':>8} {'p95':>8}"
    )
    for name, f in result["server_cpu_by_endpoint"].items():
        print(f"{name:<48} {f['requests']:>8} {f['median_ms']:>6.0f}ms {f['p95_ms']:>6.0f}ms")
    missed = [n for n, f in pages.items() if f["p95_ms"] >= 500 or f["failures"]]
    target = "met" if not missed and not result["errors"] else f"missed by: {', '.join(missed)}"
    print(f"Target (no errors, p95 under 500 ms on every page): {target}")


if __name__ == "__main__":
    sys.exit(main())
