package presets

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/presets/workflow"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// UsageEvent is one tool call of an organization, as mining sees it.
type UsageEvent struct {
	Subject string
	Tool    string
	At      time.Time
	OK      bool
}

// Pattern is a tool sequence an organization repeats.
type Pattern struct {
	Tools []string `json:"tools"`
	// Support is in how many sessions the sequence occurred.
	Support int `json:"support"`
	// Confidence is the share of the sessions using the sequence's first
	// tool that went through the whole sequence.
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence" jsonschema:"when sessions with the sequence started (up to 5)"`
}

// Mining's parameters: a session is a caller's calls with gaps under
// sessionGap; sequences of 2 to maxLen tools are counted once per session.
const (
	sessionGap = 30 * time.Minute
	maxLen     = 5
)

// mine finds the contiguous tool sequences that occur in at least
// minSupport sessions. Failed calls and the presets' own tools are left
// out; a tool repeated back to back counts once (a loop over customers is
// one step of the routine). A sequence inside a longer one with the same
// support is dropped: the longer one says more.
func mine(events []UsageEvent, minSupport int) []Pattern {
	sort.SliceStable(events, func(i, j int) bool {
		if events[i].Subject != events[j].Subject {
			return events[i].Subject < events[j].Subject
		}
		return events[i].At.Before(events[j].At)
	})
	type session struct {
		start time.Time
		tools []string
	}
	var sessions []session
	var cur *session
	var lastSubject string
	var lastAt time.Time
	for _, e := range events {
		if !e.OK || ownTools[e.Tool] || e.Tool == "" {
			continue
		}
		if cur == nil || e.Subject != lastSubject || e.At.Sub(lastAt) > sessionGap {
			sessions = append(sessions, session{start: e.At})
			cur = &sessions[len(sessions)-1]
		}
		if n := len(cur.tools); n == 0 || cur.tools[n-1] != e.Tool {
			cur.tools = append(cur.tools, e.Tool)
		}
		lastSubject, lastAt = e.Subject, e.At
	}
	support := map[string]int{}
	evidence := map[string][]string{}
	for _, s := range sessions {
		seen := map[string]bool{}
		for n := 1; n <= maxLen; n++ {
			for i := 0; i+n <= len(s.tools); i++ {
				k := strings.Join(s.tools[i:i+n], " ")
				if seen[k] {
					continue
				}
				seen[k] = true
				support[k]++
				if len(evidence[k]) < 5 {
					evidence[k] = append(evidence[k], s.start.UTC().Format(time.RFC3339))
				}
			}
		}
	}
	var out []Pattern
	for k, n := range support {
		tools := strings.Fields(k)
		if len(tools) < 2 || n < minSupport {
			continue
		}
		first := support[tools[0]]
		out = append(out, Pattern{Tools: tools, Support: n, Confidence: round2(float64(n) / float64(first)), Evidence: evidence[k]})
	}
	// Drop what a longer sequence of the same support contains.
	var kept []Pattern
	for _, p := range out {
		sub := false
		for _, q := range out {
			if len(q.Tools) > len(p.Tools) && q.Support == p.Support && strings.Contains(" "+strings.Join(q.Tools, " ")+" ", " "+strings.Join(p.Tools, " ")+" ") {
				sub = true
				break
			}
		}
		if !sub {
			kept = append(kept, p)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.Support != b.Support {
			return a.Support > b.Support
		}
		if len(a.Tools) != len(b.Tools) {
			return len(a.Tools) > len(b.Tools)
		}
		return strings.Join(a.Tools, " ") < strings.Join(b.Tools, " ")
	})
	return kept
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// ownTools are the presets plugin's tools: not part of a routine.
var ownTools = map[string]bool{"list_presets": true, "execute_preset": true, "get_preset_run": true, "cancel_preset_run": true,
	"create_custom_preset": true, "get_recommended_presets": true, "analyze_user_patterns": true, "generate_personalized_presets": true}

// usage gathers the organization's calls: the audit log through the host's
// list_audit_logs when the caller holds audit:read (it shows only the
// caller's organization), and always the tool calls of the presets' own
// runs. Nothing leaves the organization: the host scopes both.
func (p *plugin) usage(ctx context.Context, call *sdk.Call, days int) ([]UsageEvent, []string, error) {
	var events []UsageEvent
	var sources []string
	if hasScope(call.Caller.Scopes, "audit:read") {
		since := time.Now().UTC().AddDate(0, 0, -days).Format("2006-01-02")
		cursor := ""
		for page := 0; page < 20; page++ { // at most 10,000 entries
			args := map[string]any{"sinceDate": since, "limit": 500}
			if cursor != "" {
				args["cursor"] = cursor
			}
			res, err := call.Host.CallTool(ctx, "list_audit_logs", args)
			if err != nil {
				return nil, nil, err
			}
			var out struct {
				Entries []struct {
					Tool      string `json:"tool"`
					Time      string `json:"time"`
					Principal string `json:"principal"`
					Outcome   string `json:"outcome"`
				} `json:"entries"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal(res.Structured, &out); err != nil {
				return nil, nil, fmt.Errorf("list_audit_logs answered: %w", err)
			}
			for _, e := range out.Entries {
				at, _ := time.Parse(time.RFC3339Nano, e.Time)
				events = append(events, UsageEvent{Subject: e.Principal, Tool: e.Tool, At: at, OK: e.Outcome == "ok"})
			}
			if out.NextCursor == "" {
				break
			}
			cursor = out.NextCursor
		}
		sources = append(sources, "audit log (list_audit_logs)")
	}
	runs, err := p.engine.Store.List(ctx, call.Caller.OrganizationID, 1000)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range runs {
		if r.DryRun {
			continue
		}
		at := r.CreatedAt
		for _, s := range r.Workflow.Steps {
			st := r.Steps[s.ID]
			if st == nil || st.Status != "done" {
				continue
			}
			at = at.Add(time.Second)
			events = append(events, UsageEvent{Subject: r.Subject + " (preset " + r.PresetID + ")", Tool: s.Tool, At: at, OK: true})
		}
	}
	sources = append(sources, "the presets' own runs")
	return events, sources, nil
}

func hasScope(granted []string, want string) bool {
	for _, g := range granted {
		if g == want || g == "admin" || g == "*" {
			return true
		}
	}
	return false
}

// AnalyzeInput is analyze_user_patterns' input.
type AnalyzeInput struct {
	UserID     string `json:"userId,omitempty" jsonschema:"v1; only this caller's calls (a principal)"`
	Days       int    `json:"days,omitempty" jsonschema:"how far back, 1-365 (default 90)"`
	MinSupport int    `json:"min_support,omitempty" jsonschema:"sessions a sequence must occur in (default 3)"`
}

// AnalyzeOutput is what analyze_user_patterns found.
type AnalyzeOutput struct {
	Patterns    []Pattern      `json:"patterns"`
	TopTools    map[string]int `json:"top_tools" jsonschema:"successful calls per tool"`
	Calls       int            `json:"calls"`
	Sources     []string       `json:"sources"`
	SourcesNote string         `json:"sources_note,omitempty"`
}

func (p *plugin) analyzeWith(ctx context.Context, call *sdk.Call, in AnalyzeInput) (AnalyzeOutput, error) {
	if in.Days == 0 {
		in.Days = 90
	}
	if in.Days < 1 || in.Days > 365 {
		return AnalyzeOutput{}, sdk.Invalid("days", "must be 1 to 365, got %d", in.Days)
	}
	if in.MinSupport == 0 {
		in.MinSupport = 3
	}
	if in.MinSupport < 2 || in.MinSupport > 1000 {
		return AnalyzeOutput{}, sdk.Invalid("min_support", "must be 2 to 1000, got %d", in.MinSupport)
	}
	events, sources, err := p.usage(ctx, call, in.Days)
	if err != nil {
		return AnalyzeOutput{}, err
	}
	if in.UserID != "" {
		kept := events[:0]
		for _, e := range events {
			if e.Subject == in.UserID || strings.HasPrefix(e.Subject, in.UserID+" (preset ") {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	out := AnalyzeOutput{Patterns: mine(events, in.MinSupport), TopTools: map[string]int{}, Calls: len(events), Sources: sources}
	if out.Patterns == nil {
		out.Patterns = []Pattern{}
	}
	for _, e := range events {
		if e.OK && !ownTools[e.Tool] && e.Tool != "" {
			out.TopTools[e.Tool]++
		}
	}
	if !hasScope(call.Caller.Scopes, "audit:read") {
		out.SourcesNote = "without audit:read only the presets' own runs are mined; an auditor's credentials add the audit log"
	}
	return out, nil
}

func (p *plugin) analyze(ctx context.Context, call *sdk.Call, in AnalyzeInput) (AnalyzeOutput, error) {
	return p.analyzeWith(ctx, call, in)
}

// Proposal is a preset generated from a pattern.
type Proposal struct {
	Pattern  Pattern        `json:"pattern"`
	Reason   string         `json:"reason"`
	Workflow map[string]any `json:"workflow" jsonschema:"save it with create_custom_preset (fill in the steps' args first)"`
}

// GenerateInput is generate_personalized_presets' input.
type GenerateInput struct {
	UserID string `json:"userId,omitempty" jsonschema:"v1; only this caller's calls"`
	Limit  int    `json:"limit,omitempty" jsonschema:"1-20, default 5"`
	Days   int    `json:"days,omitempty" jsonschema:"how far back, default 90"`
}

// GenerateOutput is the proposals.
type GenerateOutput struct {
	Proposals []Proposal `json:"proposals"`
	Sources   []string   `json:"sources"`
}

// writeTools are tools known to change the books: a proposal marks their
// steps write, so a dry run skips them.
var writeTools = map[string]bool{"create_invoice": true, "update_invoice": true, "approve_invoice": true, "send_invoice": true,
	"cancel_invoice": true, "create_credit_note": true, "create_customer": true, "update_customer": true, "create_product": true,
	"update_product": true, "record_payment": true, "mark_invoice_paid": true, "create_contact_person": true, "delete_draft_invoice": true}

func (p *plugin) proposals(ctx context.Context, call *sdk.Call, userID string, days, limit int) ([]Proposal, []string, error) {
	if limit == 0 {
		limit = 5
	}
	if limit < 1 || limit > 20 {
		return nil, nil, sdk.Invalid("limit", "must be 1 to 20, got %d", limit)
	}
	an, err := p.analyzeWith(ctx, call, AnalyzeInput{UserID: userID, Days: days})
	if err != nil {
		return nil, nil, err
	}
	out := []Proposal{}
	for _, pt := range an.Patterns {
		if len(out) == limit {
			break
		}
		var steps []any
		for i, t := range pt.Tools {
			s := map[string]any{"id": fmt.Sprintf("step_%d", i+1), "tool": t}
			if writeTools[t] {
				s["write"] = true
			}
			steps = append(steps, s)
		}
		name := "routine_" + slug(strings.Join(pt.Tools, "_then_"))
		if len(name) > 56 {
			name = name[:56]
		}
		out = append(out, Proposal{Pattern: pt,
			Reason: fmt.Sprintf("%s occurred in %d sessions; %.0f %% of the sessions that used %s went through all of it",
				strings.Join(pt.Tools, " → "), pt.Support, pt.Confidence*100, pt.Tools[0]),
			Workflow: map[string]any{"version": 1, "id": strings.TrimRight(name, "_"), "title": "Routine: " + strings.Join(pt.Tools, " → "),
				"description": "Proposed from this organization's usage. Fill in each step's args (expressions can pass one step's output to the next) before saving.",
				"steps":       steps},
		})
	}
	return out, an.Sources, nil
}

func (p *plugin) generate(ctx context.Context, call *sdk.Call, in GenerateInput) (GenerateOutput, error) {
	ps, sources, err := p.proposals(ctx, call, in.UserID, in.Days, in.Limit)
	return GenerateOutput{Proposals: ps, Sources: sources}, err
}

// RecommendInput is get_recommended_presets' input (v1's names).
type RecommendInput struct {
	UserID       string `json:"userId,omitempty"`
	BusinessType string `json:"businessType,omitempty" jsonschema:"freelancer, retail or service: prefer presets for it"`
	Limit        int    `json:"limit,omitempty" jsonschema:"1-20, default 5"`
}

// Recommendation is one recommended preset.
type Recommendation struct {
	PresetID string    `json:"preset_id,omitempty"`
	Title    string    `json:"title"`
	Reason   string    `json:"reason"`
	Score    float64   `json:"score"`
	Proposal *Proposal `json:"proposal,omitempty" jsonschema:"a preset to create from usage"`
}

// RecommendOutput is the ranked list.
type RecommendOutput struct {
	Recommendations []Recommendation `json:"recommendations"`
}

func (p *plugin) recommend(ctx context.Context, call *sdk.Call, in RecommendInput) (RecommendOutput, error) {
	limit := in.Limit
	if limit == 0 {
		limit = 5
	}
	if limit < 1 || limit > 20 {
		return RecommendOutput{}, sdk.Invalid("limit", "must be 1 to 20, got %d", limit)
	}
	runs, err := p.engine.Store.List(ctx, call.Caller.OrganizationID, 1000)
	if err != nil {
		return RecommendOutput{}, err
	}
	used := map[string]int{}
	for _, r := range runs {
		if !r.DryRun {
			used[r.PresetID]++
		}
	}
	var recs []Recommendation
	own, err := p.custom.list(ctx, call.Caller.OrganizationID)
	if err != nil {
		return RecommendOutput{}, err
	}
	all := append(append([]*PresetRef{}, refs(p.templates, true)...), refs(own, false)...)
	for _, w := range all {
		score := 0.1
		reason := "a built-in template"
		if !w.builtIn {
			score, reason = 0.3, "one of this organization's own presets"
		}
		if n := used[w.w.ID]; n > 0 {
			score += float64(n)
			reason = fmt.Sprintf("run %d times by this organization", n)
		}
		if in.BusinessType != "" && w.w.BusinessType == in.BusinessType {
			score += 0.2
		}
		recs = append(recs, Recommendation{PresetID: w.w.ID, Title: w.w.Title, Reason: reason, Score: round2(score)})
	}
	props, _, err := p.proposals(ctx, call, in.UserID, 90, 5)
	if err != nil {
		return RecommendOutput{}, err
	}
	for i := range props {
		pr := props[i]
		recs = append(recs, Recommendation{Title: pr.Workflow["title"].(string), Reason: pr.Reason,
			Score: round2(float64(pr.Pattern.Support) * pr.Pattern.Confidence), Proposal: &pr})
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Score > recs[j].Score })
	if len(recs) > limit {
		recs = recs[:limit]
	}
	return RecommendOutput{Recommendations: recs}, nil
}

// PresetRef is a preset and whether it is built in.
type PresetRef struct {
	w       *workflow.Workflow
	builtIn bool
}

func refs(ws []*workflow.Workflow, builtIn bool) []*PresetRef {
	out := make([]*PresetRef, len(ws))
	for i, w := range ws {
		out[i] = &PresetRef{w: w, builtIn: builtIn}
	}
	return out
}
