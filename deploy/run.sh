#!/usr/bin/env bash
# Sets up, builds and runs motcua on its embedded default: the shipped rules
# in rules/. Extra arguments replace the default command line of `motcua`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target motcua

motcua=build/release/services/cli/motcua
if [ $# -gt 0 ]; then
  exec "${motcua}" "$@"
fi
"${motcua}" rules check rules
echo
echo "\$ motcua due --rules rules --calendar vn-public-sector --limit 3wd --received 2025-01-24T10:00:00+07:00"
"${motcua}" due --rules rules --calendar vn-public-sector --limit 3wd \
  --received 2025-01-24T10:00:00+07:00
echo
echo "\$ motcua due --rules rules --procedure 2.000635 --received 2025-07-15T14:00:00+07:00 --at 2025-07-16T09:00:00+07:00"
"${motcua}" due --rules rules --procedure 2.000635 \
  --received 2025-07-15T14:00:00+07:00 --at 2025-07-16T09:00:00+07:00
