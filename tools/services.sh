#!/usr/bin/env bash
# Start, check or stop throwaway PostgreSQL and Redis servers on loopback for
# tests and benchmarks, and write their URLs to var/test-services.env.
#
# Isolation (issue 13): each run gets free ports (asked of the OS) unless
# COMITY_TEST_PG_PORT / COMITY_TEST_REDIS_PORT name one, and a data folder of
# its own under var/services/run-*/. A URL is written only for a server this
# script started: PostgreSQL must report our data directory and Redis our
# working directory. A port that another server already holds is refused,
# never used: the tests would otherwise run against (and truncate) a stranger.
#
# COMITY_SERVICES_PG_OPTIONS adds server options after the test defaults (a later
# -c wins): bench/bench_scale.py's PostgreSQL run uses it for docs/deployment.md's
# settings with fsync back on.
#
# COMITY_SERVICES_VAR moves var/ (the isolation test runs the script in a
# temporary folder so that it never touches the checkout's own servers).
set -euo pipefail
cd "$(dirname "$0")/.."
var="${COMITY_SERVICES_VAR:-$PWD/var}"
env_file="$var/test-services.env"
mkdir -p "$var/services"

pg_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$found" ]; then echo "$found"; return; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; fi
}

run_pg() {  # PostgreSQL refuses to run as root: use the postgres account then.
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {  # The OS picks a port nobody holds (bind to port 0).
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_taken() {  # Something already accepts connections on 127.0.0.1:$1.
  python3 - "$1" <<'EOF'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

# --- Is the server on this port the one we started? -------------------------
pg_is_ours() {  # $1 port, $2 data directory
  local bin; bin="$(pg_bin)"
  local seen
  seen="$(PGCONNECT_TIMEOUT=3 "$bin/psql" -h 127.0.0.1 -p "$1" -U comity -d postgres -XAtqc \
    'SHOW data_directory' 2>/dev/null)" || return 1
  [ "$(realpath -m "$seen")" = "$(realpath -m "$2")" ]
}

redis_is_ours() {  # $1 port, $2 working directory
  local seen
  seen="$(timeout 3 redis-cli -h 127.0.0.1 -p "$1" --raw CONFIG GET dir 2>/dev/null | sed -n 2p)" \
    || return 1
  [ -n "$seen" ] && [ "$(realpath -m "$seen")" = "$(realpath -m "$2")" ]
}

refuse() {
  echo "services.sh: refusing $1 on 127.0.0.1:$2: $3" >&2
  echo "  (tests must never run against a server this script did not start;" >&2
  echo "   stop that server or choose another port, or unset the port to get a free one)" >&2
  return 1
}

# --- Start -------------------------------------------------------------------
start_pg() {  # $1 run folder
  local bin; bin="$(pg_bin)"
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "PostgreSQL not installed: PostgreSQL tests skip" >&2; return 0; }
  local port="${COMITY_TEST_PG_PORT:-$(free_port)}"
  local data="$1/pg"
  if port_taken "$port"; then
    refuse PostgreSQL "$port" "another server already holds the port"
    return 1
  fi
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres "$data"
  run_pg "$bin/initdb" -D "$data" -U comity --auth=trust -E UTF8 >/dev/null
  run_pg "$bin/pg_ctl" -D "$data" -l "$data/log" -w -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${COMITY_SERVICES_PG_OPTIONS:-}" start >/dev/null \
    || { echo "PostgreSQL did not start; see $data/log" >&2; return 1; }
  pg_is_ours "$port" "$data" || { refuse PostgreSQL "$port" "it does not serve $data"; return 1; }
  {
    echo "export COMITY_TEST_PG_PORT=$port"
    echo "export COMITY_TEST_PG_URL=postgresql+psycopg://comity@127.0.0.1:$port/postgres"
  } >> "$env_file"
}

start_redis() {  # $1 run folder
  command -v redis-server >/dev/null || { echo "Redis not installed: Redis tests skip" >&2; return 0; }
  local port="${COMITY_TEST_REDIS_PORT:-$(free_port)}"
  local dir="$1/redis"
  if port_taken "$port"; then
    refuse Redis "$port" "another server already holds the port"
    return 1
  fi
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 50); do redis_is_ours "$port" "$dir" && break; sleep 0.1; done
  redis_is_ours "$port" "$dir" || { refuse Redis "$port" "it does not work in $dir"; return 1; }
  {
    echo "export COMITY_TEST_REDIS_PORT=$port"
    echo "export COMITY_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
  } >> "$env_file"
}

# --- The run recorded in the env file ------------------------------------------
recorded() {  # $1 variable name: its value in the env file, or nothing
  [ -f "$env_file" ] || return 0
  sed -n "s/^export $1=//p" "$env_file" | tail -1
}

check() {  # Every URL in the env file points at a server of this run.
  local run; run="$(recorded COMITY_TEST_SERVICES_DIR)"
  [ -n "$run" ] && [ -d "$run" ] || return 1
  local port
  port="$(recorded COMITY_TEST_PG_PORT)"
  if [ -n "$port" ]; then pg_is_ours "$port" "$run/pg" || return 1; fi
  port="$(recorded COMITY_TEST_REDIS_PORT)"
  if [ -n "$port" ]; then redis_is_ours "$port" "$run/redis" || return 1; fi
  return 0
}

stop() {  # Stop only what this run started, then remove its data folder.
  local run; run="$(recorded COMITY_TEST_SERVICES_DIR)"
  if [ -n "$run" ] && [ -d "$run" ]; then
    local bin; bin="$(pg_bin)"
    if [ -n "$bin" ] && [ -f "$run/pg/PG_VERSION" ]; then
      run_pg "$bin/pg_ctl" -D "$run/pg" stop -m fast >/dev/null 2>&1 || true
    fi
    local port; port="$(recorded COMITY_TEST_REDIS_PORT)"
    if [ -n "$port" ] && redis_is_ours "$port" "$run/redis"; then
      redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
    rm -rf "$run"
  fi
  rm -f "$env_file"
}

start() {
  if check; then return 0; fi  # this run's servers are up and ours: keep them
  stop
  local run; run="$(mktemp -d "$var/services/run-XXXXXX")"
  chmod 755 "$run"
  echo "export COMITY_TEST_SERVICES_DIR=$run" > "$env_file"
  local status=0
  start_pg "$run" || status=1
  start_redis "$run" || status=1
  return $status
}

case "${1:-start}" in
  start) start ;;
  check) check || { echo "services.sh: the servers in $env_file are not this run's" >&2; exit 1; } ;;
  stop) stop ;;
  *) echo "usage: $0 start|check|stop" >&2; exit 2 ;;
esac
