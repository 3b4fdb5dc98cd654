#!/usr/bin/env bash
# Installs the Debian 12 packages that motcua needs to build, test and run.
# Idempotent: installs only what is missing; runs `apt-get update` at most once.
# Run as root (or through sudo) on a fresh machine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  protobuf-compiler libprotobuf-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc
  libabsl-dev
  libsqlite3-dev sqlite3
  libpq-dev postgresql-15
  libsystemd-dev
  libssl-dev
  libboost-dev libboost-system-dev
  libyaml-cpp-dev
  libjemalloc-dev
  libcli11-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  clang-14 clang-format-14 libfuzzer-14-dev libclang-rt-14-dev
  # lld-14 and `lld`, whose ld.lld is the name gcc's and clang's -fuse-ld=lld
  # look for: the build links with it (CMakeLists.txt, MOTCUA_USE_LLD).
  lld-14 lld
  python3-grpcio python3-protobuf
  libxlsxwriter-dev
  chromium chromium-driver python3-selenium
  openssl
  debootstrap lintian
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "motcua: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
