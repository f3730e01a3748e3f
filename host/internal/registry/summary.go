package registry

import (
	"strings"
	"unicode/utf8"
)

// The effects a tool may have, as tool discovery (search_tools) and the
// compact tools/list name them, read from the tool's annotations.
const (
	EffectReadOnly    = "read-only"
	EffectWrite       = "write"
	EffectDestructive = "destructive"
)

// Effect says what a call of t may do to data: read-only when it says it
// is, write when it changes data but says it destroys none, and
// destructive otherwise. A tool that states neither hint is destructive,
// as MCP's defaults say (readOnlyHint false, destructiveHint true): a
// plugin author who forgot the hints does not get a tool that looks
// harmless.
func (t *Tool) Effect() string {
	a := t.Annotations
	switch {
	case a.ReadOnly != nil && *a.ReadOnly:
		return EffectReadOnly
	case a.Destructive != nil && !*a.Destructive:
		return EffectWrite
	default:
		return EffectDestructive
	}
}

// summaryMax bounds Summary, in bytes.
const summaryMax = 160

// Summary is the first sentence of t's description (at most 160 bytes, cut
// at a word): what a listing that cannot afford the whole description
// shows.
func (t *Tool) Summary() string { return Summarize(t.Description) }

// Summarize returns the first sentence of s (ended by ". ", a line break
// or the end), at most 160 bytes, cut at a word with "…" when longer.
func Summarize(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if len(s) <= summaryMax {
		return s
	}
	cut := summaryMax - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > summaryMax/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}
