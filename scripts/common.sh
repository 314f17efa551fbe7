# Shared by run.sh and test.sh: install what is missing, start private PostgreSQL/Redis.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1;34m[phananh]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[phananh]\033[0m %s\n' "$*" >&2; exit 1; }

pg_version() {
  # The newest PostgreSQL server installed from Debian/Ubuntu packages.
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/postgres" ] && echo "$v"
}

# install_system_packages NEED_SERVERS [NEED_BROWSER]: PostGIS always (the tests and the app need it);
# the PostgreSQL and Redis servers too when NEED_SERVERS=1 (we will start private ones);
# Debian's Chromium when NEED_BROWSER=1 (the browser tests drive it through Playwright, which
# must never download a browser of its own: tests/support/browser.py).
CHROMIUM=/usr/bin/chromium
install_system_packages() {
  local need_servers=$1 need_browser=${2:-0} pkgs=() ver
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "Python 3.11 or newer is needed as python3"
  python3 -c 'import ensurepip' 2>/dev/null || command -v uv >/dev/null || pkgs+=(python3-venv)
  ver=$(pg_version || true)
  if [ -z "$ver" ]; then
    pkgs+=(postgresql postgresql-contrib)
  fi
  if [ -n "$ver" ] && [ ! -f "/usr/share/postgresql/$ver/extension/postgis.control" ]; then
    pkgs+=("postgresql-$ver-postgis-3")
  fi
  if [ "$need_servers" = 1 ] && ! command -v redis-server >/dev/null; then
    pkgs+=(redis-server)
  fi
  if [ "$need_browser" = 1 ] && [ ! -x "$CHROMIUM" ]; then
    pkgs+=(chromium)
  fi
  # The monthly report's PDF: WeasyPrint lays it out with Pango, in Debian's DejaVu fonts
  # (every Vietnamese mark); its tests read it back with poppler's pdftotext and pdftoppm.
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || pkgs+=(libpango-1.0-0 libpangoft2-1.0-0)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs+=(fonts-dejavu-core)
  command -v pdftotext >/dev/null || pkgs+=(poppler-utils)
  if [ ${#pkgs[@]} -gt 0 ]; then
    apt_install "${pkgs[@]}"
    # The server version is known only once it is installed; PostGIS must match it.
    ver=$(pg_version || true)
    if [ -n "$ver" ] && [ ! -f "/usr/share/postgresql/$ver/extension/postgis.control" ]; then
      apt_install "postgresql-$ver-postgis-3"
    fi
  fi
  if [ "$need_browser" = 1 ] && [ ! -x "$CHROMIUM" ]; then
    die "Debian's chromium did not install ($CHROMIUM is missing); the browser tests need it"
  fi
}

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    die "missing system packages; run:  sudo apt-get update && sudo apt-get install -y $*"
  fi
  say "installing system packages: $*"
  apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install failed for: $*"
}

# The Python environment, from the lock file only.
sync_python() {
  local uv
  uv=$(command -v uv || true)
  if [ -z "$uv" ]; then
    if [ ! -x "$ROOT/.tools/bin/uv" ]; then
      say "installing uv into .tools/"
      python3 -m venv "$ROOT/.tools"
      "$ROOT/.tools/bin/pip" install -q uv
    fi
    uv="$ROOT/.tools/bin/uv"
  fi
  (cd "$ROOT" && "$uv" sync --frozen --quiet "$@")
}

# Commands run as the cluster owner: PostgreSQL refuses to run as root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_private_postgres DIR PORT: a cluster of our own under DIR, reused when it exists.
start_private_postgres() {
  local dir=$1 port=$2 bin
  bin="/usr/lib/postgresql/$(pg_version)/bin"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $dir"
    # trust on a cluster that listens on 127.0.0.1 only, with its socket in a 0700 folder.
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null \
      || die "PostgreSQL did not start; see $dir/postgres.log"
  fi
}

stop_private_postgres() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg "/usr/lib/postgresql/$(pg_version)/bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# create_database PORT NAME
create_database() {
  local port=$1 name=$2
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $name" >/dev/null
  fi
}

# start_private_redis DIR PORT: runs in the background, in a session of its own (its
# process group id is its PID, which is printed).
start_private_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
    --save 60 1 --logfile "$dir/redis.log" --daemonize no >/dev/null 2>&1 &
  echo $!
}

wait_for_redis() {
  local port=$1
  for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "Redis did not start on port $port"
}
