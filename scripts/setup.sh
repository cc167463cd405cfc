#!/usr/bin/env bash
# One-time (and idempotent) set-up: virtualenv, packages, Redis, translations, database schema.
# Used by `make run` and `make test`; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
WITH_BROWSER=${WITH_BROWSER:-0}

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "setup: installing Debian packages: $*"
  need_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq "$@" >/dev/null
}

# 1. Python environment
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import flask, rq, aiosmtpd, twilio" # fail loudly if the install did not work
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

# 2. Redis: use the one that answers, else start a local one (installing it if needed)
redis_up() { "$VENV/bin/python" - <<'PY' 2>/dev/null
import os, redis
redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_connect_timeout=1).ping()
PY
}
if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  echo "setup: starting a local Redis on 127.0.0.1:6379"
  mkdir -p instance
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$PWD/instance" --logfile "$PWD/instance/redis.log"
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "setup: Redis did not start (see instance/redis.log)"; exit 1; }
fi

# 2b. Real mail servers for the mailbox and Postfix tests: Dovecot (IMAP) and Postfix.
# The test suite starts private instances on free ports; the system-wide daemons that the
# packages start are stopped and kept from starting, so nothing listens on 25/143/993.
if [ "${WITH_MAILSERVERS:-1}" = "1" ] && { [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/sbin/postfix ]; }; then
  echo "postfix postfix/main_mailer_type select No configuration" | need_root debconf-set-selections
  # policy-rc.d 101: the package scripts do not start the daemons at install time
  rc_policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$rc_policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | need_root tee "$rc_policy" >/dev/null
    need_root chmod +x "$rc_policy"
    made_policy=1
    trap 'need_root rm -f "$rc_policy"' EXIT
  fi
  echo "setup: installing Debian packages: dovecot-imapd postfix"
  need_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive need_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    dovecot-imapd postfix >/dev/null
  if [ "$made_policy" = "1" ]; then need_root rm -f "$rc_policy"; trap - EXIT; fi
fi
if [ "${WITH_MAILSERVERS:-1}" = "1" ]; then
  # if an earlier install started the system-wide daemons, stop them (we never need them)
  if pgrep -x dovecot >/dev/null 2>&1 && [ -f /run/dovecot/master.pid ]; then
    need_root doveadm stop >/dev/null 2>&1 || true
  fi
  if [ -f /var/spool/postfix/pid/master.pid ] && need_root postfix status >/dev/null 2>&1; then
    need_root postfix stop >/dev/null 2>&1 || true
  fi
fi

# 3. A real browser for the end-to-end tests (Debian's chromium; Playwright drives it)
if [ "$WITH_BROWSER" = "1" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# 3b. axe-core for the accessibility tests (npm registry), kept out of git in .cache/
if [ "$WITH_BROWSER" = "1" ] && [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  echo "setup: installing axe-core"
  npm install --prefix .cache/axe --no-audit --no-fund --silent axe-core@4 >/dev/null
fi

# 4. Translations (each feature keeps its own catalogue)
for dir in app/translations app/*/translations; do
  if [ -d "$dir" ]; then "$VENV/bin/pybabel" compile -f -d "$dir" >/dev/null; fi
done

# 5. Database schema (SQLite by default; DATABASE_URL selects PostgreSQL)
export FLASK_APP=wsgi.py
"$VENV/bin/flask" db upgrade >/dev/null 2>&1 || "$VENV/bin/flask" db upgrade
echo "setup: ready"
