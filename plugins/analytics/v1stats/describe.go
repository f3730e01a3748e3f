package v1stats

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// MeanCI is a sample mean with its t interval (nil below two values).
type MeanCI struct {
	Mean float64
	N    int
	CI   *Interval
}

// meanCI is the mean of x with the 95 % Student t interval.
func meanCI(x []float64) MeanCI {
	m := MeanCI{N: len(x)}
	if len(x) == 0 {
		return m
	}
	mean, sd := stat.MeanStdDev(x, nil)
	m.Mean = mean
	if len(x) < 2 {
		return m
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}.Quantile(0.975)
	half := q * sd / math.Sqrt(float64(len(x)))
	m.CI = &Interval{Low: mean - half, High: mean + half, Level: 0.95, Method: "Student t"}
	return m
}

// Feedback ---------------------------------------------------------------

// FeedbackItem is one piece of feedback as v1 took it.
type FeedbackItem struct {
	ID, Text, Category, Timestamp, Source string
	Rating                                *float64 // 1–5
}

// Theme is one theme found in the feedback.
type Theme struct {
	Theme       string
	Mentions    int
	Share       float64 // of all items
	Rating      *MeanCI // over the mentions that carry a rating
	ItemIDs     []string
	Sentiment   string // negative, mixed, positive, unknown: from the rating's interval
	Implication string
}

// FeedbackResult is analyze_feedback's answer.
type FeedbackResult struct {
	Items      int
	Rated      int
	Rating     *MeanCI
	RatingDist map[string]int // "1".."5"
	Themes     []Theme
	Unmatched  int // items no theme matched
	ByCategory map[string]int
	BySource   map[string]int
	Method     string
}

// themes is the keyword dictionary: v1's eight themes, with English and
// Danish keywords (stems matched at word starts).
var themes = []struct {
	name, implication string
	words             []string
}{
	{"UI", "review the interface and visual design", []string{"ui", "interface", "design", "layout", "button", "screen", "brugerflade", "knap", "skærm", "grænseflade"}},
	{"Performance", "profile and speed up the slow paths", []string{"slow", "fast", "speed", "performance", "lag", "load", "langsom", "hurtig", "hastighed", "ydeevne"}},
	{"Features", "weigh the requested features in the roadmap", []string{"feature", "missing", "wish", "request", "add", "funktion", "mangler", "ønske", "savner"}},
	{"Support", "look at support response times and quality", []string{"support", "help", "service", "response", "hjælp", "kundeservice", "svar"}},
	{"Billing", "check pricing and invoicing clarity", []string{"price", "pricing", "bill", "invoice", "cost", "expensive", "pris", "faktura", "dyr", "betaling"}},
	{"Integration", "review the integrations customers depend on", []string{"integration", "api", "sync", "connect", "import", "export", "integration", "synkron", "forbind"}},
	{"Reliability", "investigate errors and outages", []string{"bug", "crash", "error", "down", "broken", "fail", "fejl", "nedbrud", "virker ikke", "går ned"}},
	{"Usability", "simplify the workflows users find hard", []string{"easy", "hard", "confusing", "intuitive", "difficult", "usab", "nem", "svær", "forvirrende", "besværlig"}},
}

// matches reports whether text holds a keyword at a word start.
func matches(text, kw string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], kw)
		if j < 0 {
			return false
		}
		p := i + j
		if p == 0 || !isLetter(rune(text[p-1])) {
			return true
		}
		i = p + 1
	}
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 0x80 }

// AnalyzeFeedback finds themes by keyword, with the mean rating per theme
// and its 95 % interval; a theme's sentiment is negative only when the whole
// interval lies below 3 (the scale's middle), positive when above.
func AnalyzeFeedback(items []FeedbackItem, themesCount int) (*FeedbackResult, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("feedback must hold at least one item")
	}
	if themesCount == 0 {
		themesCount = 4
	}
	if themesCount < 1 || themesCount > 10 {
		return nil, fmt.Errorf("themesCount must be from 1 to 10")
	}
	res := &FeedbackResult{Items: len(items), RatingDist: map[string]int{}, ByCategory: map[string]int{}, BySource: map[string]int{},
		Method: "keyword themes (English and Danish); ratings summarised with 95 % Student t intervals"}
	var all []float64
	found := make([]Theme, len(themes))
	ratings := make([][]float64, len(themes))
	for i, th := range themes {
		found[i] = Theme{Theme: th.name}
	}
	for i, it := range items {
		if strings.TrimSpace(it.Text) == "" {
			return nil, fmt.Errorf("feedback[%d].text must not be empty", i)
		}
		if it.Rating != nil {
			if *it.Rating < 1 || *it.Rating > 5 {
				return nil, fmt.Errorf("feedback[%d].rating must be from 1 to 5", i)
			}
			all = append(all, *it.Rating)
			res.RatingDist[fmt.Sprint(int(math.Round(*it.Rating)))]++
		}
		if it.Category != "" {
			res.ByCategory[it.Category]++
		}
		if it.Source != "" {
			res.BySource[it.Source]++
		}
		text := strings.ToLower(it.Text)
		any := false
		for k, th := range themes {
			for _, w := range th.words {
				if matches(text, w) {
					found[k].Mentions++
					id := it.ID
					if id == "" {
						id = fmt.Sprintf("#%d", i)
					}
					found[k].ItemIDs = append(found[k].ItemIDs, id)
					if it.Rating != nil {
						ratings[k] = append(ratings[k], *it.Rating)
					}
					any = true
					break
				}
			}
		}
		if !any {
			res.Unmatched++
		}
	}
	res.Rated = len(all)
	if len(all) > 0 {
		m := meanCI(all)
		res.Rating = &m
	}
	var out []Theme
	for k := range found {
		th := found[k]
		if th.Mentions == 0 {
			continue
		}
		th.Share = float64(th.Mentions) / float64(len(items))
		th.Sentiment = "unknown"
		if len(ratings[k]) > 0 {
			m := meanCI(ratings[k])
			th.Rating = &m
			switch {
			case m.CI == nil:
				th.Sentiment = "unknown"
			case m.CI.High < 3:
				th.Sentiment = "negative"
			case m.CI.Low > 3:
				th.Sentiment = "positive"
			default:
				th.Sentiment = "mixed"
			}
		}
		if th.Sentiment == "negative" {
			th.Implication = "Users rate this clearly below the middle of the scale: " + themes[k].implication + "."
		} else {
			th.Implication = "Mentioned by " + fmt.Sprintf("%.0f %%", 100*th.Share) + " of the feedback; " + themes[k].implication + " if it grows."
		}
		if len(th.ItemIDs) > 10 {
			th.ItemIDs = th.ItemIDs[:10]
		}
		out = append(out, th)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Mentions > out[j].Mentions })
	if len(out) > themesCount {
		out = out[:themesCount]
	}
	res.Themes = out
	return res, nil
}

// Usage ------------------------------------------------------------------

// UsageItem is one usage record as v1 took it.
type UsageItem struct {
	UserID, Feature, Timestamp, UserSegment string
	UsageCount                              float64
	SessionDuration                         *float64 // minutes
}

// FeatureUsage summarises one feature.
type FeatureUsage struct {
	Feature    string
	TotalUsage float64
	Share      float64
	Users      int // distinct userIds (0 when none were given)
	Session    *MeanCI
	Trend      *Trend
	TopSegment string
}

// Trend is a least-squares line through a feature's daily usage.
type Trend struct {
	SlopePerDay float64
	PValue      float64 // of H0: slope = 0, Student t with n−2 df
	Days        int
	Direction   string // rising, falling, flat (not significant at 5 %)
}

// UsageResult is analyze_usage_data's answer.
type UsageResult struct {
	Records  int
	Features []FeatureUsage
	Segments map[string]float64 // total usage per segment
	Session  *MeanCI
	Method   string
}

// AnalyzeUsage ranks features by total usage and fits a daily trend per
// feature (gonum's stat.LinearRegression; the slope's t-test).
func AnalyzeUsage(items []UsageItem, trendsCount int) (*UsageResult, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("usageData must hold at least one record")
	}
	if trendsCount == 0 {
		trendsCount = 3
	}
	if trendsCount < 1 || trendsCount > 5 {
		return nil, fmt.Errorf("trendsCount must be from 1 to 5")
	}
	type acc struct {
		total    float64
		users    map[string]bool
		sessions []float64
		byDay    map[int64]float64
		segs     map[string]float64
	}
	feats := map[string]*acc{}
	res := &UsageResult{Records: len(items), Segments: map[string]float64{},
		Method: "totals per feature; session means with 95 % t intervals; trend: least squares over daily totals, slope tested with Student t"}
	var sessions []float64
	grand := 0.0
	for i, it := range items {
		if it.Feature == "" {
			return nil, fmt.Errorf("usageData[%d].feature must not be empty", i)
		}
		if it.UsageCount < 0 || math.IsNaN(it.UsageCount) {
			return nil, fmt.Errorf("usageData[%d].usageCount must be 0 or more", i)
		}
		ts, err := parseTime(it.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("usageData[%d].timestamp: %v", i, err)
		}
		a := feats[it.Feature]
		if a == nil {
			a = &acc{users: map[string]bool{}, byDay: map[int64]float64{}, segs: map[string]float64{}}
			feats[it.Feature] = a
		}
		a.total += it.UsageCount
		grand += it.UsageCount
		if it.UserID != "" {
			a.users[it.UserID] = true
		}
		if it.SessionDuration != nil {
			a.sessions = append(a.sessions, *it.SessionDuration)
			sessions = append(sessions, *it.SessionDuration)
		}
		a.byDay[ts.Unix()/86400] += it.UsageCount
		if it.UserSegment != "" {
			a.segs[it.UserSegment] += it.UsageCount
			res.Segments[it.UserSegment] += it.UsageCount
		}
	}
	if len(sessions) > 0 {
		m := meanCI(sessions)
		res.Session = &m
	}
	for name, a := range feats {
		f := FeatureUsage{Feature: name, TotalUsage: a.total, Users: len(a.users)}
		if grand > 0 {
			f.Share = a.total / grand
		}
		if len(a.sessions) > 0 {
			m := meanCI(a.sessions)
			f.Session = &m
		}
		f.TopSegment = topKey(a.segs)
		f.Trend = dailyTrend(a.byDay)
		res.Features = append(res.Features, f)
	}
	sort.Slice(res.Features, func(i, j int) bool {
		if res.Features[i].TotalUsage != res.Features[j].TotalUsage {
			return res.Features[i].TotalUsage > res.Features[j].TotalUsage
		}
		return res.Features[i].Feature < res.Features[j].Feature
	})
	if len(res.Features) > trendsCount {
		res.Features = res.Features[:trendsCount]
	}
	return res, nil
}

// dailyTrend fits usage = α + β·day; nil with fewer than 3 distinct days.
func dailyTrend(byDay map[int64]float64) *Trend {
	if len(byDay) < 3 {
		return nil
	}
	days := make([]int64, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	x, y := make([]float64, len(days)), make([]float64, len(days))
	for i, d := range days {
		x[i], y[i] = float64(d-days[0]), byDay[d]
	}
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	n := float64(len(x))
	var sse, sxx float64
	mx := stat.Mean(x, nil)
	for i := range x {
		e := y[i] - alpha - beta*x[i]
		sse += e * e
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	tr := &Trend{SlopePerDay: beta, Days: len(x), PValue: 1, Direction: "flat"}
	if sse == 0 {
		if beta != 0 {
			tr.PValue = 0
		}
	} else {
		se := math.Sqrt(sse / (n - 2) / sxx)
		t := beta / se
		tr.PValue = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 2}.Survival(math.Abs(t))
	}
	if tr.PValue < 0.05 {
		tr.Direction = "rising"
		if beta < 0 {
			tr.Direction = "falling"
		}
	}
	return tr
}

func topKey(m map[string]float64) string {
	best, bv := "", math.Inf(-1)
	for k, v := range m {
		if v > bv || v == bv && k < best {
			best, bv = k, v
		}
	}
	return best
}

// parseTime accepts RFC 3339 timestamps and plain dates.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date or timestamp (2026-11-27 or 2026-11-27T10:00:00Z)", s)
}
