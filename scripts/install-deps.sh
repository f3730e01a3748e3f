#!/usr/bin/env bash
# Installs the system packages the build and the tests need, only those that
# are missing. Runs as root on CI and developer machines (Debian).
#   scripts/install-deps.sh [protoc] [redis] [postgres] [node]
set -euo pipefail
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(protoc)

pkgs=()
for w in "${want[@]}"; do
  case "$w" in
    protoc)   command -v protoc >/dev/null       || pkgs+=(protobuf-compiler) ;;
    redis)    command -v redis-server >/dev/null || pkgs+=(redis-server) ;;
    postgres) command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || pkgs+=(postgresql) ;;
    node)     command -v npx >/dev/null          || pkgs+=(nodejs npm) ;;
    *) echo "install-deps: unknown component $w" >&2; exit 2 ;;
  esac
done
[ ${#pkgs[@]} -gt 0 ] || exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-deps: installing ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
