package workflow

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTextYAML(t *testing.T) {
	const y = `
version: 1
id: retainers
business_type: service
inputs:
  retainers: {type: array, required: true}
steps:
  - id: create
    tool: create_invoice
    write: true
    for_each: inputs.retainers
    max_items: 10
    timeout: 30s
    retry: {attempts: 3, backoff: 1s}
    args:
      contactId: "${{ item.contactId }}"
      lines: [{productId: "${{ item.productId }}", quantity: 1}]
    compensate:
      tool: delete_draft_invoice
      args: {invoiceId: "${{ output.record.id }}"}
output:
  count: len(steps.create.outputs)
`
	const j = `{"version":1,"id":"retainers","business_type":"service","inputs":{"retainers":{"type":"array","required":true}},
	"steps":[{"id":"create","tool":"create_invoice","write":true,"for_each":"inputs.retainers","max_items":10,"timeout":"30s",
	"retry":{"attempts":3,"backoff":"1s"},"args":{"contactId":"${{ item.contactId }}","lines":[{"productId":"${{ item.productId }}","quantity":1}]},
	"compensate":{"tool":"delete_draft_invoice","args":{"invoiceId":"${{ output.record.id }}"}}}],"output":{"count":"len(steps.create.outputs)"}}`
	fromYAML, err := ParseText([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseText([]byte(j))
	if err != nil {
		t.Fatal(err)
	}
	// Both keep numbers as json.Number; compare them as plain values.
	fromJSON.Steps[0].Args = plain(fromJSON.Steps[0].Args).(map[string]any)
	fromYAML.Steps[0].Args = plain(fromYAML.Steps[0].Args).(map[string]any)
	if diff := cmp.Diff(fromJSON, fromYAML); diff != "" {
		t.Errorf("YAML and JSON differ (-json +yaml):\n%s", diff)
	}
	for _, bad := range []string{"- a list", "version: 1\nid: x\nsteps: []\n---\nversion: 1\n", "{nope", "version: 1\nid: x\nsteps: [{id: a, tool: t, shell: ls}]"} {
		if _, err := ParseText([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
