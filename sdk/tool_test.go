package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type greetIn struct {
	Name string `json:"name" jsonschema:"who to greet"`
	Age  int    `json:"age,omitempty"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

func greet(_ context.Context, _ *Call, in greetIn) (greetOut, error) {
	return greetOut{Greeting: "Hej, " + in.Name}, nil
}

func TestDeclarationErrorsAreReportedTogether(t *testing.T) {
	p := &Plugin{Name: "p", Version: "1", Tools: []Tool{
		NewTool(ToolSpec{Name: "bad name!", Description: "x", Effect: ReadOnly}, greet),
		NewTool(ToolSpec{Name: "nodesc", Effect: ReadOnly}, greet),
		NewTool(ToolSpec{Name: "noeffect", Description: "x"}, greet),
		NewTool(ToolSpec{Name: "notstruct", Description: "x", Effect: ReadOnly},
			func(context.Context, *Call, string) (greetOut, error) { return greetOut{}, nil }),
		NewTool(ToolSpec{Name: "ok", Description: "x", Effect: ReadOnly}, greet),
		NewTool(ToolSpec{Name: "ok", Description: "x", Effect: ReadOnly}, greet),
		{},
	}}
	_, err := p.goPlugin(nil)
	if err == nil {
		t.Fatal("a wrongly declared plugin was accepted")
	}
	for _, want := range []string{`"bad name!"`, "nodesc: Description is required", "noeffect: Effect must be", "notstruct: input type", "ok: declared twice", "declare tools with sdk.NewTool"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestSchemasComeFromTypes(t *testing.T) {
	tool := NewTool(ToolSpec{Name: "greet", Description: "x", Effect: ReadOnly}, greet)
	var in struct {
		Type       string                     `json:"type"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Additional bool                       `json:"additionalProperties"`
	}
	if err := json.Unmarshal(tool.InputSchema(), &in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"name"}, in.Required); diff != "" || in.Type != "object" || in.Additional || len(in.Properties) != 2 {
		t.Errorf("input schema %s (required diff %s)", tool.InputSchema(), diff)
	}
	if !strings.Contains(string(tool.OutputSchema()), `"greeting"`) {
		t.Errorf("output schema %s", tool.OutputSchema())
	}
	raw := NewTool(ToolSpec{Name: "raw", Description: "x", Effect: ReadOnly},
		func(context.Context, *Call, struct{}) (*Result, error) { return Text("x"), nil })
	if raw.OutputSchema() != nil {
		t.Errorf("a *Result tool declares no output schema, got %s", raw.OutputSchema())
	}
}

func TestDecodeArgumentsIsStrict(t *testing.T) {
	tool := NewTool(ToolSpec{Name: "greet", Description: "x", Effect: ReadOnly}, greet)
	tests := []struct {
		args      string
		wantField string
		wantErr   bool
	}{
		{args: `{"name":"Ada"}`},
		{args: ``},
		{args: `null`},
		{args: `{"name":7}`, wantErr: true, wantField: "name"},
		{args: `{"name":"Ada","extra":1}`, wantErr: true},
		{args: `{"name":`, wantErr: true},
	}
	for _, tt := range tests {
		_, err := tool.call(context.Background(), &Call{}, json.RawMessage(tt.args))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v", tt.args, err)
			continue
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Category != CategoryValidation) {
			t.Errorf("%s: want a validation error, got %v", tt.args, err)
		}
		if tt.wantField != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.wantField) {
			t.Errorf("%s: want field %s, got %+v", tt.args, tt.wantField, e)
		}
	}
}

type pdfOut struct {
	URL string `json:"url"`
}

func (p pdfOut) AddedContent() []Content {
	return []Content{&ResourceLink{URI: p.URL, Name: "x.pdf", MIMEType: "application/pdf"}}
}

func TestContentAdder(t *testing.T) {
	tool := NewTool(ToolSpec{Name: "pdf", Description: "x", Effect: ReadOnly},
		func(context.Context, *Call, struct{}) (pdfOut, error) { return pdfOut{URL: "https://x/y.pdf"}, nil })
	res, err := tool.call(context.Background(), &Call{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Content) != 2 {
		t.Fatalf("content: %+v", res.Content)
	}
	if l, ok := res.Content[1].(*ResourceLink); !ok || l.URI != "https://x/y.pdf" {
		t.Errorf("second item: %+v", res.Content[1])
	}
	if string(res.Structured.(json.RawMessage)) != `{"url":"https://x/y.pdf"}` {
		t.Errorf("structured: %s", res.Structured)
	}
}

func TestTemplateMatcher(t *testing.T) {
	m, err := compileTemplate("billy://invoices/{id}/lines/{line}")
	if err != nil {
		t.Fatal(err)
	}
	vars, ok := m.match("billy://invoices/abc/lines/7")
	if !ok || cmp.Diff(map[string]string{"id": "abc", "line": "7"}, vars) != "" {
		t.Errorf("match: %v %v", vars, ok)
	}
	for _, uri := range []string{"billy://invoices/abc", "billy://invoices/a/b/lines/7", "other://invoices/abc/lines/7"} {
		if _, ok := m.match(uri); ok {
			t.Errorf("%s matched", uri)
		}
	}
	if _, err := compileTemplate("x://{a}{"); err == nil {
		t.Error("an unbalanced template compiled")
	}
}

// Toward a host that puts it back, the text item that only repeats the
// structured content is left out of the wire; any other content stays.
func TestResultToWireTextFromStructured(t *testing.T) {
	res := &Result{Structured: map[string]int{"n": 1}, Content: []Content{&TextContent{Text: `{"n":1}`}, &TextContent{Text: "note"}}}
	for _, tt := range []struct {
		fromStructured bool
		want           int
		flag           bool
	}{{false, 2, false}, {true, 1, true}} {
		w, err := resultToWire(res, tt.fromStructured)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Content) != tt.want || w.TextFromStructured != tt.flag || w.StructuredContentJson != `{"n":1}` {
			t.Errorf("fromStructured=%v: %d items, flag %v, structured %s", tt.fromStructured, len(w.Content), w.TextFromStructured, w.StructuredContentJson)
		}
	}
	// A first text item that differs from the structured content stays.
	other := &Result{Structured: map[string]int{"n": 1}, Content: []Content{&TextContent{Text: "1 invoice"}}}
	if w, _ := resultToWire(other, true); len(w.Content) != 1 || w.TextFromStructured {
		t.Errorf("a summary text was dropped: %+v", w)
	}
}
