#!/bin/bash
# Runs the Python example client (examples/python/follow_dossier.py) against
# the real motcuad, the way its README tells an integrator to:
#
#   python_example_test.sh MOTCUAD SOURCE_DIR
#
# 1. generates the Python modules with examples/python/generate.sh into a
#    temporary directory (never into the source tree);
# 2. starts MOTCUAD on 127.0.0.1:0 with a temporary data directory and reads
#    its port from its "listening on port N" line and its development token
#    from DATA_DIR/dev-token;
# 3. runs the example and checks its exit status and that its output names
#    the due time, the repeated submission and the hand-over event; then runs
#    it with a wrong token and checks that it reports UNAUTHENTICATED and
#    exits non-zero;
# 4. stops motcuad with SIGTERM and checks that it exits 0.
#
# The temporary directory and the server go away on every exit, failure
# included. Every wait is bounded, well inside the CTest timeout, so the
# script's own clean-up runs rather than CTest killing it.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 MOTCUAD SOURCE_DIR" >&2
  exit 2
fi
motcuad=$1
source_dir=$2
example_dir=$source_dir/examples/python

work=$(mktemp -d "${TMPDIR:-/tmp}/motcua-python-example.XXXXXX")
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# Without these, bash killed by a signal would skip the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints what went wrong and the logs that explain it, then fails the test.
fail() {
  echo "FAIL: $*" >&2
  for log in server.out server.err example.out example.err; do
    if [ -s "$work/$log" ]; then
      echo "--- $log" >&2
      cat "$work/$log" >&2
    fi
  done
  exit 1
}

# Requires a line matching the extended regular expression $1 in $2.
expect_line() {
  grep -Eq -- "$1" "$work/$2" || fail "$2 has no line matching: $1"
}

# 1. The Python modules, into the temporary directory.
"$example_dir/generate.sh" "$work/generated" >"$work/generate.out" 2>&1 ||
  { cat "$work/generate.out" >&2; fail "generate.sh failed"; }
[ -f "$work/generated/motcua/v1/service_pb2_grpc.py" ] ||
  fail "generate.sh wrote no motcua/v1/service_pb2_grpc.py"

# 2. The server, on a port of the kernel's choosing.
"$motcuad" --listen 127.0.0.1:0 --data-dir "$work/data" \
  --rules "$source_dir/rules" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

port=""
for _ in $(seq 200); do
  # Any line, not only the first: motcuad's log may write to stdout too.
  port=$(sed -n 's/^listening on port \([0-9][0-9]*\)$/\1/p' "$work/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "motcuad exited before listening"
  sleep 0.1
done
[ -n "$port" ] || fail "motcuad did not print 'listening on port N' within 20s"
[ -s "$work/data/dev-token" ] || fail "motcuad wrote no $work/data/dev-token"
token=$(cat "$work/data/dev-token")

# 3. The example, as the README runs it, with the generated modules from the
# temporary directory (PYTHONPATH comes before the example's own default)
# and no bytecode written next to the sources.
run_example() {
  env PYTHONPATH="$work/generated" PYTHONDONTWRITEBYTECODE=1 \
    MOTCUA_ADDRESS="127.0.0.1:$port" MOTCUA_TOKEN="$1" \
    timeout 60 /usr/bin/python3 "$example_dir/follow_dossier.py" \
    --code PY-EXAMPLE-0001 --procedure 2.000635 \
    --agency ubnd-phuong-ben-nghe --watch-timeout 30 \
    >"$work/example.out" 2>"$work/example.err"
}

status=0
run_example "$token" || status=$?
[ "$status" -eq 0 ] || fail "follow_dossier.py exited $status, expected 0"
expect_line '^  due at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} .*UTC\+07:00$' example.out
expect_line '^  repeated: True ' example.out
expect_line '^  sequence +[0-9]+ +received ' example.out
expect_line '^  sequence +[0-9]+ +handed_over +handed over to ' example.out
expect_line '^seen the hand-over: done$' example.out
# The repeated submission appended nothing: exactly one receipt in the log.
receipts=$(grep -Ec '^  sequence +[0-9]+ +received ' "$work/example.out")
[ "$receipts" -eq 1 ] || fail "expected one received event, saw $receipts"

# A refused call: the status code and details on stderr, a non-zero exit.
status=0
run_example "not-a-token" || status=$?
[ "$status" -eq 1 ] || fail "with a wrong token follow_dossier.py exited $status, expected 1"
expect_line '^follow_dossier\.py: call failed: UNAUTHENTICATED: .+' example.err

# 4. A clean stop.
kill -TERM "$server_pid"
for _ in $(seq 200); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail "motcuad still running 20s after SIGTERM"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || fail "motcuad exited $status after SIGTERM, expected 0"

echo "PASS: follow_dossier.py against motcuad on port $port"
