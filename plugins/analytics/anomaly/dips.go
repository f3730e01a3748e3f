package anomaly

import (
	"errors"
	"fmt"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/forecast"
	"github.com/shopspring/decimal"
)

// RevenueDips checks each of the last `check` months of a monthly revenue
// series (base currency net, oldest first, complete months only) against a
// forecast made from the months before it: a month below the lower bound of
// the 95 % prediction interval is a dip beyond the seasonal expectation.
// Months with too little history before them are skipped, and said so in
// the second result.
func RevenueDips(months []string, values []float64, check int) ([]Finding, []string) {
	var out []Finding
	var notes []string
	for t := max(0, len(values)-check); t < len(values); t++ {
		r, err := forecast.Forecast(values[:t], forecast.Options{Horizon: 1})
		if err != nil {
			if errors.Is(err, forecast.ErrTooShort) {
				notes = append(notes, fmt.Sprintf("%s not checked: too little history before it (%d months)", months[t], t))
				continue
			}
			notes = append(notes, fmt.Sprintf("%s not checked: %v", months[t], err))
			continue
		}
		pt := r.Points[0]
		if values[t] >= pt.Lo95 {
			continue
		}
		short := decimal.NewFromFloat(pt.Mean - values[t]).Round(2)
		out = append(out, Finding{Kind: "revenue_dip", Severity: "medium", Amount: &short,
			Summary: fmt.Sprintf("Revenue in %s fell below what the history predicts", months[t]),
			Reason: fmt.Sprintf("net revenue %.2f against a forecast of %.2f (95 %% interval %.2f to %.2f, model %s from the %d months before, backtest MASE %.2f)",
				values[t], pt.Mean, pt.Lo95, pt.Hi95, r.Model, t, r.Backtest.MASE),
			Records: []string{months[t]}, Labels: []string{months[t]}})
	}
	return out, notes
}
