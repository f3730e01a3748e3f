package registry

import (
	"fmt"

	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
)

// EffectiveScopes returns the scopes a call of t needs: those its plugin
// declared, each checked against the vocabulary (package scopes), or, when
// it declared none, <plugin>:read for a read-only tool and <plugin>:write
// for any other. A tool is never callable without a scope: the host fails
// closed, and a plugin author who forgot to declare one finds the tool
// callable by admins only (or by principals given the plugin's own scope)
// rather than by everyone.
func EffectiveScopes(plugin string, t *Tool) ([]string, error) {
	for _, s := range t.Scopes {
		if !scopes.Valid(s) {
			return nil, fmt.Errorf("scope %q is not a scope: use resource:read, resource:write or resource:approve (e.g. invoices:read), moms:file, audit:read, metrics or admin", s)
		}
	}
	if len(t.Scopes) > 0 {
		return t.Scopes, nil
	}
	if ro := t.Annotations.ReadOnly; ro != nil && *ro {
		return []string{plugin + ":read"}, nil
	}
	return []string{plugin + ":write"}, nil
}
