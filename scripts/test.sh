#!/usr/bin/env bash
# `make test`: the whole suite on real PostGIS and real Redis.
#
# Uses PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 when they answer (adding only
# the PostGIS package); otherwise starts private ones under .data/test. TEST_DATABASE_URL
# (an admin connection) and TEST_REDIS_URL override both.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

DATA_DIR="$ROOT/.data/test"
private_pg=0 private_redis=0
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
  else
    private_pg=1
  fi
fi
if [ -z "${TEST_REDIS_URL:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379"
  else
    private_redis=1
  fi
fi

need_servers=0; [ $private_pg = 1 ] || [ $private_redis = 1 ] && need_servers=1
install_system_packages "$need_servers" 1  # 1: Chromium for the browser tests
sync_python

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ $private_pg = 1 ] && stop_private_postgres "$DATA_DIR/postgres"
  return 0
}
trap cleanup EXIT
if [ $private_pg = 1 ]; then
  start_private_postgres "$DATA_DIR/postgres" 54339
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:54339/postgres"
fi
if [ $private_redis = 1 ]; then
  pids+=("$(start_private_redis "$DATA_DIR/redis" 63809)")
  wait_for_redis 63809
  export TEST_REDIS_URL="redis://127.0.0.1:63809"
fi

.venv/bin/ruff check service workers tests bench
# loadfile: a test file stays on one worker, so its module fixtures (a Celery worker) start once.
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
