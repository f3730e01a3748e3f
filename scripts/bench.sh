#!/usr/bin/env bash
# Measures the plugin hop and host start, then the host against a bare
# mcp-go server side by side under `billy-mcp load` (docs/performance.md
# explains the setup). Numbers depend on the machine and on what else runs
# on it: run on an idle machine. Nothing here fails on a timing.
#
#   scripts/bench.sh               everything (make bench builds bin/ first)
#   scripts/bench.sh side-by-side  only the side-by-side table
set -euo pipefail
cd "$(dirname "$0")/../host"
CALLS="${BENCH_CALLS:-5000}"
BIN="$(cd .. && pwd)/bin"

# side_by_side runs the same calculate_vat load against a bare mcp-go server
# (bench/baremcp: the tool does nothing) and against bin/billy-mcp with its
# real moms plugin, at each client count, one server right after the other,
# and prints one table. Server CPU per call counts every process of the
# server: billy-mcp and its plugin, found by the port they listen on.
side_by_side() {
  local duration="${BENCH_LOAD_DURATION:-10s}" warmup="${BENCH_LOAD_WARMUP:-2s}"
  local clients="${BENCH_LOAD_CLIENTS:-1 16 64}" protocol="${BENCH_LOAD_PROTOCOL:-2025-11-25}"
  local args='{"amount":1000,"direction":"net_to_gross"}'
  for b in billy-mcp billy-mcp-plugin-moms SHA256SUMS; do
    [[ -e "$BIN/$b" ]] || { echo "bench: $BIN/$b is missing: run make build (or make bench)" >&2; return 1; }
  done
  # Globals, not locals: the EXIT trap runs after this function returns.
  # Only the two servers started here are stopped, by their PIDs.
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/billy-mcp-bench-XXXXXX")" BARE_PID="" HOST_PID=""
  trap stop_servers EXIT
  local tmp="$BENCH_TMP"

  go build -o "$tmp/baremcp" ./bench/baremcp
  "$tmp/baremcp" --addr 127.0.0.1:0 >"$tmp/bare.url" 2>"$tmp/bare.log" &
  BARE_PID=$!

  local port
  port="$(free_port)"
  printf 'plugin_set: replace\ndata_dir: %s\nplugins:\n  moms: {path: billy-mcp-plugin-moms}\n' "$tmp/state" >"$tmp/host.yaml"
  # Defaults otherwise, audit log included: the host as it is deployed.
  # Its log goes to a file, not the terminal, as in production.
  BILLY_MCP_HTTP_ADDR="127.0.0.1:$port" "$BIN/billy-mcp" serve --config "$tmp/host.yaml" 2>"$tmp/host.log" &
  HOST_PID=$!

  local bare_url="" billy_url="http://127.0.0.1:$port" i
  for i in $(seq 1 300); do
    if [[ -z "$bare_url" ]]; then bare_url="$(head -n1 "$tmp/bare.url" 2>/dev/null || true)"; fi
    if [[ -n "$bare_url" ]] && curl -sf "$billy_url/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$BARE_PID" 2>/dev/null || { cat "$tmp/bare.log" >&2; return 1; }
    kill -0 "$HOST_PID" 2>/dev/null || { cat "$tmp/host.log" >&2; return 1; }
    sleep 0.1
  done
  curl -sf "$billy_url/health/ready" >/dev/null || { echo "bench: billy-mcp not ready after 30s" >&2; tail -n 20 "$tmp/host.log" >&2; return 1; }

  echo "== side by side: calculate_vat over MCP $protocol Streamable HTTP, bare mcp-go server vs billy-mcp (host + moms plugin)"
  echo "   $(nproc) cores, nothing pinned: the load tool, the server under test (billy-mcp: host and plugin) and"
  echo "   everything else on this machine share them; \"other processes' CPU\" is what everything else used during the row."
  echo "   before: load average $(cut -d' ' -f1-3 /proc/loadavg); busiest processes over a second: $(busiest)"
  echo "   per row: ${warmup} warm-up, then ${duration} measured; bare and billy-mcp back to back at each client count"
  for c in $clients; do
    for server in bare billy-mcp; do
      local url="$bare_url"
      [[ "$server" == billy-mcp ]] && url="$billy_url"
      echo "   $server at $c client(s)..." >&2
      "$BIN/billy-mcp" load --url "$url" --protocol "$protocol" --tool calculate_vat --args "$args" \
        --clients "$c" --duration "$duration" --warmup "$warmup" --pid-of-host --label "$server" --json --quiet >>"$tmp/runs.json"
    done
  done
  echo "   after: load average $(cut -d' ' -f1-3 /proc/loadavg); busiest processes over a second: $(busiest)"
  echo
  "$BIN/billy-mcp" load compare --baseline bare "$tmp/runs.json"
}

# busiest prints the processes that used more than 2 % of a core over one
# second, busiest first (top's second frame; its first counts since start).
busiest() {
  { top -b -n 2 -d 1 -w 200 2>/dev/null |
      awk '/^top -/ { frame++ } frame == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 2 && shown < 6 { printf "%s%s %s%%", sep, $12, $9; sep = ", "; shown++ }
           END { if (!shown) printf "none above 2 %% of a core" }'; } || true
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "bench: no free port found" >&2
  return 1
}

# stop_servers stops what side_by_side started (SIGTERM: billy-mcp stops its
# plugin) and removes its files.
stop_servers() {
  local p
  for p in ${BARE_PID:-} ${HOST_PID:-}; do kill "$p" 2>/dev/null || true; done
  for p in ${BARE_PID:-} ${HOST_PID:-}; do wait "$p" 2>/dev/null || true; done
  [[ -n "${BENCH_TMP:-}" ]] && rm -rf "$BENCH_TMP"
  return 0
}

if [[ "${1:-}" == side-by-side ]]; then
  side_by_side
  exit
fi
echo "== no-op tool over MCP Streamable HTTP: plugin subprocess vs in-process ($CALLS calls per case)"
go test ./bench -run '^$' -bench 'BenchmarkToolCall' -benchtime "${CALLS}x" -count "${BENCH_COUNT:-1}" | tee /tmp/billy-mcp-bench.txt | grep Benchmark
awk '
  /ToolCall\/plugin\/clients=1-/    { for (i=1;i<=NF;i++) if ($(i+1)=="p50-µs") pp=$i }
  /ToolCall\/inprocess\/clients=1-/ { for (i=1;i<=NF;i++) if ($(i+1)=="p50-µs") ip=$i }
  END { if (pp && ip) printf "plugin hop p50 overhead at 1 client: %d µs\n", pp-ip }' /tmp/billy-mcp-bench.txt
echo "== host start to ready (every plugin the repository ships that is built)"
go test ./bench -run '^$' -bench 'BenchmarkStartToReady' -benchtime 10x | grep Benchmark
echo "== the plugin hop alone and the pipeline with and without it (no MCP, no HTTP), one call at a time"
go test ./bench -run "^$" -bench "BenchmarkPluginHop|BenchmarkDispatch" -benchtime "${CALLS}x" | grep Benchmark
echo "== invoice tools through the whole host, 50 ms added to every sandbox answer"
go test ./bench -run '^$' -bench 'BenchmarkInvoiceTools' -benchtime "${INVOICE_CALLS:-300}x" | grep Benchmark
echo "== analytics: 100,000 invoices (200,000 lines, 90,000 payments, 300,000 postings) synced into the working set and aggregated"
(cd ../plugins && BILLY_ANALYTICS_SCALE=1 go test ./analytics/books -run TestScale100k -count=1 -v -timeout 20m | grep -E "scale_test|^ok|FAIL")
echo
side_by_side
