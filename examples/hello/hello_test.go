package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

func TestGreet(t *testing.T) {
	tests := []struct {
		name    string
		config  any
		args    any
		want    GreetOutput
		wantErr string // field named in the validation error
	}{
		{name: "default greeting", args: GreetInput{Name: "Ada"}, want: GreetOutput{Greeting: "Hej, Ada!"}},
		{name: "configured greeting", config: Config{Greeting: "Goddag"}, args: GreetInput{Name: "Ada"}, want: GreetOutput{Greeting: "Goddag, Ada!"}},
		{name: "blank name", args: GreetInput{Name: "  "}, wantErr: "name"},
		{name: "wrong type", args: map[string]any{"name": 7}, wantErr: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []sdktest.Option
			if tt.config != nil {
				opts = append(opts, sdktest.WithConfig(tt.config))
			}
			h := sdktest.New(t, New(), opts...)
			var got GreetOutput
			err := h.CallToolInto(context.Background(), "hello_greet", tt.args, &got)
			if tt.wantErr != "" {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || len(e.Fields) == 0 || e.Fields[0].Field != tt.wantErr {
					t.Fatalf("want a validation error naming %q, got %#v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("greeting (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigRejected(t *testing.T) {
	_, err := sdktest.Start(t, New(), sdktest.WithConfig(map[string]any{"greeting": "this greeting is far too long to be a greeting at all"}))
	var e *sdk.Error
	if !errors.As(err, &e) || e.Fields[0].Field != "greeting" {
		t.Fatalf("want a config error naming greeting, got %v", err)
	}
}

func TestOrganizationCallsBillyThroughHost(t *testing.T) {
	var gotPath string
	h := sdktest.New(t, New(), sdktest.WithCaller(sdk.Caller{OrganizationID: "org-1"}),
		sdktest.WithBilly(func(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			gotPath = req.Method + " " + req.Path
			return &sdk.BillyResponse{Status: 200, Body: json.RawMessage(`{"organization":{"id":"org-1","name":"Hansen ApS"}}`)}, nil
		}))
	var got OrganizationOutput
	if err := h.CallToolInto(context.Background(), "hello_organization", struct{}{}, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(OrganizationOutput{ID: "org-1", Name: "Hansen ApS"}, got); diff != "" {
		t.Errorf("organization (-want +got):\n%s", diff)
	}
	if gotPath != "GET /organizations/org-1" {
		t.Errorf("Billy request = %q", gotPath)
	}
}

func TestCountReportsProgress(t *testing.T) {
	h := sdktest.New(t, New())
	var got CountOutput
	if err := h.CallToolInto(context.Background(), "hello_count", CountInput{N: 3}, &got); err != nil {
		t.Fatal(err)
	}
	want := []sdktest.Progress{
		{Progress: 1, Total: 3, Message: "counted 1"},
		{Progress: 2, Total: 3, Message: "counted 2"},
		{Progress: 3, Total: 3, Message: "counted 3"},
	}
	if diff := cmp.Diff(want, h.Progress()); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestToolsDescribeHonestly(t *testing.T) {
	h := sdktest.New(t, New())
	for _, tool := range h.Tools() {
		if !tool.ReadOnly || tool.Destructive {
			t.Errorf("%s: every hello tool is read-only and not destructive", tool.Name)
		}
		if len(tool.OutputSchema) == 0 {
			t.Errorf("%s: missing output schema", tool.Name)
		}
	}
}
