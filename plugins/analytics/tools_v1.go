package analytics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/v1stats"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// v1Tools are v1's five analysis tools: the same names and inputs (the
// inventory's §3.7), answered with the statistics done properly. They
// compute on the data the caller gives and read nothing from Billy.
func (p *Plugin) v1Tools() []sdk.Tool {
	spec := func(s sdk.ToolSpec) sdk.ToolSpec {
		s.Effect, s.Idempotent, s.ClosedWorld, s.Category, s.Scopes = sdk.ReadOnly, true, true, "analytics", readScopes
		return s
	}
	return []sdk.Tool{
		sdk.NewTool(spec(sdk.ToolSpec{
			Name:  "analyze_feedback",
			Title: "Analyze feedback (v1)",
			Description: "Groups feedback texts into themes by keyword (English and Danish: UI, Performance, Features, Support, Billing, Integration, Reliability, Usability), " +
				"with the mean rating per theme and its 95 % confidence interval; a theme is negative only when the whole interval lies below 3. Computes on the data given.",
			Examples: []sdk.Example{{Title: "Two comments", Arguments: FeedbackInput{Feedback: []FeedbackItemIn{{Text: "Appen er langsom", Rating: ptr(2.0)}, {Text: "Great support", Rating: ptr(5.0)}}}}},
		}), analyzeFeedback),
		sdk.NewTool(spec(sdk.ToolSpec{
			Name:  "analyze_usage_data",
			Title: "Analyze usage data (v1)",
			Description: "Ranks features by total usage, with distinct users, mean session duration (95 % interval), the top segment, and a daily trend per feature " +
				"(least-squares slope and its p-value). Computes on the data given.",
			Examples: []sdk.Example{{Title: "Two records", Arguments: UsageInput{UsageData: []UsageItemIn{{Feature: "invoices", UsageCount: 12, Timestamp: "2026-11-01"},
				{Feature: "reports", UsageCount: 3, Timestamp: "2026-11-02"}}}}},
		}), analyzeUsage),
		sdk.NewTool(spec(sdk.ToolSpec{
			Name:  "analyze_adoption_risks",
			Title: "Analyze adoption risks (v1)",
			Description: "Finds the risks in a feature rollout plan by transparent rules, each with the records that triggered it and a mitigation: complex features with " +
				"ambitious targets, missing or late dependencies, phases that overrun the timeline or an aggressive one, unscheduled features, and user segments likely to resist.",
			Examples: []sdk.Example{{Title: "A small plan", Arguments: adoptionExample()}},
		}), analyzeAdoptionRisks),
		sdk.NewTool(spec(sdk.ToolSpec{
			Name:  "analyze_ab_test",
			Title: "Analyze an A/B test (v1)",
			Description: "Compares the conversion of two variants: the pooled two-proportion z-test, or Fisher's exact test when an expected count is below 5, " +
				"with the p-value, the test's assumptions and Newcombe's confidence interval for the difference at the level asked for; revenue per user by Welch's t-test " +
				"when both variants give revenue and revenueStdDev. Names a winner only when the difference is significant.",
			Examples: []sdk.Example{{Title: "Checkout test", Arguments: ABInput{TestData: ABTestData{TestName: "checkout",
				VariantA: VariantIn{Name: "A", SampleSize: 1000, Conversions: 50}, VariantB: VariantIn{Name: "B", SampleSize: 1000, Conversions: 72}}}}},
		}), analyzeABTest),
		sdk.NewTool(spec(sdk.ToolSpec{
			Name:  "analyze_segment_adoption",
			Title: "Analyze adoption by segment (v1)",
			Description: "Compares feature adoption across user segments: user-weighted adoption, retention and usage per segment, the best and worst segment, " +
				"and per feature a chi-square test of whether adoption differs by segment. Rates may be fractions (0–1) or percent (0–100).",
			Examples: []sdk.Example{{Title: "Two segments", Arguments: SegmentInput{Segments: []string{"smb", "enterprise"}, Features: []string{"invoicing"},
				AdoptionData: []AdoptionIn{{Segment: "smb", Feature: "invoicing", AdoptionRate: 0.5, UsageFrequency: 4, RetentionRate: 0.8, UserCount: 100},
					{Segment: "enterprise", Feature: "invoicing", AdoptionRate: 0.3, UsageFrequency: 2, RetentionRate: 0.9, UserCount: 100}}}}},
		}), analyzeSegmentAdoption),
	}
}

func ptr[T any](v T) *T { return &v }

// r4 rounds a statistic for output (NaN and infinities become nil).
func r4(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	v := math.Round(f*1e4) / 1e4
	return &v
}

// pText is a p-value for people, Danish decimal comma.
func pText(p float64) string {
	if p < 0.0001 {
		return "p < 0,0001"
	}
	return "p = " + daNumber(decimal.NewFromFloat(p), 4)
}

// Interval is a confidence interval.
type Interval struct {
	Low    *float64 `json:"low"`
	High   *float64 `json:"high"`
	Level  float64  `json:"level"`
	Method string   `json:"method"`
}

func intervalOut(i v1stats.Interval) Interval {
	return Interval{Low: r4(i.Low), High: r4(i.High), Level: i.Level, Method: i.Method}
}

// MeanCI is a mean with its 95 % interval.
type MeanCI struct {
	Mean *float64  `json:"mean"`
	N    int       `json:"n"`
	CI   *Interval `json:"ci,omitempty" jsonschema:"95 % Student t interval; absent below 2 values"`
}

func meanOut(m *v1stats.MeanCI) *MeanCI {
	if m == nil {
		return nil
	}
	out := &MeanCI{Mean: r4(m.Mean), N: m.N}
	if m.CI != nil {
		i := intervalOut(*m.CI)
		out.CI = &i
	}
	return out
}

// analyze_feedback ----------------------------------------------------------

// FeedbackItemIn is one piece of feedback (v1's shape).
type FeedbackItemIn struct {
	ID        string   `json:"id,omitempty"`
	Text      string   `json:"text"`
	Category  string   `json:"category,omitempty"`
	Rating    *float64 `json:"rating,omitempty" jsonschema:"1–5"`
	Timestamp string   `json:"timestamp,omitempty"`
	Source    string   `json:"source,omitempty"`
}

// FeedbackInput is analyze_feedback's input.
type FeedbackInput struct {
	Feedback    []FeedbackItemIn `json:"feedback" jsonschema:"at least one item"`
	ThemesCount int              `json:"themesCount,omitempty" jsonschema:"how many themes, 1–10 (default 4)"`
}

// ThemeOut is one theme.
type ThemeOut struct {
	Theme       string   `json:"theme"`
	Mentions    int      `json:"mentions"`
	Share       *float64 `json:"share" jsonschema:"of all items, 0–1"`
	Rating      *MeanCI  `json:"rating,omitempty"`
	Sentiment   string   `json:"sentiment" jsonschema:"negative or positive when the rating's 95 % interval lies below or above 3; mixed; unknown without ratings"`
	ItemIDs     []string `json:"itemIds" jsonschema:"up to 10 items (id, or #index)"`
	Implication string   `json:"implication"`
}

// FeedbackOutput is analyze_feedback's answer.
type FeedbackOutput struct {
	Items      int            `json:"items"`
	Rated      int            `json:"rated"`
	Rating     *MeanCI        `json:"rating,omitempty"`
	RatingDist map[string]int `json:"ratingDistribution"`
	Themes     []ThemeOut     `json:"themes"`
	Unmatched  int            `json:"unmatched" jsonschema:"items no theme matched"`
	ByCategory map[string]int `json:"byCategory"`
	BySource   map[string]int `json:"bySource"`
	Method     string         `json:"method"`
	Summary    string         `json:"summary"`
}

func analyzeFeedback(_ context.Context, _ *sdk.Call, in FeedbackInput) (FeedbackOutput, error) {
	var out FeedbackOutput
	items := make([]v1stats.FeedbackItem, len(in.Feedback))
	for i, f := range in.Feedback {
		items[i] = v1stats.FeedbackItem{ID: f.ID, Text: f.Text, Category: f.Category, Timestamp: f.Timestamp, Source: f.Source, Rating: f.Rating}
	}
	r, err := v1stats.AnalyzeFeedback(items, in.ThemesCount)
	if err != nil {
		return out, v1Invalid(err)
	}
	out = FeedbackOutput{Items: r.Items, Rated: r.Rated, Rating: meanOut(r.Rating), RatingDist: r.RatingDist, Unmatched: r.Unmatched,
		ByCategory: r.ByCategory, BySource: r.BySource, Method: r.Method, Themes: []ThemeOut{}}
	var parts []string
	for _, th := range r.Themes {
		out.Themes = append(out.Themes, ThemeOut{Theme: th.Theme, Mentions: th.Mentions, Share: r4(th.Share), Rating: meanOut(th.Rating),
			Sentiment: th.Sentiment, ItemIDs: th.ItemIDs, Implication: th.Implication})
		s := fmt.Sprintf("%s %s gange", th.Theme, daInt(th.Mentions))
		if th.Rating != nil {
			s += ", gns. bedømmelse " + daNumber(decimal.NewFromFloat(th.Rating.Mean), 2)
		}
		parts = append(parts, s+" ("+th.Sentiment+")")
	}
	out.Summary = fmt.Sprintf("%s feedback, %s med bedømmelse. Temaer: %s.", daInt(r.Items), daInt(r.Rated), strings.Join(parts, "; "))
	if len(parts) == 0 {
		out.Summary = fmt.Sprintf("%s feedback; ingen af temaerne blev genkendt.", daInt(r.Items))
	}
	return out, nil
}

// v1Invalid turns a v1stats input error (its message starts with the
// field's path) into a validation error on that field.
func v1Invalid(err error) error {
	msg := err.Error()
	field, rest, ok := strings.Cut(msg, " ")
	if !ok {
		return sdk.Invalid("arguments", "%s", msg)
	}
	return sdk.Invalid(strings.TrimSuffix(field, ":"), "%s", rest)
}

// analyze_usage_data --------------------------------------------------------

// UsageItemIn is one usage record (v1's shape).
type UsageItemIn struct {
	UserID          string   `json:"userId,omitempty"`
	Feature         string   `json:"feature"`
	UsageCount      float64  `json:"usageCount"`
	SessionDuration *float64 `json:"sessionDuration,omitempty" jsonschema:"minutes"`
	Timestamp       string   `json:"timestamp" jsonschema:"ISO date or timestamp"`
	UserSegment     string   `json:"userSegment,omitempty"`
}

// UsageInput is analyze_usage_data's input.
type UsageInput struct {
	UsageData   []UsageItemIn `json:"usageData"`
	TrendsCount int           `json:"trendsCount,omitempty" jsonschema:"how many features, 1–5 (default 3)"`
}

// TrendOut is a feature's daily trend.
type TrendOut struct {
	SlopePerDay *float64 `json:"slopePerDay"`
	PValue      *float64 `json:"pValue" jsonschema:"of no trend (slope 0), Student t"`
	Days        int      `json:"days"`
	Direction   string   `json:"direction" jsonschema:"rising, falling, or flat (not significant at 5 %)"`
}

// FeatureUsageOut is one feature.
type FeatureUsageOut struct {
	Feature    string    `json:"feature"`
	TotalUsage *float64  `json:"totalUsage"`
	Share      *float64  `json:"share"`
	Users      int       `json:"users"`
	Session    *MeanCI   `json:"sessionMinutes,omitempty"`
	Trend      *TrendOut `json:"trend,omitempty" jsonschema:"absent with fewer than 3 distinct days"`
	TopSegment string    `json:"topSegment,omitempty"`
}

// UsageOutput is analyze_usage_data's answer.
type UsageOutput struct {
	Records  int                `json:"records"`
	Features []FeatureUsageOut  `json:"features"`
	Segments map[string]float64 `json:"segments" jsonschema:"total usage per segment"`
	Session  *MeanCI            `json:"sessionMinutes,omitempty"`
	Method   string             `json:"method"`
	Summary  string             `json:"summary"`
}

func analyzeUsage(_ context.Context, _ *sdk.Call, in UsageInput) (UsageOutput, error) {
	var out UsageOutput
	items := make([]v1stats.UsageItem, len(in.UsageData))
	for i, u := range in.UsageData {
		items[i] = v1stats.UsageItem{UserID: u.UserID, Feature: u.Feature, Timestamp: u.Timestamp, UserSegment: u.UserSegment, UsageCount: u.UsageCount, SessionDuration: u.SessionDuration}
	}
	r, err := v1stats.AnalyzeUsage(items, in.TrendsCount)
	if err != nil {
		return out, v1Invalid(err)
	}
	out = UsageOutput{Records: r.Records, Segments: r.Segments, Session: meanOut(r.Session), Method: r.Method, Features: []FeatureUsageOut{}}
	var parts []string
	for _, f := range r.Features {
		fo := FeatureUsageOut{Feature: f.Feature, TotalUsage: r4(f.TotalUsage), Share: r4(f.Share), Users: f.Users, Session: meanOut(f.Session), TopSegment: f.TopSegment}
		s := fmt.Sprintf("%s: %s (%s)", f.Feature, daNumber(decimal.NewFromFloat(f.TotalUsage), 0), daPercent(decimal.NewFromFloat(100*f.Share)))
		if f.Trend != nil {
			fo.Trend = &TrendOut{SlopePerDay: r4(f.Trend.SlopePerDay), PValue: r4(f.Trend.PValue), Days: f.Trend.Days, Direction: f.Trend.Direction}
			s += fmt.Sprintf(", tendens %s (%s)", f.Trend.Direction, pText(f.Trend.PValue))
		}
		out.Features = append(out.Features, fo)
		parts = append(parts, s)
	}
	out.Summary = fmt.Sprintf("%s registreringer. Mest brugte funktioner: %s.", daInt(r.Records), strings.Join(parts, "; "))
	return out, nil
}

// analyze_adoption_risks ----------------------------------------------------

// RolloutFeatureIn is a feature of the plan (v1's shape).
type RolloutFeatureIn struct {
	Name           string   `json:"name"`
	Complexity     string   `json:"complexity" jsonschema:"low, medium (or med) or high"`
	Dependencies   []string `json:"dependencies,omitempty"`
	TargetAdoption float64  `json:"targetAdoption" jsonschema:"0–100"`
	RolloutPhase   any      `json:"rolloutPhase" jsonschema:"the phase's name or number"`
}

// PhaseIn is one phase of the timeline.
type PhaseIn struct {
	Name     string   `json:"name"`
	Duration float64  `json:"duration" jsonschema:"days"`
	Features []string `json:"features"`
}

// TimelineIn is the plan's timeline.
type TimelineIn struct {
	StartDate string    `json:"startDate"`
	EndDate   string    `json:"endDate"`
	Phases    []PhaseIn `json:"phases"`
}

// UserSegmentIn is one group of users.
type UserSegmentIn struct {
	Name               string  `json:"name"`
	Size               float64 `json:"size"`
	TechSavviness      any     `json:"techSavviness" jsonschema:"low, medium or high (or a number 1–10: 1–3 low, 4–7 medium, 8–10 high)"`
	ResistanceToChange any     `json:"resistanceToChange" jsonschema:"low, medium or high (or a number 1–10)"`
}

// RolloutPlanIn is v1's rolloutPlan.
type RolloutPlanIn struct {
	Features     []RolloutFeatureIn `json:"features"`
	Timeline     TimelineIn         `json:"timeline"`
	UserSegments []UserSegmentIn    `json:"userSegments"`
}

// AdoptionRisksInput is analyze_adoption_risks' input.
type AdoptionRisksInput struct {
	RolloutPlan RolloutPlanIn `json:"rolloutPlan"`
	RisksCount  int           `json:"risksCount,omitempty" jsonschema:"how many risks, 1–10 (default 5)"`
}

// RiskOut is one risk.
type RiskOut struct {
	Risk       string   `json:"risk"`
	Category   string   `json:"category"`
	Likelihood int      `json:"likelihood" jsonschema:"1–3"`
	Impact     int      `json:"impact" jsonschema:"1–3"`
	Score      int      `json:"score" jsonschema:"likelihood × impact, 1–9"`
	Evidence   []string `json:"evidence"`
	Mitigation string   `json:"mitigation"`
}

// AdoptionRisksOutput is analyze_adoption_risks' answer.
type AdoptionRisksOutput struct {
	Risks   []RiskOut `json:"risks"`
	Method  string    `json:"method"`
	Summary string    `json:"summary"`
}

func adoptionExample() AdoptionRisksInput {
	return AdoptionRisksInput{RolloutPlan: RolloutPlanIn{
		Features:     []RolloutFeatureIn{{Name: "bank-sync", Complexity: "high", TargetAdoption: 70, RolloutPhase: "1"}},
		Timeline:     TimelineIn{StartDate: "2027-01-01", EndDate: "2027-03-01", Phases: []PhaseIn{{Name: "1", Duration: 60, Features: []string{"bank-sync"}}}},
		UserSegments: []UserSegmentIn{{Name: "bogholdere", Size: 40, TechSavviness: "low", ResistanceToChange: "high"}},
	}}
}

// level reads low/medium/high or a 1–10 number.
func level(field string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		switch s {
		case "low", "medium", "high":
			return s, nil
		case "med":
			return "medium", nil
		}
	case float64:
		switch {
		case x >= 1 && x <= 3:
			return "low", nil
		case x > 3 && x <= 7:
			return "medium", nil
		case x > 7 && x <= 10:
			return "high", nil
		}
	}
	return "", sdk.Invalid(field, "must be low, medium or high (or a number from 1 to 10), got %v", v)
}

func analyzeAdoptionRisks(_ context.Context, _ *sdk.Call, in AdoptionRisksInput) (AdoptionRisksOutput, error) {
	var out AdoptionRisksOutput
	rp := in.RolloutPlan
	plan := v1stats.Plan{StartDate: rp.Timeline.StartDate, EndDate: rp.Timeline.EndDate}
	for _, f := range rp.Features {
		plan.Features = append(plan.Features, v1stats.RolloutFeature{Name: f.Name, Complexity: strings.ToLower(f.Complexity), Dependencies: f.Dependencies,
			TargetAdoption: f.TargetAdoption, RolloutPhase: fmt.Sprint(f.RolloutPhase)})
	}
	for i, ph := range rp.Timeline.Phases {
		if ph.Duration < 0 || ph.Duration != math.Trunc(ph.Duration) {
			return out, sdk.Invalid(fmt.Sprintf("rolloutPlan.timeline.phases[%d].duration", i), "must be a whole number of days, 0 or more, got %v", ph.Duration)
		}
		plan.Phases = append(plan.Phases, v1stats.Phase{Name: ph.Name, Duration: int(ph.Duration), Features: ph.Features})
	}
	for i, s := range rp.UserSegments {
		ts, err := level(fmt.Sprintf("rolloutPlan.userSegments[%d].techSavviness", i), s.TechSavviness)
		if err != nil {
			return out, err
		}
		rc, err := level(fmt.Sprintf("rolloutPlan.userSegments[%d].resistanceToChange", i), s.ResistanceToChange)
		if err != nil {
			return out, err
		}
		plan.Segments = append(plan.Segments, v1stats.UserSegment{Name: s.Name, Size: s.Size, TechSavviness: ts, ResistanceToChange: rc})
	}
	risks, err := v1stats.AdoptionRisks(plan, in.RisksCount)
	if err != nil {
		return out, v1Invalid(err)
	}
	out.Method = "rules over the plan; score = likelihood × impact (each 1–3); every risk cites the records that triggered it"
	out.Risks = []RiskOut{}
	var parts []string
	for _, r := range risks {
		out.Risks = append(out.Risks, RiskOut{Risk: r.Risk, Category: r.Category, Likelihood: r.Likelihood, Impact: r.Impact, Score: r.Score, Evidence: r.Evidence, Mitigation: r.Mitigation})
		parts = append(parts, fmt.Sprintf("%s (score %d)", r.Risk, r.Score))
	}
	if len(parts) == 0 {
		out.Summary = "Ingen risici fundet i planen efter reglerne."
	} else {
		out.Summary = fmt.Sprintf("%s risici: %s.", daInt(len(parts)), strings.Join(parts, "; "))
	}
	return out, nil
}

// analyze_ab_test ------------------------------------------------------------

// VariantIn is one arm (v1's shape, plus revenueStdDev for a revenue test).
type VariantIn struct {
	Name           string             `json:"name"`
	SampleSize     int                `json:"sampleSize"`
	Conversions    int                `json:"conversions"`
	ConversionRate *float64           `json:"conversionRate,omitempty" jsonschema:"as stated (0–1 or percent); checked against conversions/sampleSize, which the test uses"`
	Revenue        *float64           `json:"revenue,omitempty" jsonschema:"the arm's total revenue"`
	RevenueStdDev  *float64           `json:"revenueStdDev,omitempty" jsonschema:"standard deviation of revenue per user; with revenue in both arms it enables Welch's t-test"`
	OtherMetrics   map[string]float64 `json:"otherMetrics,omitempty" jsonschema:"reported side by side, not tested (no variances)"`
}

// ABTestData is v1's testData.
type ABTestData struct {
	TestName        string    `json:"testName"`
	VariantA        VariantIn `json:"variantA"`
	VariantB        VariantIn `json:"variantB"`
	TestDuration    *float64  `json:"testDuration,omitempty" jsonschema:"days (informational)"`
	ConfidenceLevel *float64  `json:"confidenceLevel,omitempty" jsonschema:"0.8–0.99 (default 0.95)"`
}

// ABInput is analyze_ab_test's input.
type ABInput struct {
	TestData ABTestData `json:"testData"`
}

// ConversionTestOut is the conversion comparison.
type ConversionTestOut struct {
	Test         string   `json:"test" jsonschema:"two_proportion_z or fisher_exact"`
	Assumptions  []string `json:"assumptions"`
	RateA        *float64 `json:"rateA"`
	RateB        *float64 `json:"rateB"`
	Difference   *float64 `json:"difference" jsonschema:"rateB − rateA"`
	RelativeLift *float64 `json:"relativeLift,omitempty" jsonschema:"(rateB − rateA)/rateA"`
	Statistic    *float64 `json:"z,omitempty"`
	PValue       *float64 `json:"pValue" jsonschema:"two-sided"`
	CI           Interval `json:"ci" jsonschema:"for rateB − rateA"`
	Significant  bool     `json:"significant" jsonschema:"p below 1 − confidenceLevel"`
}

// RevenueTestOut is Welch's t-test on revenue per user.
type RevenueTestOut struct {
	MeanA       Amount   `json:"meanA" jsonschema:"revenue per user"`
	MeanB       Amount   `json:"meanB"`
	Difference  Amount   `json:"difference"`
	T           *float64 `json:"t"`
	DF          *float64 `json:"df"`
	PValue      *float64 `json:"pValue"`
	CI          Interval `json:"ci"`
	Significant bool     `json:"significant"`
	Assumptions []string `json:"assumptions"`
}

// MetricSide is an otherMetrics value per arm.
type MetricSide struct {
	Metric string   `json:"metric"`
	A      *float64 `json:"a,omitempty"`
	B      *float64 `json:"b,omitempty"`
}

// ABOutput is analyze_ab_test's answer.
type ABOutput struct {
	TestName        string            `json:"testName"`
	ConfidenceLevel float64           `json:"confidenceLevel"`
	Conversion      ConversionTestOut `json:"conversion"`
	Revenue         *RevenueTestOut   `json:"revenue,omitempty"`
	OtherMetrics    []MetricSide      `json:"otherMetrics,omitempty"`
	Winner          string            `json:"winner" jsonschema:"the better variant's name, or empty when the difference is not significant"`
	Warnings        []string          `json:"warnings"`
	Summary         string            `json:"summary"`
}

func analyzeABTest(_ context.Context, _ *sdk.Call, in ABInput) (ABOutput, error) {
	var out ABOutput
	td := in.TestData
	level := 0.95
	if td.ConfidenceLevel != nil {
		level = *td.ConfidenceLevel
	}
	if level < 0.8 || level > 0.99 {
		return out, sdk.Invalid("testData.confidenceLevel", "must be from 0.8 to 0.99, got %v", level)
	}
	conv := func(field string, v VariantIn) (v1stats.Variant, error) {
		if v.SampleSize < 1 {
			return v1stats.Variant{}, sdk.Invalid(field+".sampleSize", "must be at least 1, got %d", v.SampleSize)
		}
		if v.Conversions < 0 || v.Conversions > v.SampleSize {
			return v1stats.Variant{}, sdk.Invalid(field+".conversions", "must be from 0 to sampleSize (%d), got %d", v.SampleSize, v.Conversions)
		}
		if v.RevenueStdDev != nil && *v.RevenueStdDev < 0 {
			return v1stats.Variant{}, sdk.Invalid(field+".revenueStdDev", "must be 0 or more")
		}
		out := v1stats.Variant{Name: v.Name, SampleSize: v.SampleSize, Conversions: v.Conversions, Revenue: v.Revenue, RevenueStdDev: v.RevenueStdDev}
		if v.ConversionRate != nil {
			out.ConversionRate = *v.ConversionRate
		}
		return out, nil
	}
	a, err := conv("testData.variantA", td.VariantA)
	if err != nil {
		return out, err
	}
	b, err := conv("testData.variantB", td.VariantB)
	if err != nil {
		return out, err
	}
	r, err := v1stats.ABTest(a, b, level)
	if err != nil {
		return out, v1Invalid(err)
	}
	c := r.Conversion
	out = ABOutput{TestName: td.TestName, ConfidenceLevel: level, Winner: r.Winner, Warnings: append([]string{}, r.Warnings...),
		Conversion: ConversionTestOut{Test: c.Test, Assumptions: c.Assumptions, RateA: r4(c.RateA), RateB: r4(c.RateB), Difference: r4(c.Difference),
			PValue: r4(c.PValue), CI: intervalOut(c.CI), Significant: c.Significant}}
	if c.RelativeLift != nil {
		out.Conversion.RelativeLift = r4(*c.RelativeLift)
	}
	if c.Statistic != nil {
		out.Conversion.Statistic = r4(*c.Statistic)
	}
	if w := r.Revenue; w != nil {
		out.Revenue = &RevenueTestOut{MeanA: amountOf(decimal.NewFromFloat(w.MeanA).Round(2)), MeanB: amountOf(decimal.NewFromFloat(w.MeanB).Round(2)),
			Difference: amountOf(decimal.NewFromFloat(w.Difference).Round(2)), T: r4(w.T), DF: r4(w.DF), PValue: r4(w.PValue), CI: intervalOut(w.CI),
			Significant: w.Significant, Assumptions: w.Assumptions}
	}
	keys := map[string]bool{}
	for k := range td.VariantA.OtherMetrics {
		keys[k] = true
	}
	for k := range td.VariantB.OtherMetrics {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ms := MetricSide{Metric: k}
		if v, ok := td.VariantA.OtherMetrics[k]; ok {
			ms.A = &v
		}
		if v, ok := td.VariantB.OtherMetrics[k]; ok {
			ms.B = &v
		}
		out.OtherMetrics = append(out.OtherMetrics, ms)
	}
	if len(names) > 0 {
		out.Warnings = append(out.Warnings, "otherMetrics are shown side by side without a test: they come without sample variances")
	}
	lvl := daPercent(decimal.NewFromFloat(100 * level))
	test := map[string]string{"two_proportion_z": "to-proportions z-test", "fisher_exact": "Fishers eksakte test"}[c.Test]
	out.Summary = fmt.Sprintf("%s: konvertering %s (A) mod %s (B), forskel %s point, %s, %s; %s-konfidensinterval for forskellen %s til %s point.",
		td.TestName, daPercent(decimal.NewFromFloat(100*c.RateA)), daPercent(decimal.NewFromFloat(100*c.RateB)),
		daNumber(decimal.NewFromFloat(100*c.Difference), 2), test, pText(c.PValue), lvl,
		daNumber(decimal.NewFromFloat(100*c.CI.Low), 2), daNumber(decimal.NewFromFloat(100*c.CI.High), 2))
	if r.Winner != "" {
		out.Summary += " Vinder: " + r.Winner + "."
	} else {
		out.Summary += " Forskellen er ikke signifikant: ingen vinder."
	}
	return out, nil
}

// analyze_segment_adoption ---------------------------------------------------

// AdoptionIn is one (segment, feature) record (v1's shape).
type AdoptionIn struct {
	Segment        string   `json:"segment"`
	Feature        string   `json:"feature"`
	AdoptionRate   float64  `json:"adoptionRate" jsonschema:"0–1, or 0–100 as percent"`
	UsageFrequency float64  `json:"usageFrequency"`
	RetentionRate  float64  `json:"retentionRate" jsonschema:"0–1, or 0–100 as percent"`
	Revenue        *float64 `json:"revenue,omitempty"`
	UserCount      int      `json:"userCount"`
}

// SegmentInput is analyze_segment_adoption's input.
type SegmentInput struct {
	AdoptionData []AdoptionIn `json:"adoptionData"`
	Segments     []string     `json:"segments" jsonschema:"at least 2"`
	Features     []string     `json:"features" jsonschema:"at least 1"`
}

// SegmentOut is one segment.
type SegmentOut struct {
	Segment        string   `json:"segment"`
	Users          int      `json:"users"`
	Adoption       *float64 `json:"adoption" jsonschema:"user-weighted, 0–1"`
	Retention      *float64 `json:"retention" jsonschema:"user-weighted, 0–1"`
	UsageFrequency *float64 `json:"usageFrequency"`
	Revenue        *Amount  `json:"revenue,omitempty"`
	RevenuePerUser *Amount  `json:"revenuePerUser,omitempty"`
}

// FeatureCompareOut is one feature's test across segments.
type FeatureCompareOut struct {
	Feature     string             `json:"feature"`
	Adoption    map[string]float64 `json:"adoption" jsonschema:"per segment, 0–1"`
	ChiSquare   *float64           `json:"chiSquare,omitempty"`
	DF          int                `json:"df"`
	PValue      *float64           `json:"pValue,omitempty" jsonschema:"absent when no test was possible"`
	Significant bool               `json:"significant" jsonschema:"at 5 %"`
	Warning     string             `json:"warning,omitempty"`
}

// SegmentOutput is analyze_segment_adoption's answer.
type SegmentOutput struct {
	Scale    string              `json:"scale" jsonschema:"how the rates were read: fraction or percent"`
	Segments []SegmentOut        `json:"segments"`
	Best     string              `json:"bestSegment"`
	Worst    string              `json:"worstSegment"`
	Features []FeatureCompareOut `json:"features"`
	Missing  []string            `json:"missing" jsonschema:"segment/feature pairs without data"`
	Method   string              `json:"method"`
	Summary  string              `json:"summary"`
}

func analyzeSegmentAdoption(_ context.Context, _ *sdk.Call, in SegmentInput) (SegmentOutput, error) {
	var out SegmentOutput
	rows := make([]v1stats.AdoptionRow, len(in.AdoptionData))
	for i, a := range in.AdoptionData {
		rows[i] = v1stats.AdoptionRow{Segment: a.Segment, Feature: a.Feature, AdoptionRate: a.AdoptionRate, UsageFrequency: a.UsageFrequency,
			RetentionRate: a.RetentionRate, Revenue: a.Revenue, UserCount: a.UserCount}
	}
	r, err := v1stats.AnalyzeSegments(rows, in.Segments, in.Features)
	if err != nil {
		return out, v1Invalid(err)
	}
	out = SegmentOutput{Scale: r.Scale, Best: r.Best, Worst: r.Worst, Missing: append([]string{}, r.Missing...), Method: r.Method}
	for _, s := range r.Segments {
		so := SegmentOut{Segment: s.Segment, Users: s.Users, Adoption: r4(s.Adoption), Retention: r4(s.Retention), UsageFrequency: r4(s.UsageFrequency)}
		if s.Revenue != nil {
			v := amountOf(decimal.NewFromFloat(*s.Revenue).Round(2))
			so.Revenue = &v
		}
		if s.RevenuePerUser != nil {
			v := amountOf(decimal.NewFromFloat(*s.RevenuePerUser).Round(2))
			so.RevenuePerUser = &v
		}
		out.Segments = append(out.Segments, so)
	}
	var sig []string
	for _, f := range r.Features {
		fo := FeatureCompareOut{Feature: f.Feature, Adoption: f.Adoption, DF: f.DF, PValue: r4(f.PValue), Significant: f.Significant, Warning: f.Warning}
		if f.ChiSquare != 0 {
			fo.ChiSquare = r4(f.ChiSquare)
		}
		out.Features = append(out.Features, fo)
		if f.Significant {
			sig = append(sig, fmt.Sprintf("%s (%s)", f.Feature, pText(f.PValue)))
		}
	}
	out.Summary = fmt.Sprintf("Bedste segment: %s, svageste: %s.", r.Best, r.Worst)
	if len(sig) > 0 {
		out.Summary += " Ibrugtagningen afhænger signifikant af segmentet for " + strings.Join(sig, ", ") + "."
	} else {
		out.Summary += " Ingen funktion viser en signifikant forskel mellem segmenterne (5 %)."
	}
	return out, nil
}
