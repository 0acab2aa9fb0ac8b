#!/usr/bin/env bash
# Start (or stop) throwaway PostgreSQL and Redis servers on loopback for tests
# and benchmarks, and write their URLs to var/test-services.env.
# Data lives under var/services/; ports are fixed high ports on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/var/services"
env_file="$PWD/var/test-services.env"
pg_port="${COMITY_TEST_PG_PORT:-54329}"
redis_port="${COMITY_TEST_REDIS_PORT:-63799}"
mkdir -p "$root"

pg_bin() {
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

run_pg() {  # PostgreSQL refuses to run as root: use the postgres account then.
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_pg() {
  local bin; bin="$(pg_bin)"
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "PostgreSQL not installed: PostgreSQL tests skip" >&2; return 1; }
  local data="$root/pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    run_pg "$bin/initdb" -D "$data" -U comity --auth=trust -E UTF8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres "$data"
  if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    run_pg "$bin/pg_ctl" -D "$data" -l "$data/log" -w -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  fi
  echo "export COMITY_TEST_PG_URL=postgresql+psycopg://comity@127.0.0.1:$pg_port/postgres" >> "$env_file"
}

start_redis() {
  command -v redis-server >/dev/null || { echo "Redis not installed: Redis tests skip" >&2; return 1; }
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' \
      --appendonly no --dir "$root" --logfile "$root/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "export COMITY_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0" >> "$env_file"
}

case "${1:-start}" in
  start)
    : > "$env_file"
    start_pg || true
    start_redis || true
    ;;
  stop)
    bin="$(pg_bin)"
    [ -n "$bin" ] && [ -f "$root/pg/PG_VERSION" ] && run_pg "$bin/pg_ctl" -D "$root/pg" stop -m fast >/dev/null 2>&1 || true
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    rm -f "$env_file"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
