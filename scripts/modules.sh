#!/usr/bin/env bash
# Prints the workspace's modules, one per line, as go.work lists them: the
# one list every script and the Makefile go through.
set -euo pipefail
cd "$(dirname "$0")/.."
go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p'
