# billy-mcp's container image: one static binary on an empty base (no shell,
# no package manager), run as a non-root user with a writable /data.
#
# One binary, because size: /app/billy-mcp is the host with the five shipped
# plugins linked in (55.5 MB), and /app/billy-mcp-plugin-NAME are symlinks to
# it; started under such a name it serves plugin NAME (host/cmd/billy-mcp/
# builtin.go). The host still runs each plugin as its own process, so a
# plugin crash stays in its process. Six separate binaries, each with its own
# Go runtime, gRPC, protobuf, go-plugin and sqlite, made a 138.5 MB image
# (51.0 MB gzipped); this one is 55.8 MB (20.3 MB gzipped). SHA256SUMS lists
# the binary's checksum under each plugin's name (the host hashes the file a
# link resolves to). docs/operators.md has the figures and what it costs.
#
#   docker build -t billy-mcp .                       a registry that can pull golang
#   make image                                        local binaries, no pull (podman or docker)
#
# The runtime stages share runtime-base, so the image's contract (user, port,
# data directory, health check, entry point) is written once.

# --- build: static binaries and the runtime file tree, from source ---------
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
ARG VERSION=dev
RUN VERSION="$VERSION" scripts/image.sh rootfs /out

# --- runtime-base: what every runtime stage is -----------------------------
FROM scratch AS runtime-base
# 0.0.0.0 inside the container: the host then refuses to start without API
# keys (MCP_API_KEY or auth settings), as it does on any non-loopback address.
ENV BILLY_MCP_HTTP_ADDR=0.0.0.0:8080 \
    BILLY_MCP_DATA_DIR=/data \
    TMPDIR=/tmp
EXPOSE 8080
USER 65532:65532
WORKDIR /data
# A scratch image has no curl: the binary asks itself (/health/ready).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["/app/billy-mcp", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/billy-mcp"]
CMD ["serve"]

# --- runtime-local: the same image from binaries built on this machine ------
# (scripts/image.sh build prepares .image/; no base image is pulled)
FROM runtime-base AS runtime-local
COPY .image/rootfs/ /
COPY --chown=65532:65532 .image/writable/ /

# --- runtime: the default target -------------------------------------------
FROM runtime-base AS runtime
COPY --from=build /out/rootfs/ /
COPY --from=build --chown=65532:65532 /out/writable/ /
