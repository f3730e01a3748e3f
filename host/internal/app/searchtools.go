package app

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// search_tools is tool discovery for deployments with many plugins: a
// client pays for one small tool in its context instead of every schema
// (with mcp.tools_list: compact, tools/list shows each tool without its
// schemas and points here). It searches only what the caller may call and
// can be served now, as tools/list shows it.

const searchToolsName = "search_tools"

// searchToolsInput is kept lean: it is listed to every caller, in full
// even in compact mode.
const searchToolsInput = `{"type":"object","properties":{` +
	`"query":{"type":"string","maxLength":200,"description":"words; every one must match name, title, category or description"},` +
	`"category":{"type":"string","maxLength":100},` +
	`"effect":{"type":"string","enum":["read-only","write","destructive"]},` +
	`"schemas":{"type":"boolean","description":"include each tool's input and output schema"},` +
	`"limit":{"type":"integer","minimum":1,"maximum":100,"default":20}` +
	`},"additionalProperties":false}`

func searchToolsTool() (*registry.Tool, error) {
	in := json.RawMessage(searchToolsInput)
	s, err := schema.Compile(searchToolsName, in)
	if err != nil {
		return nil, err
	}
	yes, no := true, false
	return &registry.Tool{
		Name: searchToolsName, Title: "Search tools", Category: "discovery",
		Description: "Finds the tools you may call by words, category or effect; schemas: true gives their arguments.",
		InputSchema: in, Input: s,
		// No scope: every authenticated caller may search, and sees only
		// the tools its own scopes allow.
		Annotations: registry.Annotations{ReadOnly: &yes, OpenWorld: &no},
	}, nil
}

type searchToolsArgs struct {
	Query    string `json:"query"`
	Category string `json:"category"`
	Effect   string `json:"effect"`
	Schemas  bool   `json:"schemas"`
	Limit    int    `json:"limit"`
}

// foundTool is one tool as search_tools answers it: compact unless schemas
// were asked for.
type foundTool struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description"`
	Category     string          `json:"category,omitempty"`
	Effect       string          `json:"effect"`
	Annotations  map[string]bool `json:"annotations,omitempty"`
	Scopes       []string        `json:"scopes,omitempty"`
	InputSchema  json.RawMessage `json:"inputSchema,omitempty"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
}

type toolSearch struct {
	Tools []foundTool `json:"tools"`
	// Total counts the matches, of which limit are shown.
	Total int `json:"total"`
	// Categories are those of every tool the caller may call: what a
	// narrower search can name.
	Categories []string `json:"categories"`
}

// callSearchTools answers search_tools from the live registry.
func callSearchTools(ctx context.Context, reg *registry.Registry, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	var args searchToolsArgs
	if req.ArgumentsJson != "" {
		if err := json.Unmarshal([]byte(req.ArgumentsJson), &args); err != nil {
			return nil, errmodel.New(errmodel.Validation, "invalid_arguments", "search_tools arguments: %v", err)
		}
	}
	// The op's caller (its scopes) decides what is visible; the request's
	// caller whether schemas carry the organization argument.
	caller := dispatch.CallerFrom(ctx)
	caller.Scopes = req.GetContext().GetCaller().GetScopes()
	res := searchTools(dispatch.VisibleTools(caller, reg.Tools(true)), args)
	b, err := json.Marshal(res)
	if err != nil {
		return nil, errmodel.New(errmodel.Internal, "internal", "encoding the tool search: %v", err)
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: string(b), TextFromStructured: true}, nil
}

// searchTools filters and ranks tools (those the caller may call): every
// query word must match the name, title, category or description (a
// plural matching its singular); a match in the name counts most, then
// title and category, then description. Ties go by name.
func searchTools(tools []*registry.Tool, args searchToolsArgs) toolSearch {
	limit := args.Limit
	if limit <= 0 {
		limit = 20
	}
	words := queryWords(args.Query)
	cats := map[string]bool{}
	type hit struct {
		t     *registry.Tool
		score int
	}
	var hits []hit
	for _, t := range tools {
		if t.Category != "" {
			cats[t.Category] = true
		}
		if args.Category != "" && !strings.EqualFold(t.Category, args.Category) {
			continue
		}
		if args.Effect != "" && t.Effect() != args.Effect {
			continue
		}
		score, ok := matchTool(t, words)
		if !ok {
			continue
		}
		hits = append(hits, hit{t, score})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].t.Name < hits[j].t.Name
	})
	out := toolSearch{Tools: []foundTool{}, Total: len(hits), Categories: []string{}}
	for c := range cats {
		out.Categories = append(out.Categories, c)
	}
	slices.Sort(out.Categories)
	for i, h := range hits {
		if i == limit {
			break
		}
		out.Tools = append(out.Tools, found(h.t, args.Schemas))
	}
	return out
}

func found(t *registry.Tool, schemas bool) foundTool {
	f := foundTool{Name: t.Name, Title: t.Title, Description: t.Summary(), Category: t.Category,
		Effect: t.Effect(), Annotations: annotationMap(t.Annotations), Scopes: t.Scopes}
	if schemas {
		f.Description = t.Description
		f.InputSchema = t.InputSchema
		f.OutputSchema = t.OutputSchema
	}
	return f
}

// annotationMap names the hints a tool stated, as MCP spells them.
func annotationMap(a registry.Annotations) map[string]bool {
	m := map[string]bool{}
	for name, v := range map[string]*bool{"readOnlyHint": a.ReadOnly, "destructiveHint": a.Destructive,
		"idempotentHint": a.Idempotent, "openWorldHint": a.OpenWorld} {
		if v != nil {
			m[name] = *v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// queryWords splits a query into lower-case words (letters and digits;
// underscores separate, so "create_invoice" is two words).
func queryWords(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// matchTool scores t against words; ok is false when a word matches
// nowhere.
func matchTool(t *registry.Tool, words []string) (score int, ok bool) {
	fields := []struct {
		text   string
		weight int
	}{
		{strings.ToLower(strings.ReplaceAll(t.Name, "_", " ")), 4},
		{strings.ToLower(t.Title), 2},
		{strings.ToLower(t.Category), 2},
		{strings.ToLower(t.Description), 1},
	}
	for _, w := range words {
		forms := []string{w}
		if s, ok := strings.CutSuffix(w, "s"); ok && len(s) >= 3 {
			forms = append(forms, s)
		}
		best := 0
		for _, f := range fields {
			for _, form := range forms {
				if strings.Contains(f.text, form) && f.weight > best {
					best = f.weight
				}
			}
		}
		if best == 0 {
			return 0, false
		}
		score += best
	}
	return score, true
}
