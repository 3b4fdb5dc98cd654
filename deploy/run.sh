#!/usr/bin/env bash
# Sets up, builds and starts motcuad on its embedded default: SQLite in
# ./data, the shipped rules in rules/, listening on 127.0.0.1:50051, the web
# console on http://127.0.0.1:8080/ (docs/console.md), and a development
# token (admin, every agency) printed at start and kept in data/dev-token.
# Extra arguments are passed to motcuad (for example
# `--config deploy/motcuad.yaml` or `--listen 127.0.0.1:0`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target motcuad motcua

build/release/services/cli/motcua rules check rules
echo
echo "client: build/release/services/cli/motcua (see README.md); stop with Ctrl-C"
# The console on 127.0.0.1:8080, unless the arguments say where (or give a
# configuration file, whose console_listen then holds).
console=(--console-listen 127.0.0.1:8080)
for argument in "$@"; do
  case "$argument" in --console-listen* | --config*) console=() ;; esac
done
exec build/release/services/server/motcuad "${console[@]}" "$@"
