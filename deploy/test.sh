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
for preset in release sanitize; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" -j "${jobs}"
  took
  echo "== ${preset}: test"
  ctest --preset "${preset}" -j "${jobs}"
  took
done

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
bash tests/fuzz/run.sh --jobs "${jobs}"
took

echo "== benchmark smoke run"
bash bench/run.sh --smoke
took
