package sdk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Resource is a fixed resource the plugin serves, e.g. "billy://tax-rates".
type Resource struct {
	URI, Name, Title, Description, MIMEType string
	Read                                    func(ctx context.Context, call *Call) ([]ResourceContents, error)
}

// ResourceTemplate serves a family of resources named by an RFC 6570 level-1
// template such as "billy://invoices/{id}". Read receives the template's
// variables, already extracted from the URI.
type ResourceTemplate struct {
	URITemplate, Name, Title, Description, MIMEType string
	Read                                            func(ctx context.Context, call *Call, uri string, vars map[string]string) ([]ResourceContents, error)
}

// templateMatcher matches URIs against a level-1 URI template: each {var}
// matches one or more characters other than "/".
type templateMatcher struct {
	re    *regexp.Regexp
	names []string
}

var templateVar = regexp.MustCompile(`\{([a-zA-Z0-9_]+)\}`)

func compileTemplate(tmpl string) (*templateMatcher, error) {
	var b strings.Builder
	var names []string
	last := 0
	for _, m := range templateVar.FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(regexp.QuoteMeta(tmpl[last:m[0]]))
		b.WriteString(`([^/]+)`)
		names = append(names, tmpl[m[2]:m[3]])
		last = m[1]
	}
	rest := tmpl[last:]
	if strings.ContainsAny(rest, "{}") || strings.ContainsAny(b.String(), "{}") {
		return nil, fmt.Errorf("resource template %q: only {name} variables are supported", tmpl)
	}
	b.WriteString(regexp.QuoteMeta(rest))
	re, err := regexp.Compile("^" + b.String() + "$")
	if err != nil {
		return nil, fmt.Errorf("resource template %q: %w", tmpl, err)
	}
	return &templateMatcher{re: re, names: names}, nil
}

func (m *templateMatcher) match(uri string) (map[string]string, bool) {
	sub := m.re.FindStringSubmatch(uri)
	if sub == nil {
		return nil, false
	}
	vars := make(map[string]string, len(m.names))
	for i, n := range m.names {
		vars[n] = sub[i+1]
	}
	return vars, true
}
