#!/usr/bin/env bash
# Regenerates the Go code in proto/ from the .proto sources with buf and the
# protoc-gen-go / protoc-gen-go-grpc versions pinned in tools/go.mod (no protoc
# needed). `scripts/proto.sh check` fails if regeneration changes anything,
# which is how CI keeps committed code and sources in step.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh go)

generate() { (cd proto && PATH="$tools/bin:$PATH" buf generate); }

if [ "${1:-}" = check ]; then
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
