#!/usr/bin/env bash
# Run the whole system: web :5000, SMTP :2525, outbox relay, RQ worker. Ctrl-C stops all;
# a process that exits is restarted on its own (scripts/supervise.py), the others keep serving.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=wsgi.py
export HELPDESK_ENV=${HELPDESK_ENV:-development}
if [ "$HELPDESK_ENV" = "development" ]; then
  # The phone side stays on this machine: the worker talks to the local Twilio stand-in
  # (Procfile "phone"), and /agent/dev/phone shows what was sent and lets you text or call us.
  export TWILIO_API_BASE_URL=${TWILIO_API_BASE_URL:-http://127.0.0.1:5099}
  export TWILIO_STANDIN_LOG=${TWILIO_STANDIN_LOG:-$PWD/instance/phone-standin.jsonl}
fi
.venv/bin/flask demo seed
echo "Open http://127.0.0.1:5000  (Ctrl-C stops everything)"
echo "The phone side: http://127.0.0.1:5000/agent/dev/phone (SMS and calls stay on this machine)"
exec .venv/bin/python scripts/supervise.py Procfile
