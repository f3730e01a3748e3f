package mcpserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// The request state of a multi round trip (see roundtrip.go) is signed by
// the host and bound to what was asked (the kind of request, its name, its
// arguments), to the caller, and to an expiry. It carries the answers of
// earlier rounds, because a client sends only the latest round's. Nothing
// is kept between rounds, so any instance behind a load balancer serves
// the repeat once instances share the key (derived from the deployment's
// signing key).

// roundTripTTL bounds how long a client may take to answer.
const roundTripTTL = 10 * time.Minute

// subject is what a round trip's state is bound to.
type subject struct {
	Kind   dispatch.Kind
	Name   string
	Args   json.RawMessage
	Caller dispatch.Caller
}

// requestState is what the signed state says.
type requestState struct {
	// Kind is the request's method; empty in states issued before prompts
	// and resources took part, which were all tools/call.
	Kind    string            `json:"k,omitempty"`
	Tool    string            `json:"t"`
	Args    string            `json:"a"` // SHA-256 of the canonical arguments
	Subject string            `json:"s"`
	Org     string            `json:"o"`
	Expires int64             `json:"e"` // Unix seconds
	Answers map[string]answer `json:"r,omitempty"`
	Asked   map[string]string `json:"q,omitempty"` // key → method, unanswered
}

// stateSigner signs and checks request states.
type stateSigner struct {
	key []byte
	now func() time.Time
}

func newStateSigner(key []byte) *stateSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(fmt.Sprintf("mcpserver: drawing the request state key: %v", err))
		}
	}
	return &stateSigner{key: key, now: time.Now}
}

const statePrefix = "rs1."

func (s *stateSigner) sign(st requestState) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(payload))
	return statePrefix + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

func (s *stateSigner) open(token string) (requestState, bool) {
	var st requestState
	rest, ok := strings.CutPrefix(token, statePrefix)
	if !ok {
		return st, false
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return st, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return st, false
	}
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(payload))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return st, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &st) != nil {
		return st, false
	}
	if st.Kind == "" {
		st.Kind = string(dispatch.CallTool)
	}
	return st, true
}

// canonicalArgs hashes arguments so that a repeat with the same arguments
// in another key order or spacing still matches.
func canonicalArgs(raw json.RawMessage) string {
	var v any
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		raw, _ = json.Marshal(v)
	}
	if v == nil {
		// No arguments, null or {}: one and the same call.
		raw = []byte("{}")
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

func errBadState(why string) *errmodel.Error {
	return &errmodel.Error{Code: "invalid_request_state", Category: errmodel.Validation,
		Message: "requestState " + why + "; send the request again without requestState and inputResponses",
		Fields:  []errmodel.FieldError{{Field: "requestState", Message: why}}}
}

// check opens a state and holds it to the request it came back with.
func (s *stateSigner) check(token string, sub subject) (requestState, *errmodel.Error) {
	st, ok := s.open(token)
	switch {
	case !ok:
		return st, errBadState("was not issued by this server or was altered")
	case st.Kind != string(sub.Kind):
		return st, errBadState("belongs to another kind of request")
	case st.Tool != sub.Name || st.Args != canonicalArgs(sub.Args):
		return st, errBadState("belongs to another tool or other arguments")
	case st.Subject != sub.Caller.Subject || st.Org != sub.Caller.OrganizationID:
		return st, errBadState("belongs to another caller")
	case s.now().Unix() > st.Expires:
		return st, errBadState("has expired")
	}
	return st, nil
}

// issue signs the state of a round that asked questions.
func (s *stateSigner) issue(sub subject, answers map[string]answer, asked map[string]string) (string, error) {
	return s.sign(requestState{Kind: string(sub.Kind), Tool: sub.Name, Args: canonicalArgs(sub.Args),
		Subject: sub.Caller.Subject, Org: sub.Caller.OrganizationID, Expires: s.now().Add(roundTripTTL).Unix(),
		Answers: answers, Asked: asked})
}
