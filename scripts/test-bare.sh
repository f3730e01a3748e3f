#!/usr/bin/env bash
# `make test` as a newcomer and CI meet it: a fresh clone of HEAD (committed
# work only) in a temporary directory, every pinned tool installed from the
# registries into empty directories, then the whole suite. Removes what it
# made when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/billy-mcp-bare.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
git clone -q --no-local "$PWD" "$work/billy-mcp"
echo "test-bare: fresh clone of $(git rev-parse --short HEAD) in $work/billy-mcp" >&2
cd "$work/billy-mcp"
FRESH_TOOLS=1 make test
