#!/usr/bin/env bash
# Generates the TypeScript gRPC code of libs/rpc from the .proto files in this folder (ts-proto via buf).
# Usage: bash proto/generate.sh OUTDIR   (OUTDIR relative to the current directory; replaced entirely)
# Deterministic: same protos and same tool versions (locked in package-lock.json) give the same bytes,
# which is what `make proto-check` relies on.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

proto_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$proto_dir")"
bin_dir="$repo_dir/node_modules/.bin"
out_dir="$(mkdir -p "$1" && cd "$1" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# buf resolves the local plugin `protoc-gen-ts_proto` on PATH; ts-proto needs Node 24 from node_modules.
(
  cd "$proto_dir"
  PATH="$bin_dir:$PATH" "$bin_dir/buf" lint
  PATH="$bin_dir:$PATH" "$bin_dir/buf" generate --template buf.gen.yaml --output "$work"
)

rm -rf "$out_dir"
mkdir -p "$out_dir"
cp -R "$work/gen/." "$out_dir/"
