#!/usr/bin/env bash
# Serve the portal with gunicorn, with the outbox worker beside it; stop both together.
set -euo pipefail
host="${1:-127.0.0.1}"
port="${2:-5000}"
bin=".venv/bin"

"$bin/flask" outbox send --watch &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

echo
echo "The portal is at http://$host:$port (Ctrl+C to stop)."
echo "Email is written to instance/outbox/ unless SMTP_HOST is set."
# Rate-limit counters live in memory unless REDIS_URL is set, and memory is per process:
# without Redis, serve from one process with threads so every request sees the same counters.
if [ -n "${REDIS_URL:-}" ]; then
  workers="${WORKERS:-2}"
else
  workers=1
fi
"$bin/gunicorn" --no-control-socket --bind "$host:$port" --workers "$workers" \
  --worker-class gthread --threads "${THREADS:-4}" --keep-alive "${KEEP_ALIVE:-5}" \
  --access-logfile - wsgi:app
