#!/usr/bin/env bash
# Fails, naming each file, when a tracked C++ file differs from what
# clang-format makes of it (.clang-format: Google style). Fix with
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."

format=clang-format-14
command -v "${format}" >/dev/null || format=clang-format
unformatted=()
while IFS= read -r file; do
  if ! "${format}" --dry-run -Werror "${file}" >/dev/null 2>&1; then
    unformatted+=("${file}")
  fi
done < <(git ls-files '*.cc' '*.h')
if ((${#unformatted[@]} > 0)); then
  echo "not formatted with ${format} (.clang-format):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "format: every C++ file is formatted"
