#!/usr/bin/env bash
# `make test-fast`: the tests that need no service (pure logic: rules, the SLA calendar,
# imaging, templates, the history's plan, the layout of the tree), in seconds, with no
# PostgreSQL or Redis running. `make test` still runs everything.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
sync_python
.venv/bin/ruff check service workers tests bench
# Point the settings at nothing: a test that reached a service would fail, not pass quietly.
TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/postgres" TEST_REDIS_URL="redis://127.0.0.1:1" \
  .venv/bin/pytest -m pure -n "${PYTEST_WORKERS:-2}" -q -p no:cacheprovider "$@"
