#!/usr/bin/env bash
# Redis servers for the tests, on loopback only, each in a directory of its
# own that `stop` removes with everything in it (Debian's redis-server and
# redis-cli; scripts/install-deps.sh redis installs them).
#
#   scripts/redis.sh start DIR          a standalone server and a 6-node Cluster
#                                       (3 primaries, 3 replicas) under DIR; writes
#                                       DIR/env with the variables the tests read:
#                                         BILLY_TEST_REDIS_URL      redis://127.0.0.1:PORT
#                                         BILLY_TEST_REDIS_CLUSTER  host:port,... (all six)
#   scripts/redis.sh stop DIR           stops every server under DIR and removes DIR
#   scripts/redis.sh server DIR         one server under DIR; prints host:port
#   scripts/redis.sh cluster DIR        a 6-node Cluster under DIR; prints host:port,...
#
# Every server keeps its pid in DIR/<port>/redis.pid, so a test can kill one
# (a primary, to watch a failover) and `stop` still finds the rest. Ports are
# picked free at random; a Cluster node also needs port+10000 (its bus) free.
# Nothing is persisted (no RDB, no AOF). Cluster nodes time out after 1 s so
# that a failover takes seconds, not the default 15.
set -euo pipefail

die() { echo "redis.sh: $*" >&2; exit 1; }
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
  die "redis-server and redis-cli are missing: run scripts/install-deps.sh redis"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port [CLUSTER]: a free port in 10000-22767 (and port+10000 free too
# for a cluster node), not handed out before by this run. Both stay below
# Linux's ephemeral range (32768-60999): a port there may be the local end
# of some outgoing connection, which a connect test does not see but which
# makes redis-server's bind fail ("Address already in use").
declare -A taken=()
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((10000 + RANDOM % 12768))
    [ -z "${taken[$p]:-}" ] || continue
    port_free "$p" || continue
    if [ "${1:-}" = cluster ]; then port_free $((p + 10000)) || continue; fi
    taken[$p]=1
    echo "$p"
    return 0
  done
  die "no free port found"
}

# server DIR PORT [extra redis-server args...]
start_server() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --dir "$dir/$port" \
    --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" \
    --save '' --appendonly no "$@" >/dev/null
  for _ in $(seq 100); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.05
  done
  cat "$dir/$port/redis.log" >&2 || true
  die "redis-server on port $port did not start"
}

one_server() {
  local dir=$1 port
  port=$(free_port)
  start_server "$dir" "$port"
  echo "127.0.0.1:$port"
}

make_cluster() {
  local dir=$1 ports=() addrs=() p
  for _ in 1 2 3 4 5 6; do
    p=$(free_port cluster)
    ports+=("$p")
    addrs+=("127.0.0.1:$p")
    start_server "$dir" "$p" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 1000 --cluster-replica-validity-factor 0 \
      --cluster-require-full-coverage no --cluster-allow-reads-when-down yes
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
    { cat "$dir/create.log" >&2; die "redis-cli --cluster create failed"; }
  # Ready when every node says the cluster is ok and knows all six.
  for _ in $(seq 200); do
    local ok=1
    for p in "${ports[@]}"; do
      local info
      info=$(redis-cli -p "$p" cluster info 2>/dev/null || true)
      grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_known_nodes:6' <<<"$info" || ok=""
    done
    [ -n "$ok" ] && break
    sleep 0.1
  done
  [ -n "$ok" ] || die "the cluster under $dir did not become ready"
  local IFS=,
  echo "${addrs[*]}"
}

stop_all() {
  local dir=$1 pidfile pid pids=()
  [ -d "$dir" ] || return 0
  for pidfile in "$dir"/*/redis.pid "$dir"/*/*/redis.pid; do
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    # Only a redis-server we started: the pid file is ours, and the process
    # must still be redis-server (a pid can be reused).
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ]; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ] || break
      sleep 0.05
    done
  done
  rm -rf "$dir"
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || die "usage: scripts/redis.sh start|stop|server|cluster DIR"
case "$cmd" in
  start)
    mkdir -p "$dir"
    url="redis://$(one_server "$dir/standalone")"
    cluster=$(make_cluster "$dir/cluster")
    printf 'BILLY_TEST_REDIS_URL=%s\nBILLY_TEST_REDIS_CLUSTER=%s\n' "$url" "$cluster" >"$dir/env"
    cat "$dir/env"
    ;;
  stop) stop_all "$dir" ;;
  server) mkdir -p "$dir"; one_server "$dir" ;;
  cluster) mkdir -p "$dir"; make_cluster "$dir" ;;
  *) die "usage: scripts/redis.sh start|stop|server|cluster DIR" ;;
esac
