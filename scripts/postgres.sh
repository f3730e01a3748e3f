#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: its own cluster in a temporary
# folder, on a free loopback port, stopped and deleted afterwards.
#
#   eval "$(scripts/postgres.sh start)"
#       installs Debian's postgresql when missing (scripts/install-deps.sh
#       postgres), makes and starts the cluster, creates the database
#       billy_test and prints, for the shell to take:
#         export BILLY_TEST_POSTGRES_URL=postgres://billy_test:…@127.0.0.1:PORT/billy_test?sslmode=disable
#         export BILLY_TEST_POSTGRES_DIR=/tmp/billy-mcp-postgres.XXXXXX
#   scripts/postgres.sh stop [DIR]
#       stops the server started in DIR (default $BILLY_TEST_POSTGRES_DIR)
#       and deletes DIR.
#
# PostgreSQL refuses to run as root; as root, the server runs as the
# postgres user that Debian's package makes. The password is drawn anew for
# every server; the server only listens on 127.0.0.1 and on a socket inside
# DIR. Everything but the export lines goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

marker=.billy-mcp-test-postgres # in DIR: what stop checks before deleting

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# as runs a command as the user the server runs as.
as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  # Installs only when missing (and, under FRESH_TOOLS=1, checks that the
  # archive still serves it).
  scripts/install-deps.sh postgres
  local bin; bin=$(bindir)
  [ -n "$bin" ] || { echo "postgres: no /usr/lib/postgresql/*/bin after installing postgresql" >&2; exit 1; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres: running as root, but there is no postgres user to run the server as (Debian's postgresql package makes it)" >&2
    exit 1
  fi

  local dir; dir=$(mktemp -d "${TMPDIR:-/tmp}/billy-mcp-postgres.XXXXXX")
  touch "$dir/$marker"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  local password; password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  chmod 600 "$dir/pwfile"

  if ! as "$bin/initdb" -D "$dir/data" -U billy_test --pwfile="$dir/pwfile" \
      --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    echo "postgres: initdb failed" >&2
    exit 1
  fi
  rm -f "$dir/pwfile"

  # A free port, taken at random; another process may take it between the
  # check and the start, so a failed start tries another.
  local port="" tries
  for tries in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    # fsync and friends off: the cluster is thrown away after the tests.
    if as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2; then
      break
    fi
    port=""
  done
  if [ -z "$port" ]; then
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    echo "postgres: the server did not start (5 tries)" >&2
    exit 1
  fi
  if ! as "$bin/createdb" -h "$dir" -p "$port" -U billy_test billy_test >&2; then
    as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    rm -rf "$dir"
    echo "postgres: createdb failed" >&2
    exit 1
  fi
  echo "postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, cluster in $dir" >&2
  printf 'export BILLY_TEST_POSTGRES_URL=%q\n' "postgres://billy_test:$password@127.0.0.1:$port/billy_test?sslmode=disable"
  printf 'export BILLY_TEST_POSTGRES_DIR=%q\n' "$dir"
}

stop() {
  local dir=${1:-${BILLY_TEST_POSTGRES_DIR:-}}
  [ -n "$dir" ] || { echo "usage: scripts/postgres.sh stop DIR (or set BILLY_TEST_POSTGRES_DIR)" >&2; exit 2; }
  [ -d "$dir" ] || return 0
  if [ ! -e "$dir/$marker" ]; then
    echo "postgres: $dir was not made by scripts/postgres.sh start; leaving it alone" >&2
    exit 1
  fi
  local bin; bin=$(bindir)
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 ||
      as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: scripts/postgres.sh start | stop [DIR]" >&2; exit 2 ;;
esac
