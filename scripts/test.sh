#!/usr/bin/env bash
# The whole test suite, as CI runs it on a bare machine: installs what it
# lacks, checks generated code and lint, runs every module's tests with the
# race detector (end-to-end tests build and start the real binaries), runs
# the fuzz targets briefly, and runs the official MCP conformance suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n==> %s\n' "$*"; }

step "system dependencies"
scripts/install-deps.sh protoc node

step "generated code"
scripts/proto.sh check

step "lint"
scripts/lint.sh

step "unit, integration and end-to-end tests (-race)"
for m in proto sdk host plugins examples/hello; do
  (cd "$m" && go test -race -count=1 ./...)
done

step "fuzz (short runs of 20,000 inputs each, counted rather than timed: a timed run can end in the fuzzer's own deadline error; longer ones: go test -fuzz=NAME -fuzztime=5m)"
fuzz() { (cd "$1" && go test -run='^$' -fuzz="^$2\$" -fuzztime="${FUZZTIME:-20000x}" -fuzzminimizetime=1s "$3"); }
fuzz host FuzzValidate ./internal/schema
fuzz host FuzzLoad ./internal/config
fuzz plugins FuzzCVR ./moms
fuzz plugins FuzzIBAN ./moms
fuzz plugins FuzzDecodeCursor ./invoices

step "build"
make build

step "MCP conformance suite"
scripts/conformance.sh
