package presets

import (
	"context"
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// sdkCaller binds the engine to the call being served: every step runs as
// its caller, through the host.
type sdkCaller struct{ call *sdk.Call }

func (c sdkCaller) CallTool(ctx context.Context, name string, args map[string]any) (any, error) {
	res, err := c.call.Host.CallTool(ctx, name, args)
	if err != nil {
		return nil, err
	}
	if len(res.Structured) > 0 {
		var v any
		if err := json.Unmarshal(res.Structured, &v); err != nil {
			return nil, err
		}
		return v, nil
	}
	// No structured content: the text, parsed when it is JSON.
	var text string
	for _, ct := range res.Content {
		if t, ok := ct.(*sdk.TextContent); ok {
			text += t.Text
		}
	}
	var v any
	if json.Unmarshal([]byte(text), &v) == nil {
		return v, nil
	}
	return text, nil
}

func (c sdkCaller) Progress(ctx context.Context, done, total int, message string) {
	_ = c.call.Host.Progress(ctx, float64(done), float64(total), message)
}
