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

bash deploy/install-deps.sh

# Cheap checks first: unformatted code fails the run before anything builds.
bash deploy/check-format.sh

jobs=$(nproc)
for preset in release sanitize; do
  echo "== ${preset}: configure and build"
  cmake --preset "${preset}" >/dev/null
  cmake --build --preset "${preset}" -j "${jobs}"
  echo "== ${preset}: test"
  ctest --preset "${preset}" -j "${jobs}"
done

# The Debian package: built, checked with dpkg-deb and lintian, installed
# into a throw-away Debian 12 root where motcuad runs from the installed
# files (deploy/package-test.sh; a few minutes, bounded).
echo "== package"
bash deploy/package-test.sh
# The container image, where a container engine runs (none does in CI: the
# script says so and checks nothing there).
echo "== container"
bash deploy/container-test.sh

# A bounded exploration: a finding (crash, sanitizer report, input over
# 10 s or 2 GiB) fails the run, printed with its reproducer and kept under
# build/fuzz/runs (docs/fuzzing.md, "In CI").
bash tests/fuzz/run.sh --jobs "${jobs}"

echo "== benchmark smoke run"
bash bench/run.sh --smoke
