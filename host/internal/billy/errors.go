package billy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Error codes of the gateway. Codes starting with "billy_" are Billy's own
// answers; "upstream_" ones are about reaching Billy at all.
const (
	CodeInvalidRequest         = "invalid_billy_request"
	CodeCredentialsUnavailable = "billy_credentials_unavailable"
	CodeValidation             = "billy_validation_failed"
	CodeUnauthorized           = "billy_unauthorized"
	CodeForbidden              = "billy_forbidden"
	CodeNotFound               = "billy_not_found"
	CodeConflict               = "billy_conflict"
	CodeMethodNotAllowed       = "billy_method_not_allowed"
	CodeRateLimited            = "billy_rate_limited"
	CodeRequestRejected        = "billy_request_rejected"
	CodeLocalRateLimited       = "billy_local_rate_limited"
	CodeUpstreamUnavailable    = "upstream_unavailable"
	CodeUpstreamUnreachable    = "upstream_unreachable"
	CodeUpstreamTimeout        = "upstream_timeout"
	CodeUnexpectedResponse     = "upstream_unexpected_response"
	CodeResponseTooLarge       = "upstream_response_too_large"
	CodeCircuitOpen            = "upstream_circuit_open"
	CodeWriteOutcomeUnknown    = errmodel.CodeWriteOutcomeUnknown
)

// billyError is what could be read from Billy's error body. Billy documents
// {"meta":{...},"errorCode":"...","errorMessage":"...","validationErrors":{
// "<record>":{"message":"...","attributes":{"<field>":"..."}}}}; the parser
// also accepts the variants other clients and Billy's v1 used (message,
// error, code, arrays of {field,message}) because none of it is formally
// specified (billy-api.md §5, §11).
type billyError struct {
	Code    string
	Message string
	Fields  []errmodel.FieldError
}

func parseBillyError(body []byte) billyError {
	var out billyError
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(body), &top) != nil {
		return out
	}
	out.Code = firstString(top, "errorCode", "code", "error_code")
	out.Message = firstString(top, "errorMessage", "message", "error_message")
	if raw, ok := top["error"]; ok {
		// v1 and some proxies: "error": "text" or "error": {"code","message"}.
		var s string
		var obj map[string]json.RawMessage
		switch {
		case json.Unmarshal(raw, &s) == nil:
			if out.Message == "" {
				out.Message = s
			}
		case json.Unmarshal(raw, &obj) == nil:
			if out.Code == "" {
				out.Code = firstString(obj, "errorCode", "code")
			}
			if out.Message == "" {
				out.Message = firstString(obj, "errorMessage", "message")
			}
		}
	}
	for _, key := range []string{"validationErrors", "errors"} {
		if raw, ok := top[key]; ok {
			out.Fields = append(out.Fields, parseValidationErrors(raw)...)
		}
	}
	return out
}

func firstString(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		var s string
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// parseValidationErrors turns Billy's validationErrors into field errors
// named "<record>.<attribute>" (e.g. "invoice.contactId"); a record-level
// message is named after the record alone. Output is sorted for stable
// messages.
func parseValidationErrors(raw json.RawMessage) []errmodel.FieldError {
	var fields []errmodel.FieldError
	var asMap map[string]json.RawMessage
	var asList []json.RawMessage
	switch {
	case json.Unmarshal(raw, &asMap) == nil:
		for record, v := range asMap {
			fields = append(fields, parseRecordErrors(record, v)...)
		}
	case json.Unmarshal(raw, &asList) == nil:
		for _, item := range asList {
			var obj map[string]json.RawMessage
			if json.Unmarshal(item, &obj) != nil {
				if msg := messageOf(item); msg != "" {
					fields = append(fields, errmodel.FieldError{Message: msg})
				}
				continue
			}
			name := firstString(obj, "field", "attribute", "property", "name", "path")
			msg := firstString(obj, "message", "errorMessage", "error")
			if name != "" || msg != "" {
				fields = append(fields, errmodel.FieldError{Field: name, Message: msg})
			}
		}
	}
	sort.SliceStable(fields, func(i, j int) bool {
		if fields[i].Field != fields[j].Field {
			return fields[i].Field < fields[j].Field
		}
		return fields[i].Message < fields[j].Message
	})
	return fields
}

func parseRecordErrors(record string, v json.RawMessage) []errmodel.FieldError {
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil {
		// "invoice": "text" or "invoice": ["text", ...]
		if msg := messageOf(v); msg != "" {
			return []errmodel.FieldError{{Field: record, Message: msg}}
		}
		return nil
	}
	_, hasAttrs := obj["attributes"]
	_, hasMsg := obj["message"]
	if !hasAttrs && !hasMsg {
		// A flat map of field → message, without the record level.
		var out []errmodel.FieldError
		for field, m := range obj {
			if msg := messageOf(m); msg != "" {
				out = append(out, errmodel.FieldError{Field: record + "." + field, Message: msg})
			}
		}
		return out
	}
	var out []errmodel.FieldError
	if msg := messageOf(obj["message"]); msg != "" {
		out = append(out, errmodel.FieldError{Field: record, Message: msg})
	}
	var attrs map[string]json.RawMessage
	if json.Unmarshal(obj["attributes"], &attrs) == nil {
		for field, m := range attrs {
			if msg := messageOf(m); msg != "" {
				out = append(out, errmodel.FieldError{Field: record + "." + field, Message: msg})
			}
		}
	}
	return out
}

// messageOf reads a message that may be a string, a list of strings or an
// object with a message.
func messageOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var parts []string
		for _, item := range list {
			if m := messageOf(item); m != "" {
				parts = append(parts, m)
			}
		}
		return strings.Join(parts, "; ")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		return firstString(obj, "message", "errorMessage", "error")
	}
	return ""
}

// clientError maps a 4xx answer (other than 429, which the retry loop owns)
// to the error model. No 4xx is ever a success.
func clientError(status int, body []byte) *errmodel.Error {
	be := parseBillyError(body)
	msg := func(fallback string) string {
		if be.Message != "" {
			return "Billy: " + be.Message
		}
		return fallback
	}
	var e *errmodel.Error
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		e = errmodel.New(errmodel.Validation, CodeValidation, "%s", msg("Billy rejected the request as invalid"))
		e.Fields = be.Fields
	case http.StatusUnauthorized:
		text := "the Billy access token was rejected; an operator must configure a valid token for this organization"
		if be.Message != "" {
			text += " (Billy: " + be.Message + ")"
		}
		e = errmodel.New(errmodel.Unauthorized, CodeUnauthorized, "%s", text)
	case http.StatusForbidden:
		e = errmodel.New(errmodel.Forbidden, CodeForbidden, "%s", msg("Billy does not allow this for the organization (permissions or subscription plan)"))
	case http.StatusNotFound:
		e = errmodel.New(errmodel.NotFound, CodeNotFound, "%s", msg("Billy has no such record or resource"))
	case http.StatusConflict:
		e = errmodel.New(errmodel.Conflict, CodeConflict, "%s", msg("the request conflicts with the record's current state in Billy"))
	case http.StatusMethodNotAllowed:
		e = errmodel.New(errmodel.Validation, CodeMethodNotAllowed, "%s", msg("Billy does not support this operation on this resource"))
	default:
		e = errmodel.New(errmodel.Validation, CodeRequestRejected, "%s", msg(fmt.Sprintf("Billy rejected the request (HTTP %d)", status)))
	}
	e.UpstreamCode = be.Code
	return e
}

// parseRetryAfter reads Retry-After as delay seconds (fractions tolerated)
// or an HTTP date; ok is false when it is absent or unreadable.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// ceilSeconds is d in whole seconds, rounded up, at least 1.
func ceilSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
