package main

import (
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

func TestDeclares(t *testing.T) {
	h := sdktest.New(t, New())
	for _, tool := range h.Tools() {
		t.Log(tool.Name, len(tool.InputSchema), len(tool.OutputSchema))
	}
}

func TestPrintSchema(t *testing.T) {
	h := sdktest.New(t, New())
	for _, tool := range h.Tools() {
		if tool.Name == "mark_invoice_paid" || tool.Name == "create_product" {
			t.Log(string(tool.InputSchema))
		}
	}
}
