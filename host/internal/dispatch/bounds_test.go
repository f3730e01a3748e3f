package dispatch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckText(t *testing.T) {
	long := strings.Repeat("x", 20)
	tests := []struct {
		name  string
		args  string
		field string // "" for accepted
	}{
		{"plain", `{"name":"Ada","lines":[{"text":"Rådgivning"}]}`, ""},
		{"escaped, in bounds", `{"name":"\u00e6\u00f8\u00e5"}`, ""},
		{"not UTF-8 in a value", "{\"name\":\"A\xffda\"}", "name"},
		{"not UTF-8 deep", "{\"lines\":[{\"text\":\"ok\"},{\"text\":\"\xc3\x28\"}]}", "lines[1].text"},
		{"not UTF-8 in a key", "{\"n\xffame\":\"Ada\"}", "arguments"},
		{"too long", `{"lines":[{"text":"` + long + `"}]}`, "lines[0].text"},
		{"too long only escaped", `{"t":"` + strings.Repeat(`\u00e6`, 4) + `"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := checkText(json.RawMessage(tt.args), 16)
			got := ""
			if e != nil {
				got = e.Fields[0].Field
				if e.Code != "invalid_arguments" || e.Category != "validation" {
					t.Errorf("error %+v", e)
				}
			}
			if diff := cmp.Diff(tt.field, got); diff != "" {
				t.Errorf("field (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzCheckText: whatever the bytes, checkText answers (no panic), and what
// it accepts is UTF-8.
func FuzzCheckText(f *testing.F) {
	f.Add([]byte(`{"a":"b"}`))
	f.Add([]byte("{\"a\":\"\xff\"}"))
	f.Add([]byte(`[1,"x",{"y":[true,null]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e := checkText(json.RawMessage(b), 8); e == nil && !isUTF8(b) {
			t.Errorf("accepted bytes that are not UTF-8: %q", b)
		}
	})
}

func isUTF8(b []byte) bool { return strings.ToValidUTF8(string(b), "") == string(b) }
