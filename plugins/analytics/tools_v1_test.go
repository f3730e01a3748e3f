package analytics

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// v1Harness runs the plugin with no Billy: the v1 tools compute on their
// arguments alone.
func v1Harness(t *testing.T) *sdktest.Harness {
	t.Helper()
	p := &Plugin{now: func() time.Time { return anchor }}
	h, err := sdktest.Start(t, p.declare(), sdktest.WithCaller(sdk.Caller{Subject: "u", OrganizationID: "org-1", Scopes: []string{"billy:read"}}))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestV1ABTestTool(t *testing.T) {
	h := v1Harness(t)
	ctx := context.Background()
	var out ABOutput
	// v1's own input shape; a 0.90 level, which v1 answered with 2.58
	err := h.CallToolInto(ctx, "analyze_ab_test", map[string]any{"testData": map[string]any{
		"testName": "checkout", "confidenceLevel": 0.90,
		"variantA": map[string]any{"name": "A", "sampleSize": 100, "conversions": 45, "conversionRate": 0.45},
		"variantB": map[string]any{"name": "B", "sampleSize": 100, "conversions": 56, "conversionRate": 0.56, "otherMetrics": map[string]any{"bounce": 0.3}},
	}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	// z = 1.5557, p = 0.1198 (see v1stats.TestTwoProportionZ): not significant at 90 %
	if out.Conversion.Test != "two_proportion_z" || math.Abs(*out.Conversion.PValue-0.1198) > 5e-4 || out.Conversion.Significant || out.Winner != "" {
		t.Errorf("conversion %+v winner %q", out.Conversion, out.Winner)
	}
	if out.Conversion.CI.Level != 0.90 || !(*out.Conversion.CI.Low < 0 && *out.Conversion.CI.High > 0) {
		t.Errorf("90 %% interval %+v should include 0", out.Conversion.CI)
	}
	if len(out.OtherMetrics) != 1 || !strings.Contains(out.Summary, "p = 0,1198") {
		t.Errorf("other metrics %+v; summary %q", out.OtherMetrics, out.Summary)
	}
	var e *sdk.Error
	err = h.CallToolInto(ctx, "analyze_ab_test", map[string]any{"testData": map[string]any{"testName": "x",
		"variantA": map[string]any{"name": "A", "sampleSize": 10, "conversions": 11},
		"variantB": map[string]any{"name": "B", "sampleSize": 10, "conversions": 1}}}, &out)
	if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != "testData.variantA.conversions" {
		t.Errorf("conversions > sampleSize: %v %+v", err, e)
	}
}

func TestV1FeedbackUsageSegmentsRisks(t *testing.T) {
	h := v1Harness(t)
	ctx := context.Background()
	var fb FeedbackOutput
	if err := h.CallToolInto(ctx, "analyze_feedback", map[string]any{"feedback": []any{
		map[string]any{"id": "1", "text": "So slow", "rating": 1}, map[string]any{"id": "2", "text": "langsom", "rating": 2},
		map[string]any{"id": "3", "text": "slow to load", "rating": 1}}, "themesCount": 2}, &fb); err != nil {
		t.Fatal(err)
	}
	if len(fb.Themes) != 1 || fb.Themes[0].Theme != "Performance" || fb.Themes[0].Sentiment != "negative" {
		t.Errorf("themes %+v", fb.Themes)
	}
	var us UsageOutput
	if err := h.CallToolInto(ctx, "analyze_usage_data", map[string]any{"usageData": []any{
		map[string]any{"feature": "export", "usageCount": 10, "timestamp": "2026-11-01"},
		map[string]any{"feature": "export", "usageCount": 12, "timestamp": "2026-11-02"},
		map[string]any{"feature": "export", "usageCount": 14, "timestamp": "2026-11-03T09:00:00Z"}}}, &us); err != nil {
		t.Fatal(err)
	}
	if len(us.Features) != 1 || us.Features[0].Trend == nil || *us.Features[0].Trend.SlopePerDay != 2 {
		t.Errorf("usage %+v", us.Features)
	}
	var sg SegmentOutput
	if err := h.CallToolInto(ctx, "analyze_segment_adoption", SegmentInput{Segments: []string{"smb", "enterprise"}, Features: []string{"invoicing"},
		AdoptionData: []AdoptionIn{{Segment: "smb", Feature: "invoicing", AdoptionRate: 50, RetentionRate: 80, UsageFrequency: 4, UserCount: 100},
			{Segment: "enterprise", Feature: "invoicing", AdoptionRate: 30, RetentionRate: 90, UsageFrequency: 2, UserCount: 100}}}, &sg); err != nil {
		t.Fatal(err)
	}
	// chi² 8.3333 on 1 df, p = 0.003892 (see v1stats.TestAnalyzeSegments)
	if sg.Best != "smb" || sg.Features[0].PValue == nil || math.Abs(*sg.Features[0].PValue-0.0039) > 1e-4 {
		t.Errorf("segments %+v", sg)
	}
	var rk AdoptionRisksOutput
	in := adoptionExample()
	in.RolloutPlan.UserSegments[0].TechSavviness = 2.0 // v1 may have sent numbers
	if err := h.CallToolInto(ctx, "analyze_adoption_risks", in, &rk); err != nil {
		t.Fatal(err)
	}
	cats := map[string]bool{}
	for _, r := range rk.Risks {
		cats[r.Category] = true
	}
	if !cats["complexity"] || !cats["timeline"] || !cats["users"] {
		t.Errorf("risks %+v", rk.Risks)
	}
	in.RolloutPlan.UserSegments[0].ResistanceToChange = "extreme"
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "analyze_adoption_risks", in, &rk); !errors.As(err, &e) || e.Fields[0].Field != "rolloutPlan.userSegments[0].resistanceToChange" {
		t.Errorf("bad resistance: %v", err)
	}
}
