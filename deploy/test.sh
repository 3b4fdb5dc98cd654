#!/usr/bin/env bash
# Sets up, builds and runs every test: the optimised build, then the same
# suite under AddressSanitizer and UndefinedBehaviorSanitizer, then every
# fuzz target for a bounded time (tests/fuzz/run.sh), the Debian package
# (deploy/package-test.sh) and the container (deploy/container-test.sh, where
# an engine runs), then a short smoke run
# of the benchmarks (figures are not checked: speed is measured in bench/,
# never in tests).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time is printed as it ends ("== took N s"), so that a
# slow step shows in the log.
step_started=${SECONDS}
took() {
  echo "== took $((SECONDS - step_started)) s (${SECONDS} s in all)"
  step_started=${SECONDS}
}

bash deploy/install-deps.sh
took

# Cheap checks first: unformatted code fails the run before anything builds.
bash deploy/check-format.sh

# The package test's Debian 12 root is downloaded while the code builds: it
# waits on the network, not the CPU.
root_log=$(mktemp)
bash deploy/package-test.sh --prepare-root >"${root_log}" 2>&1 &
root_pid=$!

jobs=$(nproc)
# The next build runs beside each test suite at the lowest CPU priority:
# the tests spend much of their time waiting (servers starting, fsync,
# PostgreSQL, the browser), and the compiler takes only what they leave.
# A build that fails is printed and fails the run when it is waited for.
declare -A build_logs build_pids
trap 'for pid in "${build_pids[@]}"; do kill "${pid}" 2>/dev/null || true; done' EXIT
start_build() {
  local preset=$1
  build_logs[${preset}]=$(mktemp)
  nice -n 19 bash -c "cmake --preset ${preset} >/dev/null &&
    cmake --build --preset ${preset} -j ${jobs}" \
    >"${build_logs[${preset}]}" 2>&1 &
  build_pids[${preset}]=$!
}
finish_build() {
  local preset=$1
  if ! wait "${build_pids[${preset}]}"; then
    cat "${build_logs[${preset}]}"
    echo "== ${preset}: the build failed" >&2
    exit 1
  fi
  tail -n 1 "${build_logs[${preset}]}"
}

echo "== release: configure and build"
cmake --preset release >/dev/null
cmake --build --preset release -j "${jobs}"
took
start_build sanitize
echo "== release: test (the sanitize build beside it)"
ctest --preset release -j "${jobs}"
took
echo "== sanitize: the rest of its build"
finish_build sanitize
took
start_build fuzz
echo "== sanitize: test (the fuzz targets' build beside it)"
ctest --preset sanitize -j "${jobs}"
took

# The Debian package: built, checked with dpkg-deb and lintian, installed
# into a throw-away Debian 12 root where motcuad runs from the installed
# files (deploy/package-test.sh; a few minutes, bounded).
echo "== package"
if ! wait "${root_pid}"; then
  cat "${root_log}"
  echo "== package: the Debian 12 root could not be made" >&2
  exit 1
fi
bash deploy/package-test.sh
took
# The container image, where a container engine runs (none does in CI: the
# script says so and checks nothing there).
echo "== container"
bash deploy/container-test.sh

# A bounded exploration: a finding (crash, sanitizer report, input over
# 10 s or 2 GiB) fails the run, printed with its reproducer and kept under
# build/fuzz/runs (docs/fuzzing.md, "In CI").
echo "== fuzz: the rest of its build"
finish_build fuzz
bash tests/fuzz/run.sh --jobs "${jobs}" --no-build
took

echo "== benchmark smoke run"
bash bench/run.sh --smoke
took
