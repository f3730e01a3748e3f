#!/usr/bin/env bash
# Installs the pinned tools into one directory and prints that directory.
#   scripts/tools.sh [go|node|all]     (default: all)
#
# Every tool the build and the tests run is pinned in tools/ (see
# tools/README.md): Go tools as `tool` directives in tools/go.mod (checked by
# `go mod verify`), Node tools in tools/node/package-lock.json (installed with
# `npm ci`), Debian packages in tools/debian.txt (scripts/install-deps.sh).
#
# The directory is $TOOLS_DIR, or .tools in the repository. A stamp of
# the pin files makes a changed pin reinstall instead of running a stale tool.
# With FRESH_TOOLS=1 (what CI sets) the caller gives an empty
# directory and the Go and npm downloads go through empty caches inside it, so
# a version the registries refuse fails the run instead of hiding behind a
# warm cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${TOOLS_DIR:-$root/.tools}
what=${1:-all}
mkdir -p "$dir/bin"

# The Go version is part of the stamp: staticcheck built by an older Go cannot
# read code for a newer one.
stamp() { { go env GOVERSION; cat "$@"; } | sha256sum | cut -c1-16; }
fresh=${FRESH_TOOLS:-}

install_go() {
  local want; want=$(stamp tools/go.mod tools/go.sum)
  [ "$(cat "$dir/go.stamp" 2>/dev/null)" = "$want" ] && return
  echo "tools: installing the Go tools of tools/go.mod into $dir/bin" >&2
  local env=(GOWORK=off GOFLAGS=-mod=readonly GOBIN="$dir/bin")
  [ -z "$fresh" ] || env+=(GOMODCACHE="$dir/gomodcache" GOFLAGS="-mod=readonly -modcacherw")
  (cd tools && env "${env[@]}" go mod download && env "${env[@]}" go mod verify >&2 && env "${env[@]}" go install tool)
  echo "$want" >"$dir/go.stamp"
}

install_node() {
  local want; want=$(stamp tools/node/package.json tools/node/package-lock.json)
  [ "$(cat "$dir/node.stamp" 2>/dev/null)" = "$want" ] && return
  command -v npm >/dev/null || scripts/install-deps.sh node
  echo "tools: installing the Node tools of tools/node/package-lock.json into $dir/node" >&2
  rm -rf "$dir/node" && mkdir -p "$dir/node"
  cp tools/node/package.json tools/node/package-lock.json "$dir/node/"
  local cache=()
  [ -z "$fresh" ] || cache=(--cache "$dir/npm-cache")
  (cd "$dir/node" && npm ci --no-audit --no-fund --loglevel=error "${cache[@]}" >&2)
  echo "$want" >"$dir/node.stamp"
}

case "$what" in
  go) install_go ;;
  node) install_node ;;
  all) install_go; install_node ;;
  *) echo "usage: scripts/tools.sh [go|node|all]" >&2; exit 2 ;;
esac
echo "$dir"
