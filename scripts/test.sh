#!/usr/bin/env bash
# The whole test suite, as CI runs it on a bare machine: installs the pinned
# tools it lacks (tools/), checks generated code and lint, starts a throwaway
# PostgreSQL and Redis (a server and a Cluster) on loopback (scripts/postgres.sh,
# scripts/redis.sh) and runs every module's tests
# with the race detector (end-to-end tests build and start the real
# binaries), runs the fuzz targets briefly, builds, runs the official MCP
# conformance suite, and checks that none of it changed a tracked file.
#
# FRESH_TOOLS=1 (set by .ci/run and `make test-bare`) installs every
# tool into an empty temporary directory through empty download caches, so an
# install step the registries refuse fails here, not on a newcomer's machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n==> %s (%ds)\n' "$*" "$SECONDS"; }
tree_state() { { git status --porcelain=v1 --untracked-files=no; git diff; } 2>/dev/null | sha256sum; }
tree_before=$(tree_state)

# What the run starts or makes is undone on any exit, last first.
cleanups=()
cleanup() { local i; for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done; }
trap cleanup EXIT

if [ "${FRESH_TOOLS:-}" = 1 ]; then
  TOOLS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/billy-mcp-tools.XXXXXX")
  export TOOLS_DIR
  cleanups+=('chmod -R u+w "$TOOLS_DIR" 2>/dev/null; rm -rf "$TOOLS_DIR"')
  step "pinned tools, installed fresh into $TOOLS_DIR"
else
  step "pinned tools (tools/; reinstalled when a pin changes)"
fi
scripts/tools.sh all >/dev/null

step "generated code"
scripts/proto.sh check

step "lint"
scripts/lint.sh

step "PostgreSQL for the store's tests (scripts/postgres.sh: a throwaway server on loopback)"
pg_env=$(scripts/postgres.sh start) # an assignment, so that a failed start stops the run
eval "$pg_env"
cleanups+=('scripts/postgres.sh stop "$BILLY_TEST_POSTGRES_DIR"')

step "Redis for the cache's tests (scripts/redis.sh: a server and a 6-node Cluster on loopback)"
scripts/install-deps.sh redis
BILLY_TEST_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/billy-mcp-redis.XXXXXX")
cleanups+=('scripts/redis.sh stop "$BILLY_TEST_REDIS_DIR"')
scripts/redis.sh start "$BILLY_TEST_REDIS_DIR" >/dev/null
set -a
. "$BILLY_TEST_REDIS_DIR/env" # BILLY_TEST_REDIS_URL, BILLY_TEST_REDIS_CLUSTER
set +a

step "podman for the container image's test (host/e2e TestImage), promtool for the alert rules' (host/internal/app TestPromtool), chromium for the docs page's (host/e2e TestDocsPageInBrowser)"
scripts/install-deps.sh podman prometheus chromium

step "poppler-utils for the analytics PDF export's tests (plugins/analytics/export: pdftoppm renders the PDF to PNG)"
scripts/install-deps.sh pdf

step "unit, integration and end-to-end tests (-race)"
for m in $(scripts/modules.sh); do
  (cd "$m" && go test -race -count=1 -timeout 25m ./...)
done

step "fuzz (short runs of 20,000 inputs each, counted rather than timed: a timed run can end in the fuzzer's own deadline error; longer ones: go test -fuzz=NAME -fuzztime=5m)"
# fuzz MODULE TARGET PACKAGE [INPUTS]: INPUTS for targets that cost a plugin
# round trip per input.
fuzz() { (cd "$1" && go test -run='^$' -fuzz="^$2\$" -fuzztime="${FUZZTIME:-${4:-20000x}}" -fuzzminimizetime=1s "$3"); }
fuzz host FuzzValidate ./internal/schema
fuzz host FuzzLoad ./internal/config
fuzz host FuzzCheckText ./internal/dispatch
fuzz host FuzzTakeIdempotencyKey ./internal/dispatch
fuzz host FuzzCheckpointFile ./internal/audit
fuzz host FuzzOpen ./internal/keyring
fuzz host FuzzParseKeys ./internal/keyring
fuzz host FuzzForBilly ./internal/scopes
fuzz host FuzzTakeOrganization ./internal/dispatch
fuzz host FuzzCredential ./internal/auth
fuzz host FuzzChallenge ./internal/auth
fuzz host FuzzForwardedFor ./internal/httpserver
fuzz host FuzzCheckRedirect ./internal/oauthserver
fuzz host FuzzParseDocument ./internal/oauthserver
fuzz host FuzzSessionID ./internal/mcpserver
fuzz plugins FuzzCVR ./moms
fuzz plugins FuzzIBAN ./moms
fuzz plugins FuzzFIK ./moms
fuzz plugins FuzzVATNumber ./moms
fuzz plugins FuzzParsePeriod ./moms
fuzz plugins FuzzNumber ./moms
fuzz plugins FuzzDecodeCursor ./invoices
fuzz plugins FuzzCompile ./analytics/metrics
fuzz plugins FuzzNum ./analytics/books
fuzz plugins FuzzParseStatement ./integrations
fuzz plugins FuzzParseAmount ./integrations
fuzz plugins FuzzParseOrder ./integrations
fuzz plugins FuzzParseRefund ./integrations
fuzz plugins FuzzParseDinero ./integrations
fuzz plugins FuzzCheckEinvoiceXML ./integrations
fuzz plugins FuzzEconomicAnswer ./integrations
fuzz plugins FuzzParse ./presets/workflow
fuzz sdk FuzzLeanOutputSchema .
fuzz examples/hello FuzzToolResults . 2000x

step "build"
make build

step "MCP conformance suite"
scripts/conformance.sh

step "the working tree is as the tests found it"
if [ "$(tree_state)" != "$tree_before" ]; then
  echo "test: the build or the tests changed tracked files (a build must leave the tree clean, or the version says -dirty):" >&2
  git status --short --untracked-files=no >&2
  git --no-pager diff --stat >&2
  exit 1
fi
echo "clean; all tests passed in ${SECONDS}s"
