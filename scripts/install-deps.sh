#!/usr/bin/env bash
# Installs the Debian packages of the named components (tools/debian.txt), only
# those whose command is missing, and checks that what was installed is at
# least the tested version. Runs as root on CI and developer machines.
#   scripts/install-deps.sh COMPONENT...      (node, redis, postgres, chromium)
# With FRESH_TOOLS=1 a package that is already installed is also
# downloaded once from the archive, so a package the archive no longer serves
# fails here rather than on the next bare machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/install-deps.sh COMPONENT..." >&2; exit 2; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

missing=() present=() tested=()
for want in "$@"; do
  found=""
  while read -r component pkg version cmd; do
    case "$component" in ''|'#'*) continue ;; esac
    [ "$component" = "$want" ] || continue
    found=1
    if [ "$cmd" = pg_ctlcluster ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
      present+=("$pkg")
    elif command -v "$cmd" >/dev/null; then
      present+=("$pkg")
    else
      missing+=("$pkg"); tested+=("$pkg=$version")
    fi
  done < tools/debian.txt
  [ -n "$found" ] || { echo "install-deps: unknown component $want (see tools/debian.txt)" >&2; exit 2; }
done

updated=""
update() { [ -n "$updated" ] || { $SUDO apt-get update -qq >&2; updated=1; }; }

if [ "${FRESH_TOOLS:-}" = 1 ] && [ ${#present[@]} -gt 0 ]; then
  update
  dl=$(mktemp -d)
  (cd "$dl" && chmod 777 . && $SUDO apt-get download -qq "${present[@]}" >&2) ||
    { rm -rf "$dl"; echo "install-deps: the archive no longer serves ${present[*]}" >&2; exit 1; }
  rm -rf "$dl"
  echo "install-deps: the archive serves ${present[*]}" >&2
fi

[ ${#missing[@]} -gt 0 ] || exit 0
echo "install-deps: installing ${missing[*]}" >&2
update
# Packages such as redis-server, postgresql and prometheus start a system
# service when installed on a machine with an init system; the tests start
# their own servers on loopback, so a policy-rc.d keeps Debian from starting
# any (and make test from leaving one behind).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
for pv in "${tested[@]}"; do
  pkg=${pv%%=*} want=${pv#*=}
  got=$(dpkg-query -W -f='${Version}' "$pkg")
  if ! dpkg --compare-versions "$got" ge "$want"; then
    echo "install-deps: $pkg $got is older than the tested $want (tools/debian.txt)" >&2
    exit 1
  fi
done
