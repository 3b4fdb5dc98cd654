#!/usr/bin/env bash
# Builds the fuzz preset (clang-14, libFuzzer, ASan and UBSan) and runs every
# fuzz target for a bounded time, two at a time. Fails on any crash, leak,
# sanitizer report, timeout (an input taking over 10 s) or memory over 2 GiB,
# printing the input that did it and the command that replays it.
#
#   tests/fuzz/run.sh [--time SECONDS] [--jobs N] [--no-build] [TARGET...]
#
# --time is each target's budget (default 25). The corpus in the tree is
# read, never written: what a run finds stays in build/fuzz/runs/ (see
# docs/fuzzing.md for adding an input to the tree).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=25
jobs=2
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

# Each target and its longest input: a rules directory is tens of KiB, a
# time text a few bytes; longer inputs only slow the search.
declare -A max_len=(
  [rules_fuzz]=24576
  [time_text_fuzz]=128
  [server_config_fuzz]=8192
  [tokens_fuzz]=4096
  [event_codec_fuzz]=4096
  [api_request_fuzz]=4096
  [page_token_fuzz]=1024
  [webhook_config_fuzz]=2048
)
declare -A dictionary=(
  [rules_fuzz]=rules.dict
  [server_config_fuzz]=config.dict
  [webhook_config_fuzz]=config.dict
  [tokens_fuzz]=tokens.dict
)
if [ ${#targets[@]} -eq 0 ]; then
  targets=(rules_fuzz time_text_fuzz server_config_fuzz tokens_fuzz
           event_codec_fuzz api_request_fuzz page_token_fuzz webhook_config_fuzz)
fi
for target in "${targets[@]}"; do
  if [ -z "${max_len[$target]+set}" ]; then
    echo "run.sh: unknown target ${target}" >&2
    exit 2
  fi
done

if [ "${build}" -eq 1 ]; then
  echo "== fuzz: configure and build"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "${jobs}"
fi

binaries=build/fuzz/tests/fuzz
runs=build/fuzz/runs
rm -rf "${runs}"
mkdir -p "${runs}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Runs one target; its output goes to runs/<target>.log.
run_one() {
  local target="$1"
  local work="${runs}/${target}"
  mkdir -p "${work}/corpus" "${work}/artifacts"
  local options=(
    -max_total_time="${seconds}" -rss_limit_mb=2048 -timeout=10
    -max_len="${max_len[$target]}" -print_final_stats=1
    -artifact_prefix="${work}/artifacts/"
  )
  if [ -n "${dictionary[$target]+set}" ]; then
    options+=(-dict="tests/fuzz/${dictionary[$target]}")
  fi
  # New inputs go to the first directory; the tree's corpus is only read.
  "${binaries}/${target}" "${options[@]}" "${work}/corpus" \
    "tests/fuzz/corpus/${target}" >"${runs}/${target}.log" 2>&1 &&
    echo 0 >"${runs}/${target}.rc" || echo $? >"${runs}/${target}.rc"
}

echo "== fuzz: ${#targets[@]} targets, ${seconds} s each, ${jobs} at a time"
declare -A pids=()
failed=()
finish() {
  local target="$1" pid="$2"
  wait "${pid}" 2>/dev/null || true
  if [ "$(cat "${runs}/${target}.rc" 2>/dev/null)" = 0 ]; then
    local executions speed
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "${runs}/${target}.log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "${runs}/${target}.log")
    echo "${target}: ok, ${executions:-?} executions, ${speed:-?}/s"
  else
    failed+=("${target}")
    echo "${target}: FAILED"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|.*out-of-memory|MS:|artifact_prefix|Test unit written|Base64)" \
      "${runs}/${target}.log" | head -n 20 || true
    tail -n 40 "${runs}/${target}.log"
    for artifact in "${runs}/${target}/artifacts/"*; do
      [ -e "${artifact}" ] || continue
      echo "reproducer: ${artifact}"
      echo "  replay:   ${binaries}/${target} ${artifact}"
      echo "  as hex:   $(head -c 256 "${artifact}" | od -An -tx1 | tr -d '\n')"
    done
  fi
}
for target in "${targets[@]}"; do
  while [ ${#pids[@]} -ge "${jobs}" ]; do
    wait -n || true
    for running in "${!pids[@]}"; do
      if ! kill -0 "${pids[$running]}" 2>/dev/null; then
        finish "${running}" "${pids[$running]}"
        unset "pids[$running]"
      fi
    done
  done
  run_one "${target}" &
  pids[$target]=$!
done
for running in "${!pids[@]}"; do
  finish "${running}" "${pids[$running]}"
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "== fuzz: failed: ${failed[*]} (logs in ${runs}/)" >&2
  exit 1
fi
echo "== fuzz: every target ran clean"
