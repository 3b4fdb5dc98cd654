#!/usr/bin/env bash
# Builds the container image (deploy/container/Containerfile), starts it,
# waits for its health check to report healthy, submits a dossier through
# the published port and stops it. Needs a running container engine (docker
# or podman); where none is reachable it says so and checks nothing: this
# machine and CI have the docker client but no daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=""
for candidate in docker podman; do
  if command -v "${candidate}" >/dev/null && "${candidate}" info >/dev/null 2>&1; then
    engine=${candidate}
    break
  fi
done
if [ -z "${engine}" ]; then
  echo "container: no container engine reachable (docker info and podman info" \
    "fail), so the image is not built here; deploy/container/Containerfile" \
    "is built where one runs (docs/operations.md, \"The container\")"
  exit 0
fi

name=motcua-container-test-$$
volume=${name}-data
cleanup() {
  "${engine}" rm -f "${name}" >/dev/null 2>&1 || true
  "${engine}" volume rm "${volume}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"${engine}" build -f deploy/container/Containerfile -t motcua:test .
"${engine}" run -d --name "${name}" -p 127.0.0.1::50051 \
  -v "${volume}:/var/lib/motcua" motcua:test >/dev/null
for _ in $(seq 120); do
  status=$("${engine}" inspect -f '{{.State.Health.Status}}' "${name}")
  [ "${status}" = "healthy" ] && break
  sleep 1
done
echo "container: health ${status}"
[ "${status}" = "healthy" ]
token=$("${engine}" exec "${name}" cat /var/lib/motcua/dev-token)
"${engine}" exec "${name}" motcua submit --code CONTAINER-1 \
  --procedure 2.000635 --agency ubnd-phuong --channel in_person \
  --summary "container test" --token "${token}"
"${engine}" stop "${name}" >/dev/null
echo "container: built, healthy, served a dossier, stopped"
