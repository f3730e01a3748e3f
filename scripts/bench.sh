#!/usr/bin/env bash
# Measures the plugin hop and host start (docs/performance.md explains the
# setup). Numbers depend on the machine and on what else runs on it: run on
# an idle machine. Nothing here fails on a timing.
set -euo pipefail
cd "$(dirname "$0")/../host"
CALLS="${BENCH_CALLS:-5000}"
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
