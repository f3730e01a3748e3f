package pluginhost

import (
	"encoding/json"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// catalogFrom checks what a plugin described and turns it into a registry
// catalog. A plugin that describes itself wrongly is refused as a whole: a
// half-registered plugin would be harder to diagnose than a missing one.
func catalogFrom(plugin string, d *pluginv1.DescribeResponse) (*registry.Catalog, error) {
	supported := false
	for _, v := range pluginv1.SupportedProtocolVersions {
		if v == d.ProtocolVersion {
			supported = true
		}
	}
	if !supported {
		return nil, permanent("plugin %s speaks protocol version %d; this host supports %v: rebuild the plugin with a matching sdk",
			plugin, d.ProtocolVersion, pluginv1.SupportedProtocolVersions)
	}
	c := &registry.Catalog{}
	seen := map[string]bool{}
	for _, t := range d.Tools {
		if seen[t.Name] {
			return nil, permanent("plugin %s: tool %s is described twice", plugin, t.Name)
		}
		seen[t.Name] = true
		if err := pluginv1.CheckToolName(t.Name); err != nil {
			return nil, permanent("plugin %s: %v", plugin, err)
		}
		if t.Description == "" {
			return nil, permanent("plugin %s: tool %s has no description", plugin, t.Name)
		}
		in, err := schema.Compile(t.Name, []byte(t.InputSchemaJson))
		if err != nil {
			return nil, permanent("plugin %s: tool %s: input %v", plugin, t.Name, err)
		}
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal([]byte(t.InputSchemaJson), &probe); err != nil || probe.Type != "object" {
			return nil, permanent("plugin %s: tool %s: the input schema must have type \"object\"", plugin, t.Name)
		}
		tool := &registry.Tool{
			Name: t.Name, Title: t.Title, Description: t.Description, Category: t.Category,
			InputSchema: json.RawMessage(t.InputSchemaJson), Scopes: t.RequiredScopes, Input: in,
		}
		if t.OutputSchemaJson != "" {
			if _, err := schema.Compile(t.Name+".output", []byte(t.OutputSchemaJson)); err != nil {
				return nil, permanent("plugin %s: tool %s: output %v", plugin, t.Name, err)
			}
			tool.OutputSchema = json.RawMessage(t.OutputSchemaJson)
		}
		if a := t.Annotations; a != nil {
			tool.Annotations = registry.Annotations{ReadOnly: a.ReadOnly, Destructive: a.Destructive, Idempotent: a.Idempotent, OpenWorld: a.OpenWorld}
		}
		switch t.TaskSupport {
		case pluginv1.TaskSupport_TASK_SUPPORT_OPTIONAL:
			tool.Task = registry.TaskOptional
		case pluginv1.TaskSupport_TASK_SUPPORT_REQUIRED:
			tool.Task = registry.TaskRequired
		}
		tool.DeferTask = tool.Task != "" && t.DeferTask
		if registry.TakesIdempotencyKey(tool) {
			// The host keeps the key (dispatch); the plugin's own schema,
			// compiled above, validates what the plugin gets.
			with, err := registry.WithIdempotencyKey(tool.InputSchema)
			if err != nil {
				return nil, permanent("plugin %s: tool %s: input schema %v", plugin, t.Name, err)
			}
			tool.InputSchema = with
		}
		// Every tool takes the host's organization argument, shown to
		// callers with several organizations (see dispatch).
		if tool.OrgInputSchema, err = registry.WithOrganization(tool.InputSchema); err != nil {
			return nil, permanent("plugin %s: tool %s: input schema %v", plugin, t.Name, err)
		}
		if tool.Scopes, err = registry.EffectiveScopes(plugin, tool); err != nil {
			return nil, permanent("plugin %s: tool %s: %v", plugin, t.Name, err)
		}
		for _, ex := range t.Examples {
			// Examples go to clients verbatim; one that is not JSON would
			// break every tools listing.
			if !json.Valid([]byte(ex.ArgumentsJson)) {
				return nil, permanent("plugin %s: tool %s: example %q: arguments are not valid JSON", plugin, t.Name, ex.Title)
			}
			tool.Examples = append(tool.Examples, registry.Example{Title: ex.Title, Arguments: json.RawMessage(ex.ArgumentsJson)})
		}
		c.Tools = append(c.Tools, tool)
	}
	for _, r := range d.Resources {
		if r.Uri == "" || r.Name == "" {
			return nil, permanent("plugin %s: a resource needs a uri and a name", plugin)
		}
		c.Resources = append(c.Resources, &registry.Resource{URI: r.Uri, Name: r.Name, Title: r.Title, Description: r.Description, MIMEType: r.MimeType})
	}
	for _, r := range d.ResourceTemplates {
		c.Templates = append(c.Templates, &registry.ResourceTemplate{URITemplate: r.UriTemplate, Name: r.Name, Title: r.Title, Description: r.Description, MIMEType: r.MimeType})
	}
	for _, p := range d.Prompts {
		pr := &registry.Prompt{Name: p.Name, Title: p.Title, Description: p.Description}
		for _, a := range p.Arguments {
			pr.Arguments = append(pr.Arguments, registry.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
		}
		c.Prompts = append(c.Prompts, pr)
	}
	return c, nil
}
