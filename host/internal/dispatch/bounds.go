package dispatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// DefaultMaxString is the longest text a tool argument may hold unless the
// deployment says otherwise (calls.max_string_bytes): far above any field
// Billy takes (its longest free texts are a few thousand characters), far
// below what would hurt a plugin or fill a log.
const DefaultMaxString = 64 << 10

// checkText refuses arguments with text that is not UTF-8 (the plugin
// contract carries arguments as protobuf strings, which must be UTF-8, and
// Billy takes JSON) or longer than max bytes, naming the field. Arguments
// that pass both are not walked: a string cannot be longer than the whole.
func checkText(args json.RawMessage, max int) *errmodel.Error {
	if utf8.Valid(args) && len(args) <= max {
		return nil
	}
	var v json.RawMessage = args
	if field, why := findText(v, "", max); field != "" {
		return errmodel.Invalid("the arguments have "+why, errmodel.FieldError{Field: field, Message: why})
	}
	if !utf8.Valid(args) {
		// Outside any string (a key, say): name the whole.
		return errmodel.Invalid("the arguments are not UTF-8", errmodel.FieldError{Field: "arguments", Message: "must be UTF-8 JSON"})
	}
	return nil
}

// findText walks raw JSON for the first string value that is not UTF-8 or
// is longer than max bytes; it returns its path and what is wrong. (A key
// that is not UTF-8 comes back from decoding already mended, so it is named
// as the whole arguments by checkText.)
func findText(raw json.RawMessage, path string, max int) (string, string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		for k, v := range obj {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if f, why := findText(v, p, max); f != "" {
				return f, why
			}
		}
		return "", ""
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil && arr != nil {
		for i, v := range arr {
			if f, why := findText(v, path+"["+strconv.Itoa(i)+"]", max); f != "" {
				return f, why
			}
		}
		return "", ""
	}
	if len(raw) > 0 && raw[0] == '"' {
		if !utf8.Valid(raw) {
			return path, "text that is not UTF-8"
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && len(s) > max {
			return path, fmt.Sprintf("text of %d bytes, more than the %d allowed", len(s), max)
		}
	}
	return "", ""
}
