package v1stats

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func f(v float64) *float64 { return &v }

// TestMeanCI: Student's t interval for 1..5 (mean 3, s = √2.5, t(0.975, 4)
// = 2.776445 from standard t tables, e.g. NIST/SEMATECH e-Handbook §1.3.6.7.2):
// 3 ± 2.776445·√2.5/√5 = 3 ± 1.963243.
func TestMeanCI(t *testing.T) {
	m := meanCI([]float64{1, 2, 3, 4, 5})
	near(t, "mean", m.Mean, 3, 1e-12)
	near(t, "low", m.CI.Low, 3-1.963243, 1e-5)
	near(t, "high", m.CI.High, 3+1.963243, 1e-5)
	if meanCI([]float64{4}).CI != nil {
		t.Error("an interval from one value")
	}
}

func TestAnalyzeFeedback(t *testing.T) {
	items := []FeedbackItem{
		{ID: "1", Text: "The app is so slow when loading invoices", Rating: f(1)},
		{ID: "2", Text: "Langsom synkronisering, virker ikke", Rating: f(2)},
		{ID: "3", Text: "Performance got worse after the update", Rating: f(1)},
		{ID: "4", Text: "Slow export", Rating: f(2), Category: "bug"},
		{ID: "5", Text: "Great support, quick help", Rating: f(5), Source: "email"},
		{ID: "6", Text: "Nothing to add here really"},
		{ID: "7", Text: "lovely"},
	}
	r, err := AnalyzeFeedback(items, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Themes) != 2 || r.Themes[0].Theme != "Performance" {
		t.Fatalf("themes %+v, want Performance first and 2 themes", r.Themes)
	}
	p := r.Themes[0]
	if diff := cmp.Diff([]string{"1", "2", "3", "4"}, p.ItemIDs); diff != "" {
		t.Errorf("performance items (-want +got):\n%s", diff)
	}
	// ratings 1, 2, 1, 2: mean 1.5, s = 0.57735, t(0.975, 3) = 3.182446:
	// upper 1.5 + 3.182446·0.57735/2 = 2.4187 < 3, so clearly negative
	near(t, "mean rating", p.Rating.Mean, 1.5, 1e-12)
	near(t, "upper", p.Rating.CI.High, 2.4187, 1e-4)
	if p.Sentiment != "negative" {
		t.Errorf("sentiment %s, want negative", p.Sentiment)
	}
	if r.Unmatched != 1 || r.Rated != 5 || r.RatingDist["1"] != 2 {
		t.Errorf("unmatched %d rated %d dist %v", r.Unmatched, r.Rated, r.RatingDist)
	}
	if _, err := AnalyzeFeedback(nil, 4); err == nil {
		t.Error("empty feedback accepted")
	}
	if _, err := AnalyzeFeedback([]FeedbackItem{{Text: "x", Rating: f(6)}}, 4); err == nil {
		t.Error("rating 6 accepted")
	}
}

func TestAnalyzeUsage(t *testing.T) {
	var items []UsageItem
	// "export" grows by exactly 2 a day; "import" is flat with noise
	for d := 0; d < 10; d++ {
		day := "2026-11-" + string(rune('0'+(d+10)/10)) + string(rune('0'+(d+10)%10))
		items = append(items, UsageItem{UserID: "u1", Feature: "export", Timestamp: day, UsageCount: float64(10 + 2*d), UserSegment: "pro", SessionDuration: f(20)})
		items = append(items, UsageItem{UserID: "u2", Feature: "import", Timestamp: day + "T10:00:00Z", UsageCount: float64(5 + d%2), UserSegment: "basic"})
	}
	r, err := AnalyzeUsage(items, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Features[0].Feature != "export" || r.Features[0].TotalUsage != 190 {
		t.Fatalf("top feature %+v", r.Features[0])
	}
	tr := r.Features[0].Trend
	near(t, "slope", tr.SlopePerDay, 2, 1e-9)
	if tr.Direction != "rising" || tr.PValue != 0 {
		t.Errorf("export trend %+v, want rising with p = 0 (an exact line)", tr)
	}
	if d := r.Features[1].Trend.Direction; d != "flat" {
		t.Errorf("import trend %s, want flat", d)
	}
	if r.Features[0].TopSegment != "pro" || r.Segments["basic"] != 55 {
		t.Errorf("segments %v top %s", r.Segments, r.Features[0].TopSegment)
	}
	if _, err := AnalyzeUsage([]UsageItem{{Feature: "x", Timestamp: "yesterday"}}, 3); err == nil {
		t.Error("bad timestamp accepted")
	}
}

// TestAnalyzeSegments: adoption 50/100 vs 30/100 is Pearson's chi-square
// 8.3333 on 1 df (by hand: pooled 0.4, expected 40/60 per row,
// Σ(o−e)²/e = 4·(100/40+100/60)/2 = 8.3333), p = 0.003892.
func TestAnalyzeSegments(t *testing.T) {
	rows := []AdoptionRow{
		{Segment: "smb", Feature: "invoicing", AdoptionRate: 50, RetentionRate: 80, UsageFrequency: 4, UserCount: 100, Revenue: f(1000)},
		{Segment: "enterprise", Feature: "invoicing", AdoptionRate: 30, RetentionRate: 90, UsageFrequency: 2, UserCount: 100},
	}
	r, err := AnalyzeSegments(rows, []string{"smb", "enterprise"}, []string{"invoicing", "reports"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Scale != "percent" || r.Best != "smb" || r.Worst != "enterprise" {
		t.Errorf("scale %s best %s worst %s", r.Scale, r.Best, r.Worst)
	}
	fc := r.Features[0]
	near(t, "chi²", fc.ChiSquare, 8.333333, 1e-5)
	near(t, "p", fc.PValue, 0.003892, 2e-6)
	if !fc.Significant {
		t.Error("p = 0.004 not significant")
	}
	if !math.IsNaN(r.Features[1].PValue) || r.Features[1].Warning == "" {
		t.Errorf("feature without data: %+v", r.Features[1])
	}
	if diff := cmp.Diff([]string{"smb/reports", "enterprise/reports"}, r.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	near(t, "smb revenue per user", *r.Segments[0].RevenuePerUser, 10, 1e-12)
	if _, err := AnalyzeSegments(rows, []string{"smb"}, []string{"invoicing"}); err == nil {
		t.Error("one segment accepted")
	}
}

func TestAdoptionRisks(t *testing.T) {
	plan := Plan{
		Features: []RolloutFeature{
			{Name: "ai-bookkeeping", Complexity: "high", TargetAdoption: 80, Dependencies: []string{"bank-sync"}},
			{Name: "bank-sync", Complexity: "high", TargetAdoption: 50},
			{Name: "dark-mode", Complexity: "low", TargetAdoption: 30, Dependencies: []string{"themes"}},
		},
		StartDate: "2026-01-01", EndDate: "2026-03-01",
		Phases: []Phase{{Name: "1", Duration: 30, Features: []string{"ai-bookkeeping"}}, {Name: "2", Duration: 45, Features: []string{"bank-sync", "dark-mode"}}},
		Segments: []UserSegment{{Name: "accountants", Size: 300, TechSavviness: "low", ResistanceToChange: "high"},
			{Name: "startups", Size: 700, TechSavviness: "high", ResistanceToChange: "low"}},
	}
	risks, err := AdoptionRisks(plan, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range risks {
		got = append(got, r.Category)
	}
	// dependencies 9, complexity 6 (one feature: impact 2 → 3·2), timeline
	// overrun 6, aggressive 4, users 30 % → 2·2 = 4
	want := []string{"dependencies", "complexity", "timeline", "timeline", "users"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("risks (-want +got):\n%s\n%+v", diff, risks)
	}
	if diff := cmp.Diff([]string{
		"ai-bookkeeping (phase 1) depends on bank-sync, which comes later (phase 2)",
		"dark-mode depends on themes, which is not in the plan",
	}, risks[0].Evidence); diff != "" {
		t.Errorf("dependency evidence (-want +got):\n%s", diff)
	}
	plan.Segments[0].TechSavviness = "expert"
	if _, err := AdoptionRisks(plan, 5); err == nil {
		t.Error("techSavviness expert accepted")
	}
}
