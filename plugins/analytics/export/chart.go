package export

import (
	"fmt"
	"math"

	"github.com/go-analyze/charts"
	"github.com/shopspring/decimal"
)

// ChartPNG draws a chart as a PNG, width x height pixels. A band is drawn
// as two thin lines (its bounds) around the first series.
func ChartPNG(c Chart, width, height int) ([]byte, error) {
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		return nil, fmt.Errorf("chart %q has no data", c.Title)
	}
	values := make([][]float64, 0, len(c.Series)+2)
	names := make([]string, 0, len(c.Series)+2)
	for _, s := range c.Series {
		values = append(values, s.Values)
		names = append(names, s.Name)
	}
	if c.Band != nil {
		values = append(values, nulls(c.Band.Lo), nulls(c.Band.Hi))
		names = append(names, c.Band.Name+" (nedre)", c.Band.Name+" (øvre)")
	}
	opts := []charts.OptionFunc{
		charts.PNGOutputOptionFunc(),
		charts.DimensionsOptionFunc(width, height),
		charts.ThemeNameOptionFunc("light"),
		charts.XAxisLabelsOptionFunc(c.Labels),
		charts.PaddingOptionFunc(charts.NewBox(10, 20, 30, 10)),
	}
	y := charts.YAxisOption{ValueFormatter: func(f float64) string { return DaNumber(decimal.NewFromFloat(f), 0) }}
	if c.Kind != "line" && minOf(values) >= 0 {
		// Bars start at zero, or their heights mislead.
		y.Min = charts.Ptr(0.0)
	}
	opts = append(opts, charts.YAxisOptionFunc(y))
	if len(names) > 1 {
		opts = append(opts, charts.LegendLabelsOptionFunc(names))
	}
	var p *charts.Painter
	var err error
	if c.Kind == "line" {
		p, err = charts.LineRender(values, opts...)
	} else {
		p, err = charts.BarRender(values, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	return p.Bytes()
}

func minOf(values [][]float64) float64 {
	m := 0.0
	for _, s := range values {
		for _, v := range s {
			m = min(m, v)
		}
	}
	return m
}

// nulls maps NaN (no value) to the charts package's null, which draws
// nothing there.
func nulls(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		if math.IsNaN(x) {
			x = charts.GetNullValue()
		}
		out[i] = x
	}
	return out
}
