package workflow

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/plugins/presets/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compiledSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Workflow))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("workflow.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("workflow.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// schemaExamples are workflows with what the published schema and Validate
// say of them. "semantic" ones pass the schema and fail Validate: rules a
// schema cannot state (unique IDs, references, expressions, limits of
// durations).
var schemaExamples = []struct {
	name, src string
	want      string // valid, invalid or semantic
}{
	{"minimal", `{"version":1,"id":"a","steps":[{"id":"s","tool":"list_invoices"}]}`, "valid"},
	{"everything", `{"version":1,"id":"all","title":"T","description":"D","business_type":"service","category":"c",
		"inputs":{"xs":{"type":"array","required":true,"description":"d"},"n":{"type":"integer","default":3}},
		"steps":[{"id":"a","tool":"list_invoices","if":"inputs.n > 1","timeout":"30s","retry":{"attempts":3,"backoff":"1s","max_backoff":"10s"}},
		{"id":"b","tool":"create_invoice","for_each":"inputs.xs","max_items":10,"as":"x","write":true,"confirm":true,"continue_on_error":false,
		 "args":{"contactId":"${{ x }}","n":"${{ steps.a.output }}"},"compensate":{"tool":"delete","args":{"id":"${{ output.id }}"},"if":"output != nil","idempotency_key":true}}],
		"output":{"count":"len(steps.b.outputs)"}}`, "valid"},
	{"numeric timeout", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","timeout":30}]}`, "valid"},
	{"key on a write", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","write":true,"idempotency_key":false}]}`, "valid"},
	{"version 2", `{"version":2,"id":"a","steps":[{"id":"s","tool":"t"}]}`, "invalid"},
	{"no id", `{"version":1,"steps":[{"id":"s","tool":"t"}]}`, "invalid"},
	{"bad id", `{"version":1,"id":"A b","steps":[{"id":"s","tool":"t"}]}`, "invalid"},
	{"no steps", `{"version":1,"id":"a","steps":[]}`, "invalid"},
	{"unknown field", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","shell":"ls"}]}`, "invalid"},
	{"unknown top field", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t"}],"x":1}`, "invalid"},
	{"bad business type", `{"version":1,"id":"a","business_type":"farm","steps":[{"id":"s","tool":"t"}]}`, "invalid"},
	{"bad input type", `{"version":1,"id":"a","inputs":{"x":{"type":"date"}},"steps":[{"id":"s","tool":"t"}]}`, "invalid"},
	{"attempts 11", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","retry":{"attempts":11}}]}`, "invalid"},
	{"max_items 501", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","for_each":"[]","max_items":501}]}`, "invalid"},
	{"max_items without for_each", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","max_items":5}]}`, "invalid"},
	{"as reserved", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","for_each":"[]","as":"steps"}]}`, "invalid"},
	{"bad duration", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","timeout":"soon"}]}`, "invalid"},
	{"key on a read", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","idempotency_key":true}]}`, "invalid"},
	{"bad tool", `{"version":1,"id":"a","steps":[{"id":"s","tool":"rm -rf"}]}`, "invalid"},
	{"duplicate step", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t"},{"id":"s","tool":"t"}]}`, "semantic"},
	{"forward reference", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","if":"steps.u.status == 'done'"},{"id":"u","tool":"t"}]}`, "semantic"},
	{"syntax error", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","if":"1 +"}]}`, "semantic"},
	{"timeout too long", `{"version":1,"id":"a","steps":[{"id":"s","tool":"t","timeout":"11m"}]}`, "semantic"},
}

func TestSchemaAgrees(t *testing.T) {
	s := compiledSchema(t)
	for _, ex := range schemaExamples {
		t.Run(ex.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(ex.src)))
			if err != nil {
				t.Fatal(err)
			}
			schemaOK := s.Validate(doc) == nil
			_, goErr := Parse([]byte(ex.src))
			goOK := goErr == nil
			var got string
			switch {
			case schemaOK && goOK:
				got = "valid"
			case !schemaOK && !goOK:
				got = "invalid"
			case schemaOK && !goOK:
				got = "semantic"
			default:
				got = "schema refuses what Validate accepts"
			}
			if got != ex.want {
				t.Errorf("got %s, want %s (schema: %v; Validate: %v)", got, ex.want, s.Validate(doc), goErr)
			}
		})
	}
}

// FuzzParse: Parse never panics, and whatever it accepts the schema
// accepts too (Validate is the stricter of the two).
func FuzzParse(f *testing.F) {
	for _, ex := range schemaExamples {
		f.Add([]byte(ex.src))
	}
	s := compiledSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse(data)
		if err != nil {
			return
		}
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(doc); err != nil {
			t.Errorf("Parse accepted %s, the schema refuses it: %v", data, err)
		}
	})
}
