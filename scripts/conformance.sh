#!/usr/bin/env bash
# Runs the official MCP conformance suite against a real host started with
# configs/conformance.yaml (the conformance fixtures plugin only), in three
# runs, each against its own expected-failures file in conformance/:
#   @modelcontextprotocol/conformance 0.1.16, the active suite
#       (conformance/expected-failures.yml)
#   0.2.0-alpha.12 (npm alias conformance-next) --requirements 2025-11-25
#       (conformance/next-2025-11-25.yml)
#   0.2.0-alpha.12 --requirements 2026-07-28
#       (conformance/next-2026-07-28.yml)
# A run fails on a scenario that fails unlisted, or one listed that passes
# (the list is stale). With --requirements, only scored scenarios fail a run
# by themselves; the files list the unscored ones we cannot pass, with why.
#   scripts/conformance.sh            (expects bin/ from `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."

FLAKY="tools-call-with-logging tools-call-with-progress" # see conformance/expected-failures.yml

# The suites and the Node they need (22, from npm) are pinned in tools/node.
tools=$(scripts/tools.sh node)
export PATH="$tools/node/node_modules/.bin:$PATH"
next="$tools/node/node_modules/conformance-next/dist/index.js"
[ -x bin/billy-mcp ] || make build

work=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
BILLY_MCP_HTTP_ADDR="127.0.0.1:$port" BILLY_MCP_DATA_DIR="$work/data" \
  bin/billy-mcp serve --config configs/conformance.yaml >"$work/host.out" 2>"$work/host.err" &
host=$!
cleanup() {
  kill -TERM "$host" 2>/dev/null || true
  wait "$host" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 "$host" 2>/dev/null || { echo "conformance: host exited during start" >&2; cat "$work/host.err" >&2; exit 1; }
  sleep 0.1
done

# suite NAME BASELINE CMD...: one run, with its baseline; flaky scenarios
# that fail are re-run alone, up to three times, before the run fails.
suite() {
  local name=$1 baseline=$2
  shift 2
  local log="$work/$name.log"
  echo "== $name (baseline $baseline)"
  if "$@" --url "http://127.0.0.1:$port/mcp" --expected-failures "$baseline" -o "$work/$name" >"$log" 2>&1; then
    sed -n '/=== SUMMARY ===/,$p' "$log"
    return 0
  fi
  sed -n '/=== SUMMARY ===/,$p' "$log"
  local failed
  failed=$(grep -E '^✗' "$log" | sed -E 's/^✗ ([^:]+):.*/\1/' || true)
  # A scenario listed in the baseline is expected to fail; only the
  # unlisted ones are candidates for a retry.
  local s unexpected=""
  for s in $failed; do
    grep -qE "^\s*-\s*$s\s*(#.*)?$" "$baseline" || unexpected="$unexpected $s"
  done
  if [ -z "$unexpected" ]; then
    echo "conformance: $name failed (a stale baseline entry?)" >&2
    tail -30 "$log" >&2
    return 1
  fi
  for s in $unexpected; do
    case " $FLAKY " in *" $s "*) ;; *) echo "conformance: $name: $s failed" >&2; tail -50 "$work/host.err" >&2; return 1 ;; esac
  done
  for s in $unexpected; do
    local ok="" attempt
    for attempt in 1 2 3; do
      if "$@" --url "http://127.0.0.1:$port/mcp" --scenario "$s" -o "$work/$name-retry" >"$work/retry.log" 2>&1; then ok=1; break; fi
    done
    [ -n "$ok" ] || { echo "conformance: $name: $s failed on every retry" >&2; cat "$work/retry.log" >&2; return 1; }
    echo "conformance: $name: $s passed on retry (known mcp-go notification race)"
  done
}

suite "0.1.16" conformance/expected-failures.yml conformance server
suite "0.2.0-alpha.12 2025-11-25" conformance/next-2025-11-25.yml node "$next" server --requirements 2025-11-25
suite "0.2.0-alpha.12 2026-07-28" conformance/next-2026-07-28.yml node "$next" server --requirements 2026-07-28
