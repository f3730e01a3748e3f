#!/usr/bin/env bash
# Regenerates the Go code in proto/ from the .proto sources with buf and the
# protoc-gen-go / protoc-gen-go-grpc versions pinned in tools/go.mod (no protoc
# needed). `scripts/proto.sh check` lints the contract, checks it against the
# released one (proto/released) and fails if regeneration changes anything,
# which is how CI keeps committed code and sources in step.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh go)

generate() { (cd proto && PATH="$tools/bin:$PATH" buf generate); }

# lint: buf's STANDARD rules (v1's released names excused in buf.yaml).
# breaking: the wire encoding of the contract as last released
# (proto/released) must still be understood. buf refuses an input inside the
# module, so the released file is checked from a copy.
guard() {
  (cd proto && PATH="$tools/bin:$PATH" buf lint)
  local released; released=$(mktemp -d)
  cp -r proto/released/plugin "$released/"
  if ! (cd proto && PATH="$tools/bin:$PATH" buf breaking --against "$released"); then
    rm -rf "$released"
    echo "proto: the change breaks plugins built against the released contract (proto/released); add fields instead, or make a v2" >&2
    exit 1
  fi
  rm -rf "$released"
  echo "proto: lint clean, wire-compatible with the released contract"
}

if [ "${1:-}" = check ]; then
  guard
  before=$(cat proto/plugin/v1/*.pb.go | sha256sum)
  generate
  after=$(cat proto/plugin/v1/*.pb.go | sha256sum)
  if [ "$before" != "$after" ]; then
    echo "proto: generated code is stale; run 'make proto' and commit the result" >&2
    git --no-pager diff --stat -- proto >&2 || true
    exit 1
  fi
  echo "proto: generated code is up to date"
else
  generate
fi
