#!/usr/bin/env bash
# Set up, then run the whole test suite. Extra arguments go to pytest.
# TEST_DATABASE_URL=postgresql://... runs the same suite on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=1 scripts/setup.sh || exit 1
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
