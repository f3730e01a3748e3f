package main

import (
	"context"
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// json2020Schema is the json-schema-2020-12 scenario's input schema, as the
// suite gives it: what Go types cannot say ($defs with an $anchor, $ref,
// allOf/anyOf, if/then/else). The host lists it unchanged and validates
// arguments against it as JSON Schema 2020-12.
const json2020Schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "$defs": {
    "address": {
      "$anchor": "addressDef",
      "type": "object",
      "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
    }
  },
  "properties": {
    "name": {"type": "string"},
    "address": {"$ref": "#/$defs/address"},
    "contactMethod": {"type": "string", "enum": ["phone", "email"]},
    "phone": {"type": "string"},
    "email": {"type": "string"}
  },
  "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
  "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
  "then": {"required": ["phone"]},
  "else": {"required": ["email"]},
  "additionalProperties": false
}`

// xMCPHeaderSchema mirrors the region argument into the Mcp-Param-Region
// HTTP header (SEP-2243), which the host checks against the body.
const xMCPHeaderSchema = `{
  "type": "object",
  "properties": {
    "region": {"type": "string", "description": "Mirrored into the Mcp-Param-Region header", "x-mcp-header": "Region"},
    "level": {"type": "integer", "description": "Not mirrored"}
  }
}`

func schemaTools() []sdk.Tool {
	s2020 := spec("json_schema_2020_12_tool", "Conformance fixture: an input schema using JSON Schema 2020-12 ($defs, $ref, allOf, if/then/else).")
	s2020.InputSchema = json.RawMessage(json2020Schema)
	header := spec("test_x_mcp_header", "Conformance fixture: mirrors its region argument into the Mcp-Param-Region header (x-mcp-header).")
	header.InputSchema = json.RawMessage(xMCPHeaderSchema)
	return []sdk.Tool{
		sdk.NewTool(s2020, func(_ context.Context, _ *sdk.Call, in json.RawMessage) (*sdk.Result, error) {
			return sdk.Text("JSON Schema 2020-12 tool called with: " + string(in)), nil
		}),
		sdk.NewTool(header, func(_ context.Context, _ *sdk.Call, in XMCPHeaderInput) (*sdk.Result, error) {
			return sdk.Text("region=" + in.Region), nil
		}),
	}
}

// XMCPHeaderInput is test_x_mcp_header's input.
type XMCPHeaderInput struct {
	Region string `json:"region,omitempty"`
	Level  int    `json:"level,omitempty"`
}
