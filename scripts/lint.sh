#!/usr/bin/env bash
# gofmt, go vet and staticcheck over every module of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
STATICCHECK_VERSION=2025.1.1
TOOLS="$PWD/.tools/bin"
MODULES=(proto sdk host plugins examples/hello)

unformatted=$(gofmt -l "${MODULES[@]}" | grep -v '\.pb\.go$' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
if [ ! -x "$TOOLS/staticcheck" ]; then
  GOBIN="$TOOLS" GOWORK=off go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
fi
for m in "${MODULES[@]}"; do
  (cd "$m" && go vet ./... && "$TOOLS/staticcheck" ./...)
done
echo "lint: gofmt, go vet and staticcheck clean"
