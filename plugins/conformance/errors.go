package main

import (
	"context"
	"errors"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// FixtureErrorInput says which error fixture_error returns.
type FixtureErrorInput struct {
	Category          string           `json:"category" jsonschema:"the error model category"`
	Code              string           `json:"code"`
	Message           string           `json:"message"`
	Fields            []sdk.FieldError `json:"fields,omitempty"`
	UpstreamCode      string           `json:"upstreamCode,omitempty"`
	RetryAfterSeconds int              `json:"retryAfterSeconds,omitempty"`
	// Plain returns a plain Go error with Message as its text instead: the
	// caller must see a masked internal error, and the text only the log.
	Plain bool `json:"plain,omitempty"`
}

// fixtureError lets the end-to-end tests send every category and field of
// the error model from a plugin through each transport to a client.
func fixtureError() sdk.Tool {
	return sdk.NewTool(spec("fixture_error",
		"Test fixture: fails with the error described by its arguments (any category, code, fields), or with a plain Go error."),
		func(_ context.Context, _ *sdk.Call, in FixtureErrorInput) (*sdk.Result, error) {
			if in.Plain {
				return nil, errors.New(in.Message)
			}
			e := sdk.NewError(sdk.Category(in.Category), in.Code, "%s", in.Message)
			e.Fields, e.UpstreamCode, e.RetryAfterSeconds = in.Fields, in.UpstreamCode, in.RetryAfterSeconds
			return nil, e
		})
}
