package sandbox

import (
	"fmt"
	"net/http"
)

// helpURL is what Billy puts in every error body (billy-api.md §5.1).
const helpURL = "https://www.billy.dk/support/"

// Error codes. The 401, 404 UNKNOWN_RESOURCE and 405 codes were seen live;
// the others are not documented anywhere and are this sandbox's choices
// (billy-api.md §5.2, §11 item 1).
const (
	codeAuthRequired    = "AUTHENTICATION_REQUIRED"
	codeInvalidToken    = "OAUTH_INVALID_ACCESS_TOKEN"
	codeUnknownResource = "UNKNOWN_RESOURCE"
	codeMethodNotAllow  = "METHOD_NOT_ALLOWED"
	codeRecordNotFound  = "RECORD_NOT_FOUND"        // Guess: the 404 code for an unknown ID is unknown.
	codeValidation      = "VALIDATION_FAILED"       // Guess: placeholder the reference suggests.
	codeInvalidBody     = "INVALID_REQUEST_BODY"    // Probable, listed by one client, unverified.
	codeInvalidParam    = "INVALID_QUERY_PARAMETER" // Guess: bad page, pageSize, sort or include.
	codeForbidden       = "ACCESS_DENIED"           // Guess: an organization the token cannot reach.
	codeRateLimited     = "TOO_MANY_REQUESTS"       // Guess: Billy documents no 429 (§9).
	codeInternal        = "INTERNAL_SERVER_ERROR"
	codeUnavailable     = "SERVICE_UNAVAILABLE"
)

// apiError is an error answered in Billy's error envelope.
type apiError struct {
	status     int
	code       string
	message    string
	validation map[string]*validationEntry
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// validationEntry is one record's entry in validationErrors: an optional
// record-level message and per-field messages. Belongs-to fields carry the
// Id suffix (contactId), as in Billy (§5.3).
type validationEntry struct {
	Message    string            `json:"message,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

func errNotFound(singular, id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeRecordNotFound,
		message: fmt.Sprintf("The %s with ID %q was not found.", singular, id)}
}

func errUnknownResource() *apiError {
	return &apiError{status: http.StatusNotFound, code: codeUnknownResource,
		message: "The requested resource does not exist."}
}

func errMethod(verb string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllow,
		message: fmt.Sprintf("This resource does not support %s records.", verb)}
}

func errParam(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidParam, message: fmt.Sprintf(format, args...)}
}

func errBody(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidBody, message: fmt.Sprintf(format, args...)}
}

// errRule is a business-rule refusal (approving twice, editing an approved
// invoice): Billy most likely answers these 422 with only errorMessage
// (billy-api.md §5.3), so no validationErrors.
func errRule(format string, args ...any) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: codeValidation, message: fmt.Sprintf(format, args...)}
}

// Messages used in validationErrors, in the wording of Billy's own test
// fixtures where one exists.
const (
	msgBlank   = "This field must not be blank."
	msgInvalid = "This value is not valid."
	msgUnknown = "No record with this ID exists."
	msgImmut   = "This field cannot be changed."
)

// validation collects field errors for one write. Root-level fields are
// keyed by the request's root key ("invoice") or the record's _clientId;
// embedded children such as invoice lines get their own entries keyed
// "invoice.lines[2]" (Guess: how Billy keys children is unknown, §5.3).
type validation struct {
	root    string
	message string
	entries map[string]*validationEntry
}

func newValidation(root, message string) *validation {
	return &validation{root: root, message: message, entries: map[string]*validationEntry{}}
}

// add records a field error on the entry key (the root when key is "").
func (v *validation) add(key, field, msg string) {
	if key == "" {
		key = v.root
	}
	e := v.entries[key]
	if e == nil {
		e = &validationEntry{Attributes: map[string]string{}}
		v.entries[key] = e
	}
	if _, dup := e.Attributes[field]; !dup {
		e.Attributes[field] = msg
	}
}

func (v *validation) field(field, msg string) { v.add("", field, msg) }

// has reports whether a field of the entry key (the root when "") failed.
func (v *validation) has(key, field string) bool {
	if key == "" {
		key = v.root
	}
	e := v.entries[key]
	if e == nil {
		return false
	}
	_, ok := e.Attributes[field]
	return ok
}

func (v *validation) ok() bool { return len(v.entries) == 0 }

// err returns the 422, or nil when nothing failed.
func (v *validation) err() error {
	if v.ok() {
		return nil
	}
	root := v.entries[v.root]
	if root == nil {
		root = &validationEntry{}
		v.entries[v.root] = root
	}
	root.Message = v.message
	for _, e := range v.entries {
		if len(e.Attributes) == 0 {
			e.Attributes = nil
		}
	}
	return &apiError{status: http.StatusUnprocessableEntity, code: codeValidation,
		message: "Some fields are invalid.", validation: v.entries}
}
