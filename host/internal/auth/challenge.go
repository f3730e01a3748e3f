package auth

import (
	"encoding/json"
	"net/http"
	"strings"
)

// The well-known paths of the protected resource metadata (RFC 9728 §3):
// the path-inserted form for the MCP endpoint, which clients try first,
// and the root form, their fallback. Both are served: Claude builds wrong
// URLs when the first answers 404.
const (
	MetadataPath     = "/.well-known/oauth-protected-resource/mcp"
	MetadataRootPath = "/.well-known/oauth-protected-resource"
)

// Challenge is a WWW-Authenticate challenge of the Bearer scheme (RFC
// 6750 §3, RFC 9728 §5.1).
type Challenge struct {
	// ResourceMetadata is the absolute URL of the protected resource
	// metadata; empty when OAuth discovery is off.
	ResourceMetadata string
	// Scopes the operation needs: the baseline on 401, every scope the
	// tool needs on 403.
	Scopes []string
	// Error is "" (no credential), "invalid_token" or
	// "insufficient_scope".
	Error string
	// Description is error_description, for people.
	Description string
}

// String renders the challenge as a WWW-Authenticate value.
func (c Challenge) String() string {
	var params []string
	add := func(k, v string) { params = append(params, k+"="+quote(v)) }
	if c.Error != "" {
		add("error", c.Error)
	}
	if c.ResourceMetadata != "" {
		add("resource_metadata", c.ResourceMetadata)
	}
	if len(c.Scopes) > 0 {
		add("scope", strings.Join(c.Scopes, " "))
	}
	if c.Description != "" {
		add("error_description", c.Description)
	}
	if len(params) == 0 {
		// A challenge needs a parameter or a token68; realm says who asks.
		add("realm", "billy-mcp")
	}
	return "Bearer " + strings.Join(params, ", ")
}

// quote makes v a quoted-string (RFC 9110 §5.6.4). Control characters
// are dropped: a header value must not carry them, and error_description
// may name a tool.
func quote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f || r > 0x7e:
			// RFC 6750 §3 limits these values to printable ASCII.
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ParseChallenge reads a Bearer challenge back into its parameters (keys
// in lower case): for tests and for clients of this package. ok is false
// when h is not a Bearer challenge or does not parse.
func ParseChallenge(h string) (params map[string]string, ok bool) {
	if !hasScheme(h, "bearer") {
		return nil, false
	}
	s := strings.TrimLeft(h, " ")[len("bearer"):]
	params = map[string]string{}
	for {
		s = strings.TrimLeft(s, " ,")
		if s == "" {
			return params, true
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, false
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " ")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			s = s[i+1:]
		} else {
			end := strings.IndexAny(s, ", ")
			if end < 0 {
				end = len(s)
			}
			val.WriteString(s[:end])
			s = s[end:]
		}
		if _, dup := params[key]; dup {
			return nil, false
		}
		params[key] = val.String()
	}
}

// Metadata is the protected resource metadata document (RFC 9728 §2).
type Metadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
	ResourceDocumentation  string   `json:"resource_documentation,omitempty"`
}

// MetadataHandler serves the document: to anyone, from any origin (it is
// public by design), never cached by a shared cache for long (a changed
// issuer must reach clients).
func MetadataHandler(m Metadata) http.Handler {
	body, _ := json.Marshal(m)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Mcp-Protocol-Version")
		switch r.Method {
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodGet, http.MethodHead:
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "public, max-age=300")
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_, _ = w.Write(body)
			}
		default:
			h.Set("Allow", "GET, HEAD, OPTIONS")
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
}
