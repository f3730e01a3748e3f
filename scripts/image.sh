#!/usr/bin/env bash
# The container image.
#
#   scripts/image.sh rootfs DIR
#       builds the host statically (CGO off) and lays out the runtime file
#       tree: DIR/rootfs (owned by root: /app with the host binary, the
#       shipped plugins as symlinks billy-mcp-plugin-NAME -> billy-mcp (it
#       links them in) and SHA256SUMS, /etc/passwd and group with the billy user
#       65532, CA certificates, Europe/Copenhagen and UTC zone data) and
#       DIR/writable (/data and /tmp, for the billy user). The Dockerfile's
#       build stage runs this; so does `build` below.
#   scripts/image.sh build [TAG]
#       rootfs into .image/, then builds the Dockerfile's runtime-local stage
#       with podman (or docker) as TAG (default billy-mcp:VERSION) and prints
#       its size. Nothing is pulled: the runtime stages start from scratch.
#   scripts/image.sh podman ARGS...
#       podman as this machine can run it (CONTAINERS_CONF with no default
#       rlimits, runc, cgroupfs); e.g. scripts/image.sh podman run -p
#       127.0.0.1:8080:8080 -e MCP_API_KEY=... billy-mcp:dev
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
# The plugins the image ships, all built into billy-mcp
# (host/cmd/billy-mcp/builtin.go); conformance and hello are for tests and authors.
SHIPPED_PLUGINS=(invoices moms analytics presets integrations)

rootfs() {
  local out=$1
  rm -rf "$out"
  mkdir -p "$out/rootfs/app" "$out/rootfs/etc/ssl/certs" "$out/rootfs/usr/share/zoneinfo/Europe" \
    "$out/writable/data" "$out/writable/tmp"
  export CGO_ENABLED=0
  # One multi-call binary: billy-mcp links the shipped plugins and serves
  # plugin NAME when started as billy-mcp-plugin-NAME, so each plugin is a
  # symlink to it. Six binaries each carried the Go runtime, gRPC, protobuf,
  # go-plugin and sqlite: 138.5 MB; one is 55.5 MB (docs/operators.md).
  # The host still starts every plugin as its own process.
  (cd host && go build -trimpath -ldflags "-s -w -X github.com/billy-mcp/billy-mcp/host/internal/app.Version=$VERSION" \
    -o "$out/rootfs/app/billy-mcp" ./cmd/billy-mcp)
  for p in "${SHIPPED_PLUGINS[@]}"; do
    ln -s billy-mcp "$out/rootfs/app/billy-mcp-plugin-$p"
  done
  # sha256sum reads through the links: the binary's checksum under each
  # plugin's name, as the host's plugin_defaults.checksums_file expects.
  (cd "$out/rootfs/app" && sha256sum billy-mcp-plugin-* > SHA256SUMS)
  printf 'root:x:0:0:root:/root:/sbin/nologin\nbilly:x:65532:65532:billy-mcp:/data:/sbin/nologin\n' > "$out/rootfs/etc/passwd"
  printf 'root:x:0:\nbilly:x:65532:\n' > "$out/rootfs/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$out/rootfs/etc/ssl/certs/"
  cp /usr/share/zoneinfo/Europe/Copenhagen "$out/rootfs/usr/share/zoneinfo/Europe/"
  cp /usr/share/zoneinfo/UTC "$out/rootfs/usr/share/zoneinfo/"
  chmod 0755 "$out/writable/data"
  chmod 1777 "$out/writable/tmp"
  echo "image: runtime tree in $out ($(du -sh "$out/rootfs" | cut -f1))" >&2
}

# builder runs podman or docker; podman gets this machine's settings.
builder() {
  if command -v podman >/dev/null; then
    CONTAINERS_CONF=$PWD/tools/podman/containers.conf podman --runtime runc --cgroup-manager=cgroupfs "$@"
  elif command -v docker >/dev/null; then
    docker "$@"
  else
    echo "image: neither podman nor docker is installed (make deps installs podman)" >&2
    return 1
  fi
}

build() {
  local tag=${1:-billy-mcp:$VERSION}
  rootfs "$PWD/.image"
  # podman writes OCI images by default, and the OCI image format has no
  # HEALTHCHECK: ask for Docker's format, which keeps it.
  local format=()
  command -v podman >/dev/null && format=(--format docker)
  builder build "${format[@]}" --target runtime-local -t "$tag" . >&2
  local bytes
  bytes=$(builder image inspect --format '{{.Size}}' "$tag")
  echo "image: $tag, $((bytes / 1000000)) MB uncompressed" >&2
  echo "$tag"
}

case "${1:-}" in
  rootfs) rootfs "${2:?usage: scripts/image.sh rootfs DIR}" ;;
  build) build "${2:-}" ;;
  podman) shift; builder "$@" ;;
  *) echo "usage: scripts/image.sh rootfs DIR | build [TAG] | podman ARGS..." >&2; exit 2 ;;
esac
