package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

type GreetInput struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

type GreetOutput struct {
	Greeting string `json:"greeting"`
}

// A tool is a typed handler: the input and output schemas come from the Go
// types, and the output's value is the structured content.
func ExampleNewTool() {
	greet := sdk.NewTool(sdk.ToolSpec{
		Name:        "hello_greet",
		Title:       "Greet someone",
		Description: "Greets a person by name. Use it to say hello.",
		Effect:      sdk.ReadOnly,
		ClosedWorld: true,
	}, func(ctx context.Context, call *sdk.Call, in GreetInput) (GreetOutput, error) {
		if strings.TrimSpace(in.Name) == "" {
			return GreetOutput{}, sdk.Invalid("name", "must not be blank")
		}
		return GreetOutput{Greeting: "Hej, " + in.Name + "!"}, nil
	})
	fmt.Println(greet.Name())
	fmt.Println(string(greet.InputSchema()))
	fmt.Println(string(greet.OutputSchema()))
	// Output:
	// hello_greet
	// {"type":"object","properties":{"name":{"type":"string","description":"who to greet"}},"required":["name"],"additionalProperties":false}
	// {"type":"object","properties":{"greeting":{"type":"string"}}}
}

// Errors a caller should see are *sdk.Error values: a stable code, a
// category, a message that says what to do, and the offending fields. Any
// other error reaches the caller as a masked internal error.
func ExampleNewError() {
	err := sdk.NewError(sdk.CategoryConflict, "invoice_already_paid",
		"invoice %s is paid in full; record a refund instead", "1042")
	fmt.Println(err)
	fmt.Println(err.Retryable)

	var e *sdk.Error
	wrapped := fmt.Errorf("approving: %w", err)
	fmt.Println(errors.As(wrapped, &e), e.Code)
	// Output:
	// invoice_already_paid: invoice 1042 is paid in full; record a refund instead
	// false
	// true invoice_already_paid
}

// Invalid names the field and what is allowed; the host shows every field
// error to the caller.
func ExampleInvalid() {
	err := sdk.Invalid("lines[0].quantity", "must be greater than 0, got %d", -2)
	b, _ := json.Marshal(err)
	fmt.Println(string(b))
	// Output:
	// {"code":"invalid_arguments","category":"validation","message":"invalid value for lines[0].quantity: must be greater than 0, got -2","fields":[{"field":"lines[0].quantity","message":"must be greater than 0, got -2"}],"retryable":false}
}

// Serve is the whole of a plugin's main function.
func ExampleServe() {
	greet := sdk.NewTool(sdk.ToolSpec{Name: "hello_greet", Description: "Greets a person by name.", Effect: sdk.ReadOnly},
		func(ctx context.Context, call *sdk.Call, in GreetInput) (GreetOutput, error) {
			return GreetOutput{Greeting: "Hej, " + in.Name + "!"}, nil
		})
	sdk.Serve(&sdk.Plugin{Name: "hello", Version: "1.0.0", Tools: []sdk.Tool{greet}})
}
