package v1stats

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Segment adoption ---------------------------------------------------------

// AdoptionRow is one (segment, feature) record as v1 took it.
type AdoptionRow struct {
	Segment, Feature                            string
	AdoptionRate, UsageFrequency, RetentionRate float64
	Revenue                                     *float64
	UserCount                                   int
}

// SegmentSummary is one segment across the features asked about.
type SegmentSummary struct {
	Segment string
	Users   int // summed over its rows
	// user-weighted means of the rates (as fractions 0–1)
	Adoption, Retention float64
	UsageFrequency      float64
	Revenue             *float64
	RevenuePerUser      *float64
}

// FeatureComparison tests whether adoption of a feature differs by segment.
type FeatureComparison struct {
	Feature     string
	Adoption    map[string]float64
	ChiSquare   float64
	DF          int
	PValue      float64
	Significant bool // at 5 %
	Warning     string
}

// SegmentResult is analyze_segment_adoption's answer.
type SegmentResult struct {
	Scale    string // "fraction" or "percent": how the rates were read
	Segments []SegmentSummary
	Best     string
	Worst    string
	Features []FeatureComparison
	Missing  []string // segment/feature pairs without data
	Method   string
}

// AnalyzeSegments compares segments: user-weighted means, and per feature
// Pearson's chi-square test of independence of segment and adoption
// (adopters = rate × users), df = segments − 1.
func AnalyzeSegments(rows []AdoptionRow, segments, features []string) (*SegmentResult, error) {
	if len(segments) < 2 {
		return nil, fmt.Errorf("segments must name at least 2 segments")
	}
	if len(features) < 1 {
		return nil, fmt.Errorf("features must name at least 1 feature")
	}
	percent := false
	for i, r := range rows {
		for _, v := range []struct {
			name string
			x    float64
		}{{"adoptionRate", r.AdoptionRate}, {"retentionRate", r.RetentionRate}} {
			if v.x < 0 || v.x > 100 || math.IsNaN(v.x) {
				return nil, fmt.Errorf("adoptionData[%d].%s must be from 0 to 1 (or 0 to 100 as percent)", i, v.name)
			}
			if v.x > 1 {
				percent = true
			}
		}
		if r.UserCount < 0 {
			return nil, fmt.Errorf("adoptionData[%d].userCount must be 0 or more", i)
		}
	}
	res := &SegmentResult{Scale: "fraction", Method: "user-weighted means; chi-square test of independence per feature (gonum stat.ChiSquare, distuv.ChiSquared)"}
	scale := 1.0
	if percent {
		res.Scale, scale = "percent", 100
	}
	wantSeg, wantFeat := map[string]bool{}, map[string]bool{}
	for _, s := range segments {
		wantSeg[s] = true
	}
	for _, f := range features {
		wantFeat[f] = true
	}
	type key struct{ s, f string }
	cell := map[key]AdoptionRow{}
	for _, r := range rows {
		if wantSeg[r.Segment] && wantFeat[r.Feature] {
			c := cell[key{r.Segment, r.Feature}]
			// several rows of one pair add up, user-weighted
			tot := c.UserCount + r.UserCount
			if tot > 0 {
				w0, w1 := float64(c.UserCount)/float64(tot), float64(r.UserCount)/float64(tot)
				c.AdoptionRate = c.AdoptionRate*w0 + r.AdoptionRate*w1
				c.RetentionRate = c.RetentionRate*w0 + r.RetentionRate*w1
				c.UsageFrequency = c.UsageFrequency*w0 + r.UsageFrequency*w1
			}
			c.UserCount = tot
			if r.Revenue != nil {
				v := *r.Revenue
				if c.Revenue != nil {
					v += *c.Revenue
				}
				c.Revenue = &v
			}
			cell[key{r.Segment, r.Feature}] = c
		}
	}
	for _, s := range segments {
		sum := SegmentSummary{Segment: s}
		var wa, wr, wu float64
		for _, f := range features {
			c, ok := cell[key{s, f}]
			if !ok {
				res.Missing = append(res.Missing, s+"/"+f)
				continue
			}
			u := float64(c.UserCount)
			sum.Users += c.UserCount
			wa += u * c.AdoptionRate / scale
			wr += u * c.RetentionRate / scale
			wu += u * c.UsageFrequency
			if c.Revenue != nil {
				v := *c.Revenue
				if sum.Revenue != nil {
					v += *sum.Revenue
				}
				sum.Revenue = &v
			}
		}
		if sum.Users > 0 {
			n := float64(sum.Users)
			sum.Adoption, sum.Retention, sum.UsageFrequency = wa/n, wr/n, wu/n
			if sum.Revenue != nil {
				v := *sum.Revenue / n
				sum.RevenuePerUser = &v
			}
		}
		res.Segments = append(res.Segments, sum)
	}
	ranked := append([]SegmentSummary(nil), res.Segments...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Adoption > ranked[j].Adoption })
	res.Best, res.Worst = ranked[0].Segment, ranked[len(ranked)-1].Segment
	for _, f := range features {
		fc := FeatureComparison{Feature: f, Adoption: map[string]float64{}}
		var adopt, users []float64
		for _, s := range segments {
			c, ok := cell[key{s, f}]
			if !ok || c.UserCount == 0 {
				continue
			}
			fc.Adoption[s] = c.AdoptionRate / scale
			adopt = append(adopt, math.Round(c.AdoptionRate/scale*float64(c.UserCount)))
			users = append(users, float64(c.UserCount))
		}
		if len(adopt) < 2 {
			fc.Warning = "fewer than two segments have users for this feature: no test"
			fc.PValue = math.NaN()
			res.Features = append(res.Features, fc)
			continue
		}
		var totA, totU float64
		for i := range adopt {
			totA += adopt[i]
			totU += users[i]
		}
		p := totA / totU
		var obs, exp []float64
		minExp := math.Inf(1)
		for i := range adopt {
			obs = append(obs, adopt[i], users[i]-adopt[i])
			e1, e0 := users[i]*p, users[i]*(1-p)
			exp = append(exp, e1, e0)
			minExp = math.Min(minExp, math.Min(e1, e0))
		}
		fc.DF = len(adopt) - 1
		if p == 0 || p == 1 {
			fc.PValue = 1
		} else {
			fc.ChiSquare = stat.ChiSquare(obs, exp)
			fc.PValue = distuv.ChiSquared{K: float64(fc.DF)}.Survival(fc.ChiSquare)
		}
		fc.Significant = fc.PValue < 0.05
		if minExp < 5 {
			fc.Warning = fmt.Sprintf("an expected count is %.1f (< 5): the chi-square approximation is rough", minExp)
		}
		res.Features = append(res.Features, fc)
	}
	return res, nil
}

// Adoption risks ----------------------------------------------------------

// RolloutFeature is a feature of the rollout plan.
type RolloutFeature struct {
	Name           string
	Complexity     string // low, medium, high
	Dependencies   []string
	TargetAdoption float64 // 0–100
	RolloutPhase   string
}

// Phase is one phase of the timeline.
type Phase struct {
	Name     string
	Duration int // days
	Features []string
}

// UserSegment is one group of users.
type UserSegment struct {
	Name               string
	Size               float64
	TechSavviness      string // low, medium, high
	ResistanceToChange string // low, medium, high
}

// Plan is v1's rolloutPlan.
type Plan struct {
	Features           []RolloutFeature
	StartDate, EndDate string
	Phases             []Phase
	Segments           []UserSegment
}

// Risk is one risk found, with the evidence.
type Risk struct {
	Risk       string
	Category   string // complexity, dependencies, timeline, users, scope
	Likelihood int    // 1–3
	Impact     int    // 1–3
	Score      int    // likelihood × impact
	Evidence   []string
	Mitigation string
}

var level3 = map[string]int{"low": 1, "medium": 2, "med": 2, "high": 3}

// AdoptionRisks applies transparent rules to the plan; each risk says which
// records triggered it. Risks are ordered by score, highest first.
func AdoptionRisks(p Plan, risksCount int) ([]Risk, error) {
	if risksCount == 0 {
		risksCount = 5
	}
	if risksCount < 1 || risksCount > 10 {
		return nil, fmt.Errorf("risksCount must be from 1 to 10")
	}
	if len(p.Features) == 0 {
		return nil, fmt.Errorf("rolloutPlan.features must hold at least one feature")
	}
	start, err := parseTime(p.StartDate)
	if err != nil {
		return nil, fmt.Errorf("rolloutPlan.timeline.startDate: %v", err)
	}
	end, err := parseTime(p.EndDate)
	if err != nil {
		return nil, fmt.Errorf("rolloutPlan.timeline.endDate: %v", err)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("rolloutPlan.timeline.endDate is before startDate")
	}
	feat := map[string]RolloutFeature{}
	for i, f := range p.Features {
		if _, ok := level3[f.Complexity]; !ok {
			return nil, fmt.Errorf("rolloutPlan.features[%d].complexity must be low, medium or high", i)
		}
		if f.TargetAdoption < 0 || f.TargetAdoption > 100 {
			return nil, fmt.Errorf("rolloutPlan.features[%d].targetAdoption must be from 0 to 100", i)
		}
		feat[f.Name] = f
	}
	for i, s := range p.Segments {
		if _, ok := level3[s.TechSavviness]; !ok {
			return nil, fmt.Errorf("rolloutPlan.userSegments[%d].techSavviness must be low, medium or high", i)
		}
		if _, ok := level3[s.ResistanceToChange]; !ok {
			return nil, fmt.Errorf("rolloutPlan.userSegments[%d].resistanceToChange must be low, medium or high", i)
		}
	}
	var risks []Risk
	add := func(r Risk) {
		r.Score = r.Likelihood * r.Impact
		risks = append(risks, r)
	}
	// 1. complex features with ambitious targets
	var ev []string
	for _, f := range p.Features {
		if f.Complexity == "high" && f.TargetAdoption >= 60 {
			ev = append(ev, fmt.Sprintf("%s: high complexity, target %.0f %%", f.Name, f.TargetAdoption))
		}
	}
	if len(ev) > 0 {
		add(Risk{Risk: "High-complexity features with ambitious adoption targets", Category: "complexity",
			Likelihood: 3, Impact: min(3, 1+len(ev)), Evidence: ev,
			Mitigation: "lower the first phase's target, add training and in-product guidance for these features"})
	}
	// 2. dependencies: missing, or scheduled no earlier than the dependent
	phaseOf := map[string]int{}
	for i, ph := range p.Phases {
		for _, f := range ph.Features {
			if _, seen := phaseOf[f]; !seen {
				phaseOf[f] = i
			}
		}
	}
	ev = nil
	for _, f := range p.Features {
		for _, d := range f.Dependencies {
			if _, ok := feat[d]; !ok {
				ev = append(ev, fmt.Sprintf("%s depends on %s, which is not in the plan", f.Name, d))
				continue
			}
			pf, okf := phaseOf[f.Name]
			pd, okd := phaseOf[d]
			if okf && okd && pd > pf {
				ev = append(ev, fmt.Sprintf("%s (phase %s) depends on %s, which comes later (phase %s)", f.Name, p.Phases[pf].Name, d, p.Phases[pd].Name))
			}
		}
	}
	if len(ev) > 0 {
		add(Risk{Risk: "Dependencies that are missing or come too late", Category: "dependencies",
			Likelihood: 3, Impact: 3, Evidence: ev, Mitigation: "reorder the phases so that every dependency ships first"})
	}
	// 3. timeline: phases vs the window, and a short window (v1's 90 days)
	span := int(end.Sub(start).Hours()/24 + 0.5)
	sum := 0
	for _, ph := range p.Phases {
		sum += ph.Duration
	}
	if len(p.Phases) > 0 && sum > span {
		add(Risk{Risk: "The phases do not fit the timeline", Category: "timeline", Likelihood: 3, Impact: 2,
			Evidence:   []string{fmt.Sprintf("phases add up to %d days; startDate to endDate is %d days", sum, span)},
			Mitigation: "extend the end date or shorten the phases"})
	}
	if span < 90 {
		n := 0
		for _, f := range p.Features {
			if f.Complexity != "low" {
				n++
			}
		}
		if n > 0 {
			add(Risk{Risk: "Aggressive timeline", Category: "timeline", Likelihood: 2, Impact: 2,
				Evidence:   []string{fmt.Sprintf("%d days for %d features of medium or high complexity", span, n)},
				Mitigation: "allow at least 90 days, or roll out fewer features at once"})
		}
	}
	// 4. scope: features no phase schedules, phases naming unknown features
	ev = nil
	for _, f := range p.Features {
		if _, ok := phaseOf[f.Name]; !ok && len(p.Phases) > 0 {
			ev = append(ev, f.Name+" is in no phase")
		}
	}
	for _, ph := range p.Phases {
		for _, f := range ph.Features {
			if _, ok := feat[f]; !ok {
				ev = append(ev, fmt.Sprintf("phase %s names %s, which is not among the features", ph.Name, f))
			}
		}
	}
	if len(ev) > 0 {
		add(Risk{Risk: "The plan's features and phases disagree", Category: "scope", Likelihood: 2, Impact: 2, Evidence: ev,
			Mitigation: "schedule every feature in exactly one phase"})
	}
	// 5. users: low tech savviness or high resistance, weighted by size
	var total, atRisk float64
	ev = nil
	for _, s := range p.Segments {
		total += s.Size
		if level3[s.TechSavviness] == 1 || level3[s.ResistanceToChange] == 3 {
			atRisk += s.Size
			ev = append(ev, fmt.Sprintf("%s (%.0f users): tech savviness %s, resistance %s", s.Name, s.Size, s.TechSavviness, s.ResistanceToChange))
		}
	}
	if atRisk > 0 && total > 0 {
		share := atRisk / total
		lk := 1
		switch {
		case share >= 0.5:
			lk = 3
		case share >= 0.2:
			lk = 2
		}
		add(Risk{Risk: fmt.Sprintf("%.0f %% of users are in segments likely to resist or struggle", 100*share), Category: "users",
			Likelihood: lk, Impact: 2, Evidence: ev, Mitigation: "pilot with the receptive segments first; give the others training and champions"})
	}
	// 6. a phase that carries several complex features at once
	for _, ph := range p.Phases {
		var hard []string
		for _, f := range ph.Features {
			if feat[f].Complexity == "high" {
				hard = append(hard, f)
			}
		}
		if len(hard) >= 2 {
			add(Risk{Risk: "Several complex features in phase " + ph.Name, Category: "complexity", Likelihood: 2, Impact: 3,
				Evidence: hard, Mitigation: "spread the complex features over phases"})
		}
	}
	sort.SliceStable(risks, func(i, j int) bool { return risks[i].Score > risks[j].Score })
	if len(risks) > risksCount {
		risks = risks[:risksCount]
	}
	return risks, nil
}
