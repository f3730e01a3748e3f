package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Resource URIs and texts the conformance suite expects, verbatim.
const (
	staticTextURI   = "test://static-text"
	staticText      = "This is the content of the static text resource."
	staticBinaryURI = "test://static-binary"
	watchedURI      = "test://watched-resource"
	watchedText     = "Watched resource content"
	templateURI     = "test://template/{id}/data"
)

// constant returns a resource Read that always serves c.
func constant(c sdk.ResourceContents) func(context.Context, *sdk.Call) ([]sdk.ResourceContents, error) {
	return func(context.Context, *sdk.Call) ([]sdk.ResourceContents, error) {
		return []sdk.ResourceContents{c}, nil
	}
}

func resources() []sdk.Resource {
	return []sdk.Resource{
		{
			URI: staticTextURI, Name: "static-text", Title: "Static Text Resource",
			Description: "A static text resource for testing", MIMEType: "text/plain",
			Read: constant(sdk.ResourceContents{URI: staticTextURI, MIMEType: "text/plain", Text: staticText}),
		},
		{
			URI: staticBinaryURI, Name: "static-binary", Title: "Static Binary Resource",
			Description: "A static binary resource (a 1x1 PNG image) for testing", MIMEType: "image/png",
			Read: constant(sdk.ResourceContents{URI: staticBinaryURI, MIMEType: "image/png", Blob: pngPixel}),
		},
		{
			// Clients subscribe to it; the subscription itself is the host's
			// business.
			URI: watchedURI, Name: "watched-resource", Title: "Watched Resource",
			Description: "A resource for subscription testing", MIMEType: "text/plain",
			Read: constant(sdk.ResourceContents{URI: watchedURI, MIMEType: "text/plain", Text: watchedText}),
		},
	}
}

// templateData is what test://template/{id}/data holds. The field order
// gives the JSON the suite shows: {"id":"123","templateTest":true,"data":"Data for ID: 123"}.
type templateData struct {
	ID           string `json:"id"`
	TemplateTest bool   `json:"templateTest"`
	Data         string `json:"data"`
}

func resourceTemplates() []sdk.ResourceTemplate {
	return []sdk.ResourceTemplate{{
		URITemplate: templateURI, Name: "template", Title: "Resource Template",
		Description: "A resource template with parameter substitution", MIMEType: "application/json",
		Read: func(_ context.Context, _ *sdk.Call, uri string, vars map[string]string) ([]sdk.ResourceContents, error) {
			id := vars["id"]
			b, err := json.Marshal(templateData{ID: id, TemplateTest: true, Data: "Data for ID: " + id})
			if err != nil {
				return nil, err
			}
			return []sdk.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
		},
	}}
}

func userText(s string) sdk.PromptMessage {
	return sdk.PromptMessage{Role: "user", Content: &sdk.TextContent{Text: s}}
}

func prompts() []sdk.Prompt {
	return append(fixedPrompts(), roundTripPrompt())
}

func fixedPrompts() []sdk.Prompt {
	return []sdk.Prompt{
		{
			Name: "test_simple_prompt", Title: "Simple Test Prompt", Description: "A simple prompt without arguments",
			Get: func(context.Context, *sdk.Call, map[string]string) (*sdk.PromptResult, error) {
				return &sdk.PromptResult{Messages: []sdk.PromptMessage{userText("This is a simple prompt for testing.")}}, nil
			},
		},
		{
			Name: "test_prompt_with_arguments", Title: "Prompt With Arguments", Description: "A prompt with required arguments",
			Arguments: []sdk.PromptArgument{
				{Name: "arg1", Description: "First test argument", Required: true},
				{Name: "arg2", Description: "Second test argument", Required: true},
			},
			Get: func(_ context.Context, _ *sdk.Call, args map[string]string) (*sdk.PromptResult, error) {
				return &sdk.PromptResult{Messages: []sdk.PromptMessage{
					userText(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", args["arg1"], args["arg2"])),
				}}, nil
			},
		},
		{
			Name: "test_prompt_with_embedded_resource", Title: "Prompt With Embedded Resource",
			Description: "A prompt that includes an embedded resource",
			Arguments:   []sdk.PromptArgument{{Name: "resourceUri", Description: "URI of the resource to embed", Required: true}},
			Get: func(_ context.Context, _ *sdk.Call, args map[string]string) (*sdk.PromptResult, error) {
				return &sdk.PromptResult{Messages: []sdk.PromptMessage{
					{Role: "user", Content: &sdk.EmbeddedResource{Resource: sdk.ResourceContents{
						URI: args["resourceUri"], MIMEType: "text/plain", Text: "Embedded resource content for testing."}}},
					userText("Please process the embedded resource above."),
				}}, nil
			},
		},
		{
			Name: "test_prompt_with_image", Title: "Prompt With Image", Description: "A prompt that includes image content",
			Get: func(context.Context, *sdk.Call, map[string]string) (*sdk.PromptResult, error) {
				return &sdk.PromptResult{Messages: []sdk.PromptMessage{
					{Role: "user", Content: &sdk.ImageContent{Data: pngPixel, MIMEType: "image/png"}},
					userText("Please analyze the image above."),
				}}, nil
			},
		},
	}
}
