#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests (the ctest fixture
# `postgres`): `start STATE_DIR` makes one with initdb in a temporary
# directory, as a non-root user (`postgres` when run as root: initdb refuses
# root), listening only on 127.0.0.1 on a free port, and writes its libpq
# connection string to STATE_DIR/url; `stop STATE_DIR` stops it and removes
# it. A test that needs PostgreSQL reads STATE_DIR/url and fails when it is
# missing: without a server the PostgreSQL tests fail, they never skip.
set -euo pipefail

action=${1:?usage: postgres_cluster.sh start|stop STATE_DIR}
state=${2:?usage: postgres_cluster.sh start|stop STATE_DIR}
bin=${MOTCUA_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
fi

stop() {
  if [ -f "$state/data_dir" ]; then
    local data
    data=$(cat "$state/data_dir")
    if [ -d "$data/data" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  rm -f "$state/url" "$state/data_dir"
}

case "$action" in
  start)
    mkdir -p "$state"
    stop  # a cluster a crashed run left behind
    if [ ! -x "$bin/initdb" ]; then
      echo "postgres_cluster.sh: $bin/initdb is missing; install postgresql-15 (deploy/install-deps.sh)" >&2
      exit 1
    fi
    data=$(mktemp -d /tmp/motcua-postgres.XXXXXX)
    echo "$data" >"$state/data_dir"
    if [ ${#as_owner[@]} -gt 0 ]; then chown postgres "$data"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/initdb" -D "$data/data" -U motcua -A trust \
      --encoding=UTF8 --no-locale >"$data/initdb.log" 2>&1 ||
      { cat "$data/initdb.log" >&2; exit 1; }
    # Durable as in production (fsync, synchronous_commit on); enough
    # connections for the tests that ctest runs at once.
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data/data" -l "$data/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c max_connections=200" \
      start >/dev/null ||
      { cat "$data/server.log" >&2; exit 1; }
    echo "postgresql://motcua@127.0.0.1:$port/postgres" >"$state/url"
    echo "postgres_cluster.sh: PostgreSQL on 127.0.0.1:$port ($data)"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: postgres_cluster.sh start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
