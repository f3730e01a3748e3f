#!/usr/bin/env bash
# Regenerates the Go code in proto/ from the .proto sources with pinned
# generator versions. `scripts/proto.sh check` fails if regeneration changes
# anything, which is how CI keeps committed code and sources in step.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.0
TOOLS="$PWD/.tools/bin"
mkdir -p "$TOOLS"

if ! command -v protoc >/dev/null; then
  scripts/install-deps.sh protoc
fi
if [ ! -x "$TOOLS/protoc-gen-go" ] || ! "$TOOLS/protoc-gen-go" --version | grep -q "${PROTOC_GEN_GO_VERSION}"; then
  GOBIN="$TOOLS" GOWORK=off go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
fi
if [ ! -x "$TOOLS/protoc-gen-go-grpc" ] || ! "$TOOLS/protoc-gen-go-grpc" --version | grep -q "${PROTOC_GEN_GO_GRPC_VERSION#v}"; then
  GOBIN="$TOOLS" GOWORK=off go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"
fi

generate() {
  PATH="$TOOLS:$PATH" protoc -I proto \
    --go_out=proto --go_opt=paths=source_relative \
    --go-grpc_out=proto --go-grpc_opt=paths=source_relative \
    plugin/v1/plugin.proto
}

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
