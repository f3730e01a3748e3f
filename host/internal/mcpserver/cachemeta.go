package mcpserver

import (
	"fmt"
	"math"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/mark3labs/mcp-go/mcp"
)

// The _meta keys of the host's cache. A client asks for fresh data in a
// tools/call's _meta (no tool's input schema changes, so tools/list costs
// nothing more); the host marks a result that used stale data in the
// result's _meta, and says so in a last text item for the model.
const (
	MetaFresh = "io.billy-mcp/fresh"
	MetaStale = "io.billy-mcp/stale"
)

// wantsFresh reads io.billy-mcp/fresh: true.
func wantsFresh(m *mcp.Meta) bool {
	if m == nil {
		return false
	}
	v, _ := m.AdditionalFields[MetaFresh].(bool)
	return v
}

// markStale adds the stale marker to a result that used stale answers.
func markStale(res *mcp.CallToolResult, op *dispatch.Op) *mcp.CallToolResult {
	st, ok := op.Cache.Stale()
	if !ok || res == nil {
		return res
	}
	age := int64(math.Round(st.Age.Seconds()))
	if res.Meta == nil {
		res.Meta = &mcp.Meta{}
	}
	if res.Meta.AdditionalFields == nil {
		res.Meta.AdditionalFields = map[string]any{}
	}
	res.Meta.AdditionalFields[MetaStale] = map[string]any{
		"stale": true, "age_seconds": age, "reason": st.Reason, "reads": st.Reads,
	}
	res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf(
		"Note: Billy could not be reached (%s), so this answer uses data from the cache that is up to %s old; it may be out of date.",
		st.Reason, ageText(age))))
	return res
}

func ageText(s int64) string {
	switch {
	case s < 90:
		return fmt.Sprintf("%d seconds", s)
	case s < 90*60:
		return fmt.Sprintf("%d minutes", (s+30)/60)
	default:
		return fmt.Sprintf("%.1f hours", float64(s)/3600)
	}
}
