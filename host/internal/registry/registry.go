package registry

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/billy-mcp/billy-mcp/host/internal/schema"
)

// Annotations are MCP tool hints; nil means "not stated" (MCP's default
// applies).
type Annotations struct {
	ReadOnly, Destructive, Idempotent, OpenWorld *bool
}

// Example is a worked call of a tool.
type Example struct {
	Title     string          `json:"title"`
	Arguments json.RawMessage `json:"arguments"`
}

// Tool is a tool as a plugin described it. Its JSON form is how the REST
// API lists it (MCP lists the leaner mcp.Tool the mcpserver makes of it).
type Tool struct {
	Plugin      string          `json:"-"`
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Category    string          `json:"category,omitempty"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
	// OrgInputSchema is InputSchema with the host's organization argument
	// (OrganizationArg): what a caller who may act on several
	// organizations is shown. Nil for a tool made without it (the host's
	// own tools): callers then name no organization.
	OrgInputSchema json.RawMessage `json:"-"`
	OutputSchema   json.RawMessage `json:"outputSchema,omitempty"` // nil when the tool has none
	Annotations    Annotations     `json:"annotations"`
	// Scopes a call needs, all of them (see EffectiveScopes: never empty
	// for a plugin's tool).
	Scopes   []string  `json:"requiredScopes,omitempty"`
	Examples []Example `json:"examples,omitempty"`
	// Input validates arguments against InputSchema.
	Input *schema.Schema `json:"-"`
	// Task says whether the tool's calls may run as tasks (long work): ""
	// never, TaskOptional or TaskRequired. DeferTask: the call becomes a
	// task only where the plugin says so (Host.StartTask).
	Task      string `json:"-"`
	DeferTask bool   `json:"-"`
}

// The task support a tool may declare (Tool.Task).
const (
	TaskOptional = "optional"
	TaskRequired = "required"
)

// Resource is a fixed resource.
type Resource struct {
	Plugin                                  string
	URI, Name, Title, Description, MIMEType string
}

// ResourceTemplate is a family of resources named by a URI template.
type ResourceTemplate struct {
	Plugin                                          string
	URITemplate, Name, Title, Description, MIMEType string
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name, Description string
	Required          bool
}

// Prompt is a prompt template.
type Prompt struct {
	Plugin                   string
	Name, Title, Description string
	Arguments                []PromptArgument
}

// Catalog is everything one plugin offers.
type Catalog struct {
	Tools     []*Tool
	Resources []*Resource
	Templates []*ResourceTemplate
	Prompts   []*Prompt
}

// DuplicateError reports a name offered by two plugins.
type DuplicateError struct {
	Kind, Name     string
	Plugin, Holder string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%s %q is offered by both plugin %q and plugin %q; names must be unique across enabled plugins (disable one, or rename it)",
		e.Kind, e.Name, e.Holder, e.Plugin)
}

// Registry is safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	catalogs  map[string]*Catalog
	available map[string]bool
	listeners []func()
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{catalogs: map[string]*Catalog{}, available: map[string]bool{}}
}

// OnChange registers f to run (without locks held) after every change:
// a catalog registered or removed, or a plugin's availability changed.
func (r *Registry) OnChange(f func()) {
	r.mu.Lock()
	r.listeners = append(r.listeners, f)
	r.mu.Unlock()
}

func (r *Registry) notify() {
	r.mu.RLock()
	ls := append([]func(){}, r.listeners...)
	r.mu.RUnlock()
	for _, f := range ls {
		f()
	}
}

// Register sets plugin's catalog (replacing what it offered before) and marks
// it available. A name another plugin already offers is refused and nothing
// changes.
func (r *Registry) Register(plugin string, c *Catalog) error {
	r.mu.Lock()
	for other, oc := range r.catalogs {
		if other == plugin {
			continue
		}
		if err := conflicts(plugin, c, other, oc); err != nil {
			r.mu.Unlock()
			return err
		}
	}
	for _, t := range c.Tools {
		t.Plugin = plugin
	}
	for _, x := range c.Resources {
		x.Plugin = plugin
	}
	for _, x := range c.Templates {
		x.Plugin = plugin
	}
	for _, x := range c.Prompts {
		x.Plugin = plugin
	}
	r.catalogs[plugin] = c
	r.available[plugin] = true
	r.mu.Unlock()
	r.notify()
	return nil
}

func conflicts(plugin string, c *Catalog, other string, oc *Catalog) error {
	names := func(kind string, a, b []string) error {
		set := map[string]bool{}
		for _, n := range b {
			set[n] = true
		}
		for _, n := range a {
			if set[n] {
				return &DuplicateError{Kind: kind, Name: n, Plugin: plugin, Holder: other}
			}
		}
		return nil
	}
	if err := names("tool", toolNames(c), toolNames(oc)); err != nil {
		return err
	}
	if err := names("resource", resourceURIs(c), resourceURIs(oc)); err != nil {
		return err
	}
	if err := names("resource template", templateURIs(c), templateURIs(oc)); err != nil {
		return err
	}
	return names("prompt", promptNames(c), promptNames(oc))
}

func toolNames(c *Catalog) (out []string) {
	for _, t := range c.Tools {
		out = append(out, t.Name)
	}
	return out
}

func resourceURIs(c *Catalog) (out []string) {
	for _, x := range c.Resources {
		out = append(out, x.URI)
	}
	return out
}

func templateURIs(c *Catalog) (out []string) {
	for _, x := range c.Templates {
		out = append(out, x.URITemplate)
	}
	return out
}

func promptNames(c *Catalog) (out []string) {
	for _, x := range c.Prompts {
		out = append(out, x.Name)
	}
	return out
}

// Unregister forgets plugin's catalog: its tools, resources and prompts
// leave every listing, and a call to one of them is answered as for a name
// that does not exist (a reload disabled the plugin).
func (r *Registry) Unregister(plugin string) {
	r.mu.Lock()
	_, known := r.catalogs[plugin]
	delete(r.catalogs, plugin)
	delete(r.available, plugin)
	r.mu.Unlock()
	if known {
		r.notify()
	}
}

// SetAvailable records whether plugin can serve. Its catalog stays known, so
// calls to its tools get a retryable "unavailable" error rather than "no such
// tool", while listings leave them out.
func (r *Registry) SetAvailable(plugin string, ok bool) {
	r.mu.Lock()
	_, known := r.catalogs[plugin]
	changed := known && r.available[plugin] != ok
	if known {
		r.available[plugin] = ok
	}
	r.mu.Unlock()
	if changed {
		r.notify()
	}
}

// Available reports whether plugin is registered and can serve.
func (r *Registry) Available(plugin string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.available[plugin]
}

// Tool returns the named tool, available or not.
func (r *Registry) Tool(name string) (*Tool, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range r.catalogs {
		for _, t := range c.Tools {
			if t.Name == name {
				return t, true
			}
		}
	}
	return nil, false
}

// Tools returns every known tool sorted by name (MCP asks for a
// deterministic order). With onlyAvailable, tools of plugins that cannot
// serve right now are left out.
func (r *Registry) Tools(onlyAvailable bool) []*Tool {
	r.mu.RLock()
	var out []*Tool
	for p, c := range r.catalogs {
		if onlyAvailable && !r.available[p] {
			continue
		}
		out = append(out, c.Tools...)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resources returns every known fixed resource sorted by URI.
func (r *Registry) Resources() []*Resource {
	r.mu.RLock()
	var out []*Resource
	for _, c := range r.catalogs {
		out = append(out, c.Resources...)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].URI < out[j].URI })
	return out
}

// Templates returns every known resource template sorted by template.
func (r *Registry) Templates() []*ResourceTemplate {
	r.mu.RLock()
	var out []*ResourceTemplate
	for _, c := range r.catalogs {
		out = append(out, c.Templates...)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].URITemplate < out[j].URITemplate })
	return out
}

// Prompts returns every known prompt sorted by name.
func (r *Registry) Prompts() []*Prompt {
	r.mu.RLock()
	var out []*Prompt
	for _, c := range r.catalogs {
		out = append(out, c.Prompts...)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Prompt returns the named prompt.
func (r *Registry) Prompt(name string) (*Prompt, bool) {
	for _, p := range r.Prompts() {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// ToolCount returns how many tools plugin offers.
func (r *Registry) ToolCount(plugin string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.catalogs[plugin]; ok {
		return len(c.Tools)
	}
	return 0
}
