#!/usr/bin/env bash
# `make run`: the whole service on this machine, in the foreground. Ctrl-C stops it all.
#
# Unless DATABASE_URL / REDIS_URL point elsewhere, a private PostgreSQL+PostGIS cluster
# and a private Redis run under $PHANANH_DATA_DIR (default .data/), and are reused next time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

DATA_DIR=${PHANANH_DATA_DIR:-$ROOT/.data}
PG_PORT=${PHANANH_PG_PORT:-54329}
REDIS_PORT=${PHANANH_REDIS_PORT:-63799}
PORT=${PORT:-8000}
export PHANANH_DATA_DIR=$DATA_DIR PORT

private_pg=0 private_redis=0
[ -z "${DATABASE_URL:-}" ] && private_pg=1
[ -z "${REDIS_URL:-}" ] && private_redis=1
need_servers=0; [ $private_pg = 1 ] || [ $private_redis = 1 ] && need_servers=1

install_system_packages "$need_servers"
sync_python
PHANANH=("$ROOT/.venv/bin/phananh")

# Each component runs in a session and process group of its own (setsid, below), with
# the group's id equal to the pid listed here: stopping the group stops what it started
# too, such as a worker's pool children, even when the worker itself was killed with -9.
pids=()
group_alive() { kill -0 -- "-$1" 2>/dev/null; }
cleanup() {
  trap - INT TERM EXIT
  say "stopping…"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  # A worker finishing a photo gets a grace period; after it, nothing is left running.
  local deadline=$((SECONDS + ${PHANANH_STOP_GRACE:-20}))
  for pid in "${pids[@]}"; do
    while group_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if group_alive "$pid"; then
      say "process group $pid ($(ps -o args= -p "$pid" | cut -c1-60)) did not stop in time: killing it"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  if [ $private_pg = 1 ]; then
    say "stopping PostgreSQL"
    stop_private_postgres "$DATA_DIR/postgres"
  fi
  say "stopped"
}
trap cleanup INT TERM EXIT

mkdir -p "$DATA_DIR"
if [ $private_pg = 1 ]; then
  start_private_postgres "$DATA_DIR/postgres" "$PG_PORT"
  create_database "$PG_PORT" phananh
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/phananh"
fi
if [ $private_redis = 1 ]; then
  pids+=("$(start_private_redis "$DATA_DIR/redis" "$REDIS_PORT")")
  wait_for_redis "$REDIS_PORT"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
fi

"${PHANANH[@]}" migrate
"${PHANANH[@]}" seed-demo --once --days 0

# Each component is the leader of a session of its own (setsid: a background job of a shell
# without job control is no group leader, so setsid execs in place and $! is the new
# session's id). Not `set -m`: with job control on, a loaded machine's Ctrl-C could reach
# this shell in `wait -n` and run no trap at all (seen in tests/test_make_run.py).
setsid "${PHANANH[@]}" worker --concurrency 2 &
pids+=($!)
setsid "${PHANANH[@]}" serve --port "$PORT" &
pids+=($!)
# The first start plays PHANANH_DEMO_DAYS (default 90) days of history while the API is
# already up, a day per commit (the IOC fills as you watch); beat starts once it is done,
# so its escalations and auto-close run on today, not on a past still being written.
setsid bash -c '"$1" seed-demo --once --days "$2" || echo "[phananh] demo history failed; the service runs without it" >&2
exec "$1" beat' history-then-beat "${PHANANH[0]}" "${PHANANH_DEMO_DAYS:-90}" &
pids+=($!)

say "API on http://127.0.0.1:$PORT  (docs: /docs, readiness: /readyz) — Ctrl-C stops everything"
say "demo logins: quantri, dieuphoi, canbo.bachquang, lanhdao.bachquang, 0912345678 — password \$PHANANH_DEMO_PASSWORD (default PhanAnh@2026)"
# If any process dies, stop the rest rather than run half a service.
wait -n
