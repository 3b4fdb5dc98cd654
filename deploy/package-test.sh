#!/usr/bin/env bash
# The Debian package, end to end: builds it (CPack), checks its contents and
# metadata (dpkg-deb, lintian: no errors), installs it with apt into a
# throw-away Debian 12 root (debootstrap from Debian's mirror, kept as a
# tarball under $MOTCUA_PACKAGE_CACHE for the next run), starts motcuad from
# the installed files as the motcua user in a network namespace of its own,
# submits a dossier, stops it, then purges the package: the user goes, the
# data stays. Needs root (chroot, namespaces). Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: needs root (debootstrap, chroot, namespaces)" >&2
  exit 1
fi
# The whole test is bounded: a mirror that hangs fails it, it does not stall CI.
if [ -z "${MOTCUA_PACKAGE_TEST_BOUNDED:-}" ]; then
  export MOTCUA_PACKAGE_TEST_BOUNDED=1
  exec timeout --kill-after=10s "${MOTCUA_PACKAGE_TEST_SECONDS:-900}" "$0" "$@"
fi

mirror=${MOTCUA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${MOTCUA_PACKAGE_CACHE:-/var/cache/motcua-package-test}
build=build/release
passed=0
failed=0
not() { ! "$@"; }
check() {  # check "what" command...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: ${what}"
  else
    failed=$((failed + 1))
    echo "FAILED: ${what}"
  fi
}

# Makes the cached Debian 12 root if it is not there yet: network and disk,
# little CPU, so deploy/test.sh runs it (--prepare-root) while the code builds.
prepare_root_cache() {
  [ -f "${cache}/bookworm-minbase.tar" ] && return 0
  local fresh
  fresh=$(mktemp -d /tmp/motcua-package-root.XXXXXX)
  if ! debootstrap --variant=minbase bookworm "${fresh}" "${mirror}" \
    >/dev/null; then
    rm -rf --one-file-system "${fresh}"
    return 1
  fi
  # mktemp made it 0700: the root of a system is 0755, or its users
  # cannot reach anything in it.
  chmod 755 "${fresh}"
  mkdir -p "${cache}"
  tar -C "${fresh}" -cf "${cache}/bookworm-minbase.tar.partial" .
  mv "${cache}/bookworm-minbase.tar.partial" "${cache}/bookworm-minbase.tar"
  rm -rf --one-file-system "${fresh}"
}
if [ "${1:-}" = "--prepare-root" ]; then
  prepare_root_cache
  echo "package-test: the Debian 12 root is ready in ${cache}"
  exit 0
fi

echo "== package: build"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" \
  --target motcuad motcua motcua_package_changelog
rm -f "${build}"/motcua_*.deb
(cd "${build}" && cpack -G DEB >/dev/null)
deb=$(ls "${build}"/motcua_*_amd64.deb)
echo "package: ${deb}"

echo "== package: contents and metadata"
contents=$(dpkg-deb -c "${deb}" | awk '{print $1, $2, $6}')
has() { grep -q -- " $1\$" <<<"${contents}"; }
for path in ./usr/bin/motcuad ./usr/bin/motcua \
  ./usr/share/motcua/rules/ladders/standard.yaml \
  ./etc/motcua/rules/ladders/standard.yaml ./etc/motcua/motcuad.yaml \
  ./lib/systemd/system/motcuad.service ./usr/share/doc/motcua/copyright \
  ./usr/share/doc/motcua/changelog.Debian.gz; do
  check "contains ${path}" has "${path}"
done
check "every file is root's" \
  bash -c '! grep -v " root/root " <<<"$1"' _ "${contents}"
conffiles=$(dpkg-deb -I "${deb}" conffiles)
etc_files=$(awk '$1 ~ /^-/ && $3 ~ /^\.\/etc\// {print substr($3, 2)}' \
  <<<"${contents}" | sort)
check "every file under /etc is a conffile" \
  test "${etc_files}" = "$(sort <<<"${conffiles}")"
depends=$(dpkg-deb -f "${deb}" Depends)
for library in adduser libgrpc++1.51 libsqlite3-0 libsystemd0 libssl3 \
  libjemalloc2; do
  check "Depends names ${library}" \
    grep -q "${library}" <<<"${depends}"
done
check "the configuration points at the package's paths" \
  bash -c 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./etc/motcua/motcuad.yaml |
    grep -qx "data_dir: /var/lib/motcua"' _ "${deb}"
lintian_out=$(lintian --tag-display-limit 0 "${deb}" 2>&1 |
  grep -v "running with root privileges" || true)
echo "${lintian_out}"
check "lintian reports no error" \
  bash -c '! grep -q "^E:" <<<"$1"' _ "${lintian_out}"

echo "== package: a throw-away Debian 12 root"
root=$(mktemp -d /tmp/motcua-package-root.XXXXXX)
cleanup() {
  rm -rf --one-file-system "${root}"
}
trap cleanup EXIT
prepare_root_cache
tar -C "${root}" -xf "${cache}/bookworm-minbase.tar"
chmod 755 "${root}"
cp /etc/resolv.conf "${root}/etc/resolv.conf"
cp "${deb}" "${root}/tmp/motcua.deb"

# Every command in the root runs in a mount namespace of its own, so that
# /proc and /dev are unmounted whatever happens.
in_root() {
  unshare --mount --fork bash -c '
    root=$1; shift
    mount -t proc proc "${root}/proc"
    mount --rbind /dev "${root}/dev"
    exec chroot "${root}" "$@"' _ "${root}" "$@"
}
export DEBIAN_FRONTEND=noninteractive
in_root apt-get update -qq
# systemd too: the unit is verified against the units of a Debian 12 system.
check "apt installs the package and its dependencies" \
  in_root apt-get install -y -qq --no-install-recommends /tmp/motcua.deb \
  systemd
check "the motcua system user exists" in_root getent passwd motcua
check "/var/lib/motcua is motcua's, mode 700" \
  test "$(in_root stat -c '%U %a' /var/lib/motcua)" = "motcua 700"
check "the checkpoint key was made, motcua's, mode 600" \
  test "$(in_root stat -c '%U %a' /etc/motcua/keys/checkpoint.key)" = \
  "motcua 600"
analyze=$(in_root systemd-analyze verify motcuad.service 2>&1 || true)
echo "systemd-analyze verify: ${analyze:-no finding}"
check "systemd-analyze verify finds nothing in the installed unit" \
  test -z "${analyze}"

echo "== package: motcuad from the installed files, as motcua"
# A network namespace of its own: the packaged address (127.0.0.1:50051)
# cannot meet another server on this machine.
run_out="${root}/tmp/run.out"
unshare --mount --net --fork bash -c '
  set -euo pipefail
  root=$1
  ip link set lo up
  mount -t proc proc "${root}/proc"
  mount --rbind /dev "${root}/dev"
  # setpriv execs motcuad itself (runuser would stay as its parent), so the
  # SIGTERM below reaches motcuad.
  chroot "${root}" setpriv --reuid=motcua --regid=motcua --init-groups \
    /usr/bin/motcuad \
    --config /etc/motcua/motcuad.yaml >"${root}/tmp/motcuad.out" \
    2>"${root}/tmp/motcuad.err" &
  daemon=$!
  for _ in $(seq 300); do
    grep -q "listening on port" "${root}/tmp/motcuad.out" && break
    sleep 0.1
  done
  cat "${root}/tmp/motcuad.out" "${root}/tmp/motcuad.err"
  token=$(cat "${root}/var/lib/motcua/dev-token")
  chroot "${root}" runuser -u motcua -- /usr/bin/motcua submit \
    --code PKG-0001 --procedure 2.000635 --agency ubnd-phuong \
    --channel in_person --summary "package test" --token "${token}"
  chroot "${root}" /usr/bin/motcua get PKG-0001 --token "${token}"
  exec 3<>/dev/tcp/127.0.0.1/9464
  printf "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
  head -1 <&3
  kill -TERM "${daemon}"
  status=0
  wait "${daemon}" || status=$?
  echo "motcuad exited with ${status}"
' _ "${root}" >"${run_out}" 2>&1 || true
cat "${run_out}"
check "motcuad served on the packaged address" \
  grep -q "listening on port 50051" "${run_out}"
check "a dossier was submitted and read back" grep -q "PKG-0001" "${run_out}"
check "/healthz answered 200" grep -q "^HTTP/1.[01] 200" "${run_out}"
check "motcuad stopped cleanly on SIGTERM" \
  grep -q "motcuad exited with 0" "${run_out}"
check "the database is motcua's, mode 600" \
  test "$(in_root stat -c '%U %a' /var/lib/motcua/motcua.db)" = "motcua 600"

echo "== package: purge keeps the data"
check "apt purges the package" in_root apt-get purge -y -qq motcua
check "the motcua user is gone" not in_root getent passwd motcua
check "the data stayed" test -s "${root}/var/lib/motcua/motcua.db"
check "the configuration went" test ! -e "${root}/etc/motcua/motcuad.yaml"

echo "${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
