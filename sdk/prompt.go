package sdk

import "context"

// Prompt is a reusable prompt template the plugin offers to clients.
type Prompt struct {
	Name, Title, Description string
	Arguments                []PromptArgument
	Get                      func(ctx context.Context, call *Call, args map[string]string) (*PromptResult, error)
}

// PromptArgument is one named argument of a prompt.
type PromptArgument struct {
	Name, Description string
	Required          bool
}

// PromptResult is a rendered prompt.
type PromptResult struct {
	Description string
	Messages    []PromptMessage
}

// PromptMessage is one message of a rendered prompt.
type PromptMessage struct {
	Role    string // "user" or "assistant"
	Content Content
}
