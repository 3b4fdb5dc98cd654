#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests (the ctest fixture
# `postgres`): `start STATE_DIR` makes one with initdb in a temporary
# directory, as a non-root user (`postgres` when run as root: initdb refuses
# root), listening only on 127.0.0.1 on a free port, and writes its libpq
# connection string to STATE_DIR/url; `stop STATE_DIR` stops it and removes
# it. A test that needs PostgreSQL reads STATE_DIR/url and fails when it is
# missing: without a server the PostgreSQL tests fail, they never skip.
#
# `start-standby STATE_DIR` makes a streaming hot standby of that cluster
# (the ctest fixture `postgres_standby`): pg_basebackup -R from the primary
# into another temporary directory, started as the same user on another
# free port, its URL (database `postgres`) in STATE_DIR/standby_url once it
# is streaming; `stop-standby STATE_DIR` stops and removes it. A standby
# that cannot start fails the fixture, with its log.
set -euo pipefail

usage="usage: postgres_cluster.sh start|stop|start-standby|stop-standby STATE_DIR"
action=${1:?$usage}
state=${2:?$usage}
bin=${MOTCUA_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
fi

# Stops the cluster whose files in $state start with $1 ("" for the
# primary, "standby_" for its standby) and removes its data.
stop_cluster() {
  if [ -f "$state/${1}data_dir" ]; then
    local data
    data=$(cat "$state/${1}data_dir")
    if [ -d "$data/data" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data/data" -m immediate -w stop \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
  fi
  rm -f "$state/${1}url" "$state/${1}data_dir"
}
stop() { stop_cluster ""; }
stop_standby() { stop_cluster standby_; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
  start-standby)
    stop_standby
    primary=$(cat "$state/url")
    primary_port=${primary##*:}
    primary_port=${primary_port%%/*}
    data=$(mktemp -d /tmp/motcua-postgres-standby.XXXXXX)
    echo "$data" >"$state/standby_data_dir"
    if [ ${#as_owner[@]} -gt 0 ]; then chown postgres "$data"; fi
    port=$(free_port)
    # -R writes standby.signal and primary_conninfo: the copy starts as a
    # hot standby streaming from the primary.
    "${as_owner[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" \
      -U motcua -D "$data/data" -R -X stream -c fast \
      >"$data/basebackup.log" 2>&1 ||
      { cat "$data/basebackup.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$data/data" -l "$data/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c max_connections=200 -c hot_standby=on" \
      start >/dev/null ||
      { cat "$data/server.log" >&2; exit 1; }
    # Streaming, not merely started: the primary sees its WAL receiver.
    for _ in $(seq 1 100); do
      streaming=$("${as_owner[@]}" "$bin/psql" "$primary" -Atc \
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null || true)
      if [ "${streaming:-0}" -ge 1 ]; then break; fi
      sleep 0.1
    done
    if [ "${streaming:-0}" -lt 1 ]; then
      echo "postgres_cluster.sh: the standby on 127.0.0.1:$port is not streaming" >&2
      cat "$data/server.log" >&2
      exit 1
    fi
    echo "postgresql://motcua@127.0.0.1:$port/postgres" >"$state/standby_url"
    echo "postgres_cluster.sh: standby on 127.0.0.1:$port ($data)"
    ;;
  stop-standby)
    stop_standby
    ;;
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
    port=$(free_port)
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
    echo "$usage" >&2
    exit 2
    ;;
esac
