# billy-mcp: `make run` starts the host in sandbox mode; `make test` runs every
# test on a bare machine (it installs what it lacks). See README.md.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

BIN      := $(CURDIR)/bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/billy-mcp/billy-mcp/host/internal/app.Version=$(VERSION)
MODULES  := $(shell scripts/modules.sh)
# The shipped plugins are built into bin/billy-mcp (host/cmd/billy-mcp/builtin.go)
# and are symlinks to it, as in the image; the test plugins (plugins/NAME/main.go)
# have their own binaries. plugins/cmd/billy-mcp-plugin-NAME builds a shipped one
# standalone, for development.
BUILTIN_PLUGINS := invoices moms analytics presets integrations
TEST_PLUGINS    := $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/main.go))))

.PHONY: build run test test-bare bench chaos image proto proto-check lint fmt clean deps tools

build: ## Build the host (with the shipped plugins), the sandbox, the test plugins and bin/SHA256SUMS
	@mkdir -p $(BIN)
	cd host && go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/billy-mcp ./cmd/billy-mcp
	@for p in $(BUILTIN_PLUGINS); do ln -sfn billy-mcp $(BIN)/billy-mcp-plugin-$$p; done
	@for p in $(TEST_PLUGINS); do (cd plugins && go build -trimpath -ldflags '-s -w' -o $(BIN)/billy-mcp-plugin-$$p ./$$p); done
	cd examples/hello && go build -trimpath -ldflags '-s -w' -o $(BIN)/billy-mcp-plugin-hello .
	cd sandbox && go build -trimpath -ldflags '-s -w' -o $(BIN)/billy-sandbox ./cmd/billy-sandbox
	@cd $(BIN) && sha256sum billy-mcp-plugin-* > SHA256SUMS
	@echo "built: bin/billy-mcp (with $(words $(BUILTIN_PLUGINS)) plugins, linked as bin/billy-mcp-plugin-NAME), bin/billy-sandbox, $(words $(TEST_PLUGINS)) test plugins + hello example (checksums in bin/SHA256SUMS)"

run: build ## Build and start the host with the built-in default config (sandbox mode)
	$(BIN)/billy-mcp serve

deps: ## Install the Debian packages the tests may need (tools/debian.txt)
	scripts/install-deps.sh node redis postgres chromium podman prometheus pdf

image: ## Build the container image from local binaries (podman or docker; nothing pulled) and print its size
	scripts/image.sh build

tools: ## Install the pinned Go and Node tools (tools/) into .tools
	scripts/tools.sh all

proto: ## Regenerate Go code from proto/
	scripts/proto.sh

proto-check: ## Fail if the generated code is stale
	scripts/proto.sh check

test: ## Run every test (what CI runs, there with FRESH_TOOLS=1)
	scripts/test.sh

test-bare: ## make test in a fresh clone of HEAD, tools installed into empty directories
	scripts/test-bare.sh

bench: build ## Measure the plugin hop and throughput (see docs/performance.md)
	scripts/bench.sh

CHAOS_FOR ?= 5m
chaos: ## The fault suite for CHAOS_FOR (default 5m): writes under plugin kills, host restarts, Billy faults; prints the reconciliation
	cd host && go test -count=1 -timeout 0 -run 'TestFaultSuite$$' -v ./e2e -chaos $(CHAOS_FOR)

lint: ## gofmt, go vet and staticcheck over every module
	scripts/lint.sh

fmt:
	gofmt -w $(MODULES)

clean:
	rm -rf $(BIN) .tools
