#!/bin/sh
# Generates the Python modules of the motcua API from the project's proto/
# with Debian's protoc and gRPC Python plugin.
#
#   ./generate.sh              writes examples/python/generated/
#   ./generate.sh OUTPUT_DIR   writes OUTPUT_DIR/ instead (the tests use this,
#                              so that a test run never writes into the
#                              source tree)
#
# Running it again overwrites the same files: it is safe to repeat. The
# modules are importable as `motcua.v1.service_pb2` and
# `motcua.v1.service_pb2_grpc` with OUTPUT_DIR on the Python path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
proto_dir=$(cd "$here/../../proto" && pwd)
out_dir=${1:-"$here/generated"}

# Debian's tools at their Debian paths: another protoc or python3 earlier on
# PATH may be a different version that does not match python3-protobuf.
protoc=/usr/bin/protoc
grpc_plugin=/usr/bin/grpc_python_plugin
python=/usr/bin/python3

missing() {
  echo "generate.sh: $1 not found; install it with: apt-get install $2" >&2
  exit 1
}
[ -x "$protoc" ] || missing "$protoc" protobuf-compiler
[ -x "$grpc_plugin" ] || missing "$grpc_plugin" protobuf-compiler-grpc
[ -x "$python" ] || missing "$python" python3
"$python" -c 'import google.protobuf' 2>/dev/null ||
  missing "the Python module google.protobuf for $python" python3-protobuf
"$python" -c 'import grpc' 2>/dev/null ||
  missing "the Python module grpc for $python" python3-grpcio

mkdir -p "$out_dir"
# Absolute, because protoc runs from proto/ below.
out_dir=$(cd "$out_dir" && pwd)
# Paths relative to proto/ so that the generated imports read
# `from motcua.v1 import ...`, matching the proto package layout.
cd "$proto_dir"
"$protoc" \
  --proto_path=. \
  --python_out="$out_dir" \
  --plugin=protoc-gen-grpc="$grpc_plugin" \
  --grpc_out="$out_dir" \
  motcua/v1/*.proto

echo "generated the motcua Python modules in $out_dir"
