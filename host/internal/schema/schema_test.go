package schema

import (
	"testing"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

const invoiceSchema = `{
  "type": "object",
  "properties": {
    "contactId": {"type": "string", "minLength": 1},
    "currency": {"type": "string", "enum": ["DKK", "EUR"]},
    "lines": {"type": "array", "minItems": 1, "items": {
      "type": "object",
      "properties": {"description": {"type": "string"}, "unitPrice": {"type": "number"}},
      "required": ["description", "unitPrice"],
      "additionalProperties": false
    }}
  },
  "required": ["contactId", "lines"],
  "additionalProperties": false
}`

func TestValidate(t *testing.T) {
	s, err := Compile("create_invoice", []byte(invoiceSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args string
		want []string // field paths
	}{
		{name: "valid", args: `{"contactId":"c1","lines":[{"description":"x","unitPrice":10}]}`},
		{name: "empty means no arguments", args: ``, want: []string{"contactId", "lines"}},
		{name: "missing required", args: `{"lines":[{"description":"x","unitPrice":1}]}`, want: []string{"contactId"}},
		{name: "wrong nested type", args: `{"contactId":"c","lines":[{"description":"x","unitPrice":"ten"}]}`, want: []string{"lines[0].unitPrice"}},
		{name: "missing nested", args: `{"contactId":"c","lines":[{"description":"x"},{"unitPrice":2}]}`, want: []string{"lines[0].unitPrice", "lines[1].description"}},
		{name: "unknown field", args: `{"contactId":"c","lines":[{"description":"x","unitPrice":1}],"extra":1}`, want: []string{"extra"}},
		{name: "enum", args: `{"contactId":"c","currency":"USD","lines":[{"description":"x","unitPrice":1}]}`, want: []string{"currency"}},
		{name: "not an object", args: `[1,2]`, want: []string{"arguments"}},
		{name: "not JSON", args: `{"contactId":`, want: []string{"arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.Validate([]byte(tt.args))
			var got []string
			if e != nil {
				if e.Category != errmodel.Validation {
					t.Fatalf("category = %s", e.Category)
				}
				for _, f := range e.Fields {
					got = append(got, f.Field)
					if f.Message == "" {
						t.Errorf("field %s has no message", f.Field)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerror: %v", diff, e)
			}
		})
	}
}

func TestUnknownFieldListsAllowed(t *testing.T) {
	s, err := Compile("t", []byte(invoiceSchema))
	if err != nil {
		t.Fatal(err)
	}
	e := s.Validate([]byte(`{"contactId":"c","lines":[{"description":"x","unitPrice":1}],"customerID":"x"}`))
	want := "is not a known field (allowed: contactId, currency, lines)"
	if e == nil || e.Fields[0].Message != want {
		t.Fatalf("got %v, want message %q", e, want)
	}
}

func TestCompileRejectsBadSchema(t *testing.T) {
	for _, doc := range []string{`{`, `{"type": 7}`, `{"$ref": "#/nowhere"}`} {
		if _, err := Compile("bad", []byte(doc)); err == nil {
			t.Errorf("Compile(%s) succeeded", doc)
		}
	}
}

func FuzzValidate(f *testing.F) {
	s, err := Compile("create_invoice", []byte(invoiceSchema))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{`{}`, `{"contactId":"c","lines":[{"description":"x","unitPrice":1}]}`, `[`, `null`, `{"lines":[{}]}`, `"x"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, args []byte) {
		e := s.Validate(args)
		if e == nil {
			return
		}
		if e.Category != errmodel.Validation || len(e.Fields) == 0 {
			t.Fatalf("invalid arguments must give a validation error with fields, got %#v", e)
		}
	})
}
