#!/usr/bin/env bash
# Run the whole system: web :5000, SMTP :2525, outbox relay, RQ worker. Ctrl-C stops all;
# a process that exits is restarted on its own (scripts/supervise.py), the others keep serving.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=wsgi.py
.venv/bin/flask demo seed
echo "Open http://127.0.0.1:5000  (Ctrl-C stops everything)"
exec .venv/bin/python scripts/supervise.py Procfile
