"""`make bench` keeps working as the portal changes (a tiny run; the figures are not judged)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.no_db
def test_the_benchmark_runs_and_writes_its_figures(tmp_path):
    env = {**os.environ, "BENCH_PEOPLE": "20", "BENCH_RUNS": "2", "BENCH_OUTPUT": str(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads((tmp_path / "bench.json").read_text())
    assert set(figures["pages"]) >= {"/dashboard", "/admin/users", "/admin/audit-log"}
    assert all(page["median_ms"] > 0 for page in figures["pages"].values())
