#!/usr/bin/env bash
# gofmt, go vet and staticcheck (pinned in tools/go.mod) over every module of
# the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh go)
mapfile -t MODULES < <(scripts/modules.sh)

unformatted=$(gofmt -l "${MODULES[@]}" tools | grep -v '\.pb\.go$' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
for m in "${MODULES[@]}"; do
  (cd "$m" && go vet ./... && "$tools/bin/staticcheck" ./...)
done
echo "lint: gofmt, go vet and staticcheck clean"
