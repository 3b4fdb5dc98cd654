#!/usr/bin/env bash
# Runs the benchmark suite on an optimised build and writes the results to
# bench/results/ (JSON, one file per benchmark). With --smoke, runs each
# benchmark for a moment only, to show it still works; no figure is checked.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
[ "${1:-}" = "--smoke" ] && smoke=1

cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target due_bench

out=bench/results
mkdir -p "${out}"
if [ "${smoke}" = 1 ]; then
  build/release/bench/due_bench --benchmark_min_time=0.01
else
  build/release/bench/due_bench --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="${out}/due_bench.json" --benchmark_out_format=json
fi
