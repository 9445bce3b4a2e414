#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL, side by side, and the lint, type and
# security checks (once the shorter SQLite pass has freed a core).
# With CI=true a missing PostgreSQL, browser or advisory service fails the run instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
ci="${CI:-false}"
status=0

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "Browser"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's Chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "Could not install chromium" >&2
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  chromium --version 2>/dev/null || true
elif [ "$ci" = "true" ]; then
  fail "Chromium is missing and CI=true: the browser tests cannot be skipped."
else
  echo "WARNING: no Chromium; the browser tests will be skipped." >&2
fi

# The code checks: run on the core the SQLite pass frees, while the PostgreSQL pass goes on.
checks() {
  step "Lint (ruff), architecture (import-linter), types (mypy)"
  $bin/ruff check . || { echo "FAILED: ruff" >&2; return 1; }
  $bin/ruff format --check . || { echo "FAILED: ruff format (run: .venv/bin/ruff format .)" >&2; return 1; }
  $bin/lint-imports --no-cache || { echo "FAILED: import-linter" >&2; return 1; }
  $bin/mypy || { echo "FAILED: mypy" >&2; return 1; }

  step "Security: bandit (code), pip-audit (installed packages)"
  # Every finding is fixed or marked in the code with `# nosec BXXX` and its reason.
  $bin/bandit -q -c pyproject.toml -r portal || { echo "FAILED: bandit" >&2; return 1; }
  # Known vulnerabilities fail; an unreachable advisory service warns, or fails with CI=true.
  $bin/python scripts/audit_dependencies.py || { echo "FAILED: pip-audit" >&2; return 1; }
}

# The two passes run side by side (one core each), each with its own temporary folder and its
# own Redis databases, and their reports are printed one after the other.
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

step "Test suite on SQLite and on PostgreSQL, side by side"
pg_url="${TEST_DATABASE_URL:-}"
created=""
if [ -z "$pg_url" ]; then
  pg_url="postgresql+psycopg://postgres@127.0.0.1:5432/portal_test_$$_$(date +%s)"
  if $bin/python -m tests.pgdb create "$pg_url" 2>"$logs/pgdb.err"; then
    created="$pg_url"
  else
    cat "$logs/pgdb.err" >&2
    pg_url=""
  fi
fi
# The load test makes its own PostgreSQL database whichever pass runs it: the SQLite pass, the
# shorter one, is given the server (and the PostgreSQL pass told it runs elsewhere).
pg_server=""
[ -n "$pg_url" ] && pg_server="${pg_url%/*}/"
env -u TEST_DATABASE_URL \
  TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" \
  TEST_LOADTEST_POSTGRES="$pg_server" \
  $bin/pytest -p no:randomly --durations=15 --basetemp="$logs/sqlite-tmp" "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!

pg_pid=""
if [ -n "$pg_url" ]; then
  TEST_DATABASE_URL="$pg_url" \
    TEST_LOADTEST_POSTGRES="" \
    TEST_REDIS_URL="${TEST_PG_REDIS_URL:-redis://127.0.0.1:6379/13}" \
    $bin/pytest -p no:randomly --durations=15 --basetemp="$logs/postgresql-tmp" "$@" >"$logs/postgresql.log" 2>&1 &
  pg_pid=$!
fi

wait "$sqlite_pid" || status=1
checks || status=1
step "Test suite on SQLite"
cat "$logs/sqlite.log"
if [ -n "$pg_pid" ]; then
  wait "$pg_pid" || status=1
  step "Test suite on PostgreSQL"
  cat "$logs/postgresql.log"
  [ -n "$created" ] && $bin/python -m tests.pgdb drop "$created"
elif [ "$ci" = "true" ]; then
  fail "PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: the PostgreSQL run cannot be skipped."
else
  echo "WARNING: no PostgreSQL on 127.0.0.1:5432 and no TEST_DATABASE_URL; PostgreSQL run skipped." >&2
fi

if [ "$status" -ne 0 ]; then
  fail "tests"
fi
echo
echo "All checks passed on SQLite and PostgreSQL."
