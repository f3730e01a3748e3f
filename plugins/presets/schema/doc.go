// Package schema holds the published JSON Schema of the presets plugin's
// workflow format (workflow.schema.json, draft 2020-12). The plugin serves
// it as a resource, and package workflow's tests hold its own validation to
// the same examples.
package schema

import _ "embed"

// Workflow is the JSON Schema of workflow format version 1.
//
//go:embed workflow.schema.json
var Workflow []byte
