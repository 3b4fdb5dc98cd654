#!/usr/bin/env bash
# Runs the benchmark suite on an optimised build and writes the results to
# bench/results/ (JSON, one file per benchmark, the tools' own output in
# *.txt, the tops of the perf profiles, and summary.md with the medians and
# ratios of this run). With --smoke, runs each benchmark for a moment only,
# on small data, to show it still works (about 20 s after the build, for
# CI; results in bench/results/smoke/); no figure is checked. With --scale,
# runs only what depends on the store's size (the fill, the reads, start-up
# and memory, audit verify) on a store of MOTCUA_BENCH_FILL_DOSSIERS
# (10,000,000 by default: about 20 minutes and 40 GB of disk; results in
# bench/results/scale/; MOTCUA_BENCH_REPLAY=1 adds the replay, which needs
# as much disk again).
#
#   due_bench              due-time computation (Google Benchmark)
#   motcua_sqlite_ceiling  storage ceiling: raw durable SQLite appends
#   motcua_store_load      the command mix straight into EventStore
#   motcua_fill            a filled store (1,000,000 dossiers by default)
#   motcua_query           ListOverdue first pages and overdue counts per
#                          agency through gRPC on the filled store
#   motcua_audit_bench     audit verify and replay rates, store-level counts
#   motcua_load            the command mix through gRPC against motcuad on
#                          the filled store, then against a do-nothing
#                          server (transport ceiling); once more under perf
#                          on motcuad (full run only)
#   motcua_tet_burst       the morning after Tết: N thresholds due at one
#                          instant, recorded durably while commands arrive
#   PostgreSQL (a private PostgreSQL 15 cluster made as the tests make it,
#   tests/testing/postgres_cluster.sh, stopped at the end):
#   motcua_pg_deadline_loop  the plain loop a team without motcua would
#                          write: UPDATE … RETURNING + one INSERT per fired
#                          deadline, no hash chain (inserts pipelined, then
#                          one round trip each)
#   motcua_tet_burst --postgres-url  the same burst on a PostgreSQL store
#   motcua_load            motcuad --postgres-url at the same in-flight
#                          count, and a fresh SQLite motcuad with the same
#                          arguments, beside
#   motcua_pg_ceiling      PostgreSQL's own ceiling for the same rows
#
# Full-run sizes can be changed from the environment: MOTCUA_BENCH_REPEAT
# (load runs whose medians are reported, 3), MOTCUA_BENCH_FILL_DOSSIERS,
# MOTCUA_BENCH_LOAD_SECONDS, MOTCUA_BENCH_OPEN, MOTCUA_BENCH_IN_FLIGHT,
# MOTCUA_BENCH_BURST (thresholds due at one instant, 200000),
# MOTCUA_BENCH_PG_DEADLINES (the plain PostgreSQL loop's, 1000000),
# MOTCUA_BENCH_PG_BURST (motcua's burst on PostgreSQL, 20000: its fill goes
# through the writer command by command), MOTCUA_BENCH_PG_OPEN (open
# dossiers of the PostgreSQL load runs, 10000; MOTCUA_BENCH_PG=0 skips the
# PostgreSQL part);
# MOTCUA_BENCH_FILLED=DIR measures on DIR/motcua.db, filled before by
# motcua_fill with --json DIR/fill.json, instead of filling (the server and
# the load runs write into it).
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
scale=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  --scale) scale=1 ;;
  "") ;;
  *) echo "usage: bench/run.sh [--smoke | --scale]" >&2; exit 2 ;;
esac

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target due_bench motcuad \
  motcua_load motcua_sqlite_ceiling motcua_store_load motcua_fill \
  motcua_query motcua_audit_bench motcua_tet_burst motcua_pg_deadline_loop \
  motcua_pg_ceiling

out=bench/results
# A smoke run keeps its small figures apart from the last full run's.
[ "${smoke}" = 1 ] && out=bench/results/smoke
[ "${scale}" = 1 ] && out=bench/results/scale
mkdir -p "${out}"
# Private copies of the binaries: a rebuild of the tree during the run
# (another checkout's CI, an editor) must not swap them under it.
work=$(mktemp -d -p "${PWD}/build" bench-run.XXXXXX)
server_pid=""
pg_state=""
cleanup() {
  if [ -n "${server_pid}" ]; then
    kill "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
  fi
  if [ -n "${pg_state}" ]; then
    bash tests/testing/postgres_cluster.sh stop "${pg_state}" || true
  fi
  rm -rf "${work}"
}
trap cleanup EXIT
bin="${work}/bin"
mkdir -p "${bin}"
for target in bench/due_bench services/server/motcuad bench/motcua_load \
  bench/motcua_sqlite_ceiling bench/motcua_store_load bench/motcua_fill \
  bench/motcua_query bench/motcua_audit_bench bench/motcua_tet_burst \
  bench/motcua_pg_deadline_loop bench/motcua_pg_ceiling; do
  cp "build/release/${target}" "${bin}/"
done

note() { echo "== $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"; }

# Starts motcuad on data directory $1 (durability full), with any further
# arguments; sets server_pid and port.
start_server() {
  local data=$1
  shift
  mkdir -p "${data}"
  "${bin}/motcuad" --listen 127.0.0.1:0 --data-dir "${data}" --rules rules \
    --log-level warn "$@" >"${data}/stdout" 2>"${data}/stderr" &
  server_pid=$!
  port=""
  for _ in $(seq 1 200); do
    port=$(grep -m1 -o 'listening on port [0-9]*' "${data}/stdout" \
      | awk '{print $4}' || true)
    [ -n "${port}" ] && return 0
    kill -0 "${server_pid}" 2>/dev/null || break
    sleep 0.05
  done
  echo "motcuad did not start:" >&2
  cat "${data}/stderr" >&2
  return 1
}

stop_server() {
  kill "${server_pid}"
  wait "${server_pid}" || true
  server_pid=""
}

if [ "${smoke}" = 1 ]; then
  repeat=1
  load_args=(--open 200 --warmup 0.2 --duration 1 --in-flight 16 --channels 2)
  store_load_args=(--open 200 --warmup 0.2 --duration 0.5 --in-flight 16)
  sqlite_args=(--batches 1,64 --seconds 0.2 --sync-count 5)
  fill_args=(--dossiers 2000 --months 1)
  query_args=(--requests 20 --report-requests 3 --warmup 2)
  burst_args=(--dossiers 2000)
  pg_deadlines=2000
  pg_burst_args=(--dossiers 500)
  pg_load_args=("${load_args[@]}")
  pg_ceiling_args=(--seconds 0.5 --dossiers 200)
else
  repeat=${MOTCUA_BENCH_REPEAT:-3}
  seconds=${MOTCUA_BENCH_LOAD_SECONDS:-15}
  in_flight=${MOTCUA_BENCH_IN_FLIGHT:-64}
  load_args=(--open "${MOTCUA_BENCH_OPEN:-100000}" --warmup 3
    --duration "${seconds}" --in-flight "${in_flight}" --channels 4)
  store_load_args=(--open "${MOTCUA_BENCH_OPEN:-10000}" --warmup 2
    --duration "${seconds}" --in-flight "${in_flight}")
  sqlite_args=(--seconds 3)
  fill_args=(--dossiers "${MOTCUA_BENCH_FILL_DOSSIERS:-1000000}" --months 6)
  query_args=(--requests 500 --report-requests 20 --warmup 20)
  if [ "${scale}" = 1 ]; then
    fill_args=(--dossiers "${MOTCUA_BENCH_FILL_DOSSIERS:-10000000}" --months 6)
    # The report sums every day of history: seconds at this size.
    query_args=(--requests 500 --report-requests 3 --warmup 20)
  fi
  burst_args=(--dossiers "${MOTCUA_BENCH_BURST:-200000}")
  pg_deadlines=${MOTCUA_BENCH_PG_DEADLINES:-1000000}
  pg_burst_args=(--dossiers "${MOTCUA_BENCH_PG_BURST:-20000}")
  pg_load_args=(--open "${MOTCUA_BENCH_PG_OPEN:-10000}" --warmup 3
    --duration "${seconds}" --in-flight "${in_flight}" --channels 4)
  pg_ceiling_args=(--seconds "${seconds}"
    --dossiers "${MOTCUA_BENCH_PG_OPEN:-10000}" --batch "${in_flight}")
fi

# The replay rebuilds into a file as large as the store.
audit_args=()
if [ "${scale}" = 1 ] && [ "${MOTCUA_BENCH_REPLAY:-0}" != 1 ]; then
  audit_args=(--skip-replay)
fi

if [ "${scale}" = 0 ]; then
note "due-time computation"
if [ "${smoke}" = 1 ]; then
  "${bin}/due_bench" --benchmark_min_time=0.01
else
  "${bin}/due_bench" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="${out}/due_bench.json" --benchmark_out_format=json
fi

note "storage ceiling: durable SQLite appends in ${PWD}/build"
"${bin}/motcua_sqlite_ceiling" --dir "${work}" "${sqlite_args[@]}" \
  --json "${out}/sqlite_ceiling.json" | tee "${out}/sqlite_ceiling.txt"

note "store only: the mix straight into EventStore (durability full)"
"${bin}/motcua_store_load" --db "${work}/store_load.db" "${store_load_args[@]}" \
  --json "${out}/store_load.json" | tee "${out}/store_load.txt"
fi

fill="${work}/fill"
if [ -n "${MOTCUA_BENCH_FILLED:-}" ]; then
  # A store filled before (motcua_fill --db DIR/motcua.db --json
  # DIR/fill.json), used in place.
  fill=${MOTCUA_BENCH_FILLED}
  note "filled store: ${fill} (filled before)"
  cp "${fill}/fill.json" "${out}/fill.json"
else
  note "filled store: ${fill_args[*]}"
  mkdir -p "${fill}"
  "${bin}/motcua_fill" --db "${fill}/motcua.db" "${fill_args[@]}" \
    --json "${out}/fill.json" | tee "${out}/fill.txt"
fi

profile=0
if [ "${smoke}" = 0 ] && command -v perf >/dev/null; then profile=1; fi

# perf_summary NAME: the top of a profile in ${out}/NAME.perf-*.txt.
perf_summary() {
  local name=$1
  perf report -i "${work}/${name}.perf.data" --no-children --sort dso \
    -g none --percent-limit 0.5 2>/dev/null >"${out}/${name}.perf-dso.txt"
  perf report -i "${work}/${name}.perf.data" --no-children --sort sym \
    -g none --percent-limit 0.4 2>/dev/null >"${out}/${name}.perf-symbols.txt"
  perf report -i "${work}/${name}.perf.data" --children --sort sym \
    -g none --percent-limit 3 2>/dev/null >"${out}/${name}.perf-children.txt"
  rm -f "${work}/${name}.perf.data"
}

note "supervision reads through gRPC on the filled store"
# Start-up to serving on the filled store, and (below, after the reads) the
# server's resident memory: the start-up reads nothing per dossier, and
# every cache is bounded by the configuration. The deadline scheduler is
# off, as its first pass would record the thresholds that fell due in the
# filled history while the reads are measured.
started=$(date +%s.%N)
start_server "${fill}" --no-deadline-scheduler
serving=$(date +%s.%N)
"${bin}/motcua_query" --address "127.0.0.1:${port}" \
  --token-file "${fill}/dev-token" "${query_args[@]}" \
  --json "${out}/query.json" | tee "${out}/query.txt"
if [ "${profile}" = 1 ]; then
  note "profile of motcuad answering ListOverdue (not measured)"
  perf record -F 999 -g -p "${server_pid}" -o "${work}/overdue.perf.data" \
    -- "${bin}/motcua_query" --address "127.0.0.1:${port}" \
    --token-file "${fill}/dev-token" --skip-report --requests 1000 \
    --warmup 0 >/dev/null 2>&1
  perf_summary overdue
fi
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/${server_pid}/status")
hwm_kib=$(awk '/^VmHWM/ {print $2}' "/proc/${server_pid}/status")
python3 - "${started}" "${serving}" "${rss_kib}" "${hwm_kib}" \
  "${out}/fill.json" >"${out}/server.json" <<'PY'
import json, sys
started, serving, rss, hwm, fill = sys.argv[1:6]
dossiers = json.load(open(fill)).get("dossiers", 0)
print(json.dumps({"tool": "motcuad", "dossiers": dossiers,
                  "startup_seconds": float(serving) - float(started),
                  "rss_mib": int(rss) / 1024, "peak_rss_mib": int(hwm) / 1024}))
PY
cat "${out}/server.json"
stop_server

note "audit verify and replay on the filled store"
if [ "${profile}" = 1 ]; then
  perf record -F 499 -g -o "${work}/audit.perf.data" -- \
    "${bin}/motcua_audit_bench" --db "${fill}/motcua.db" \
    "${audit_args[@]}" --json "${out}/audit.json" 2>/dev/null |
    tee "${out}/audit.txt"
  perf_summary audit
  note "profile of audit verify alone (not measured)"
  perf record -F 999 -g -o "${work}/verify.perf.data" -- \
    "${bin}/motcua_audit_bench" --db "${fill}/motcua.db" --skip-replay \
    --count-requests 1 >/dev/null 2>&1
  perf_summary verify
else
  "${bin}/motcua_audit_bench" --db "${fill}/motcua.db" \
    "${audit_args[@]}" --json "${out}/audit.json" | tee "${out}/audit.txt"
fi

if [ "${scale}" = 0 ]; then
# The command mix on the filled store, after the reads and the audit have
# measured it as filled: each run adds its own open dossiers (codes unique
# per run). The deadline scheduler is off: its first pass would record the
# thresholds that fell due in the filled history during the measurement
# (the Tết burst below measures it).
for run in $(seq 1 "${repeat}"); do
  note "durable commands through gRPC, run ${run} of ${repeat}"
  start_server "${fill}" --no-deadline-scheduler
  "${bin}/motcua_load" --address "127.0.0.1:${port}" \
    --token-file "${fill}/dev-token" --ceiling "${load_args[@]}" \
    --json "${out}/load-${run}.json" | tee "${out}/load-${run}.txt"
  stop_server
done

if [ "${smoke}" = 0 ] && command -v perf >/dev/null; then
  note "profile of motcuad under the same load"
  start_server "${fill}" --no-deadline-scheduler
  "${bin}/motcua_load" --address "127.0.0.1:${port}" \
    --token-file "${fill}/dev-token" "${load_args[@]}" \
    --json "${out}/load-perf.json" >"${out}/load-perf.txt" &
  load_pid=$!
  # Past the presubmission and the warm-up, for most of the measured time.
  until grep -q presubmitted "${out}/load-perf.txt"; do
    kill -0 "${load_pid}" 2>/dev/null || break
    sleep 0.2
  done
  sleep 4
  profile_seconds=$((seconds - 3))
  perf stat -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_pwrite64 \
    -p "${server_pid}" -o "${out}/motcuad.syscalls.txt" \
    -- sleep "${profile_seconds}" &
  stat_pid=$!
  perf record -F 499 -g -p "${server_pid}" -o "${work}/motcuad.perf.data" \
    -- sleep "${profile_seconds}" 2>/dev/null
  wait "${stat_pid}" || true
  wait "${load_pid}"
  stop_server
  perf report -i "${work}/motcuad.perf.data" --no-children --sort pid \
    -g none 2>/dev/null >"${out}/motcuad.perf-threads.txt"
  perf_summary motcuad
  cat "${out}/load-perf.txt"
  grep -E 'syscalls|elapsed' "${out}/motcuad.syscalls.txt" || true
  grep -E '^ +[0-9]' "${out}/motcuad.perf-dso.txt" | head -12
fi


note "the morning after Tết: ${burst_args[*]} thresholds due at one instant"
"${bin}/motcua_tet_burst" --db "${work}/burst.db" "${burst_args[@]}" \
  --json "${out}/tet_burst.json" | tee "${out}/tet_burst.txt"
rm -f "${work}"/burst.db*

if [ "${MOTCUA_BENCH_PG:-1}" != 0 ]; then
  pg_state="${work}/pg"
  note "PostgreSQL: a private cluster"
  bash tests/testing/postgres_cluster.sh start "${pg_state}"
  pg_url=$(cat "${pg_state}/url")
  pg_base=${pg_url%/postgres}
  for database in plain burst load ceiling; do
    psql -q "${pg_url}" -c "CREATE DATABASE ${database}"
  done

  note "PostgreSQL: the plain loop, ${pg_deadlines} deadlines, inserts pipelined"
  "${bin}/motcua_pg_deadline_loop" --postgres-url "${pg_base}/plain" \
    --deadlines "${pg_deadlines}" --pipeline true \
    --json "${out}/pg_plain_pipelined.json" | tee "${out}/pg_plain_pipelined.txt"
  note "PostgreSQL: the plain loop, ${pg_deadlines} deadlines, one round trip per insert"
  "${bin}/motcua_pg_deadline_loop" --postgres-url "${pg_base}/plain" \
    --deadlines "${pg_deadlines}" --pipeline false \
    --json "${out}/pg_plain.json" | tee "${out}/pg_plain.txt"

  note "PostgreSQL: the morning after Tết, ${pg_burst_args[*]}"
  "${bin}/motcua_tet_burst" --postgres-url "${pg_base}/burst" \
    "${pg_burst_args[@]}" --json "${out}/pg_tet_burst.json" |
    tee "${out}/pg_tet_burst.txt"
  note "SQLite: the morning after Tết, ${pg_burst_args[*]} (beside it)"
  "${bin}/motcua_tet_burst" --db "${work}/pg_burst_sqlite.db" \
    "${pg_burst_args[@]}" --json "${out}/pg_tet_burst_sqlite.json" |
    tee "${out}/pg_tet_burst_sqlite.txt"
  rm -f "${work}"/pg_burst_sqlite.db*

  note "PostgreSQL: durable commands through motcuad --postgres-url"
  start_server "${work}/pg_load" --no-deadline-scheduler \
    --postgres-url "${pg_base}/load"
  "${bin}/motcua_load" --address "127.0.0.1:${port}" \
    --token-file "${work}/pg_load/dev-token" "${pg_load_args[@]}" \
    --json "${out}/pg_load.json" | tee "${out}/pg_load.txt"
  stop_server
  note "SQLite: durable commands through motcuad, the same arguments"
  start_server "${work}/sqlite_load" --no-deadline-scheduler
  "${bin}/motcua_load" --address "127.0.0.1:${port}" \
    --token-file "${work}/sqlite_load/dev-token" "${pg_load_args[@]}" \
    --json "${out}/pg_load_sqlite.json" | tee "${out}/pg_load_sqlite.txt"
  stop_server
  note "PostgreSQL: its own ceiling for the same rows"
  "${bin}/motcua_pg_ceiling" --postgres-url "${pg_base}/ceiling" \
    "${pg_ceiling_args[@]}" --json "${out}/pg_ceiling.json" |
    tee "${out}/pg_ceiling.txt"

  bash tests/testing/postgres_cluster.sh stop "${pg_state}"
  pg_state=""
fi
fi

note "done"
if [ "${smoke}" = 0 ] && [ "${scale}" = 0 ]; then
  python3 bench/summarize.py "${out}" "${repeat}" | tee "${out}/summary.md"
fi
