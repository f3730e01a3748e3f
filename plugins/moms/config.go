package moms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// The plugin's config section (plugins.moms.config in the host's config
// file). Every key is optional; the defaults are the reading of the law the
// reference gives (danish-compliance.md), and the keys exist where the law
// is unsettled or the data changes: the reference rate table, how interest
// counts days, how the return rounds, the readings of renteloven § 9 a and
// § 9 b, and how Billy's tax rates and accounts map onto the return.
//
//	plugins:
//	  moms:
//	    config:
//	      return_rounding: truncate      # or round
//	      interest_day_count: actual/365 # or actual/360, 30/360
//	      reference_rates:               # Nationalbanken's udlånsrente, added to the built-in table
//	        - {from: "2024-07-01", percent: 3.6}
//	      reminders: {fee_cap: 100, min_days_apart: 10, max_fees: 3, compensation: 310, compensation_per: invoice}
//	      tax_rates: {"Restaurant": {treatment: purchase_domestic, deductible_percent: 25}}
//	      accounts: {"7330": elafgift}
type config struct {
	ReturnRounding   string                   `json:"return_rounding,omitempty"`
	InterestDayCount string                   `json:"interest_day_count,omitempty"`
	ReferenceRates   []referenceRate          `json:"reference_rates,omitempty"`
	Reminders        reminderConfig           `json:"reminders,omitzero"`
	TaxRates         map[string]taxRateConfig `json:"tax_rates,omitempty"`
	Accounts         map[string]string        `json:"accounts,omitempty"`
}

// referenceRate is Nationalbanken's official lending rate (udlånsrente) from
// a date on; renteloven § 5 adds 8 percentage points.
type referenceRate struct {
	From    string  `json:"from"`
	Percent float64 `json:"percent"`

	from time.Time
	pct  decimal.Decimal
}

// reminderConfig is the reading of renteloven § 9 a and § 9 b.
type reminderConfig struct {
	// FeeCap is the most a reminder fee may be (§ 9 b stk. 1: 100 kr.).
	FeeCap *float64 `json:"fee_cap,omitempty"`
	// MinDaysApart is the least spacing between fee-bearing reminders
	// (§ 9 b stk. 1: at least 10 days).
	MinDaysApart *int `json:"min_days_apart,omitempty"`
	// MaxFees is how many reminders may carry a fee (§ 9 b stk. 1: 3).
	MaxFees *int `json:"max_fees,omitempty"`
	// Compensation is the fixed B2B compensation (§ 9 a stk. 3,
	// BEK 105/2013: 310 kr.).
	Compensation *float64 `json:"compensation,omitempty"`
	// CompensationPer is "invoice" (one compensation per overdue invoice,
	// the reading of the 2020s court practice the reference cites) or
	// "arrears" (one per continuing arrears in a running relationship).
	// Unsettled; see README.
	CompensationPer string `json:"compensation_per,omitempty"`
	// FirstAfterDueDays is how many days after the due date the first
	// fee-bearing reminder may be sent (the law asks only that it is sent
	// for good reason, after the due date: 1).
	FirstAfterDueDays *int `json:"first_after_due_days,omitempty"`
}

// taxRateConfig places one of Billy's tax rates on the return.
type taxRateConfig struct {
	Treatment         string   `json:"treatment"`
	DeductiblePercent *float64 `json:"deductible_percent,omitempty"`
}

// settings is config with the defaults filled in and values parsed.
type settings struct {
	rounding        string // truncate or round
	dayCount        string // actual/365, actual/360 or 30/360
	rates           []referenceRate
	feeCap          decimal.Decimal
	minDaysApart    int
	maxFees         int
	compensation    decimal.Decimal
	compensationPer string
	firstAfterDue   int
	taxRates        map[string]rateClass // by ID, name or abbreviation, lower-cased
	accounts        map[string]fieldKey  // by account number or ID
}

// builtinReferenceRates are the confirmed half-year reference rates
// (reference § 5.2: forbrug.dk, selandiaadvokater.dk, legalhero.dk; the
// 1 Jul 2023 rate is the 11.25 % morarente less 8). Later half-years are
// not confirmed: an operator adds them with reference_rates, and the tool
// says when it carried the last known rate forward.
var builtinReferenceRates = []referenceRate{
	{From: "2023-01-01", Percent: 1.90},
	{From: "2023-07-01", Percent: 3.25},
	{From: "2024-01-01", Percent: 3.75},
}

func defaultSettings() *settings {
	s, err := parseConfig(nil)
	if err != nil {
		panic("moms: the default config does not parse: " + err.Error())
	}
	return s
}

// parseConfig reads the config section and fills in the defaults. An
// invalid value is a validation error naming its key; the host then refuses
// to start the plugin.
func parseConfig(raw json.RawMessage) (*settings, error) {
	var c config
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, &sdk.Error{Code: "invalid_config", Category: sdk.CategoryValidation,
				Message: "the moms plugin's config section could not be read: " + err.Error() + "; see plugins/moms/README.md for the keys"}
		}
	}
	s := &settings{rounding: "truncate", dayCount: "actual/365", compensationPer: "invoice",
		feeCap: decimal.NewFromInt(100), minDaysApart: 10, maxFees: 3, compensation: decimal.NewFromInt(310), firstAfterDue: 1,
		taxRates: map[string]rateClass{}, accounts: map[string]fieldKey{}}
	switch c.ReturnRounding {
	case "", "truncate":
	case "round":
		s.rounding = "round"
	default:
		return nil, sdk.Invalid("return_rounding", "must be truncate (ML § 57 stk. 1: øre are disregarded) or round, got %q", c.ReturnRounding)
	}
	switch c.InterestDayCount {
	case "", "actual/365":
	case "actual/360", "30/360":
		s.dayCount = c.InterestDayCount
	default:
		return nil, sdk.Invalid("interest_day_count", "must be actual/365, actual/360 or 30/360, got %q", c.InterestDayCount)
	}
	rates := map[string]referenceRate{}
	for _, r := range builtinReferenceRates {
		rates[r.From] = r
	}
	for i, r := range c.ReferenceRates {
		field := fmt.Sprintf("reference_rates[%d]", i)
		t, ok := parseDay(r.From)
		if !ok || (t.Day() != 1 || (t.Month() != time.January && t.Month() != time.July)) {
			return nil, sdk.Invalid(field+".from", "must be a date YYYY-01-01 or YYYY-07-01 (Nationalbanken sets the rate on 1 January and 1 July, renteloven § 5), got %q", r.From)
		}
		if r.Percent < -10 || r.Percent > 50 {
			return nil, sdk.Invalid(field+".percent", "must be a percentage between -10 and 50, got %g", r.Percent)
		}
		rates[r.From] = r
	}
	for _, r := range rates {
		r.from, _ = parseDay(r.From)
		r.pct = decimal.NewFromFloat(r.Percent)
		s.rates = append(s.rates, r)
	}
	sort.Slice(s.rates, func(i, j int) bool { return s.rates[i].from.Before(s.rates[j].from) })

	rc := c.Reminders
	if rc.FeeCap != nil {
		if *rc.FeeCap < 0 || *rc.FeeCap > 10000 {
			return nil, sdk.Invalid("reminders.fee_cap", "must be between 0 and 10000 kr., got %g", *rc.FeeCap)
		}
		s.feeCap = decimal.NewFromFloat(*rc.FeeCap)
	}
	if rc.MinDaysApart != nil {
		if *rc.MinDaysApart < 1 || *rc.MinDaysApart > 365 {
			return nil, sdk.Invalid("reminders.min_days_apart", "must be between 1 and 365 days, got %d", *rc.MinDaysApart)
		}
		s.minDaysApart = *rc.MinDaysApart
	}
	if rc.MaxFees != nil {
		if *rc.MaxFees < 0 || *rc.MaxFees > 20 {
			return nil, sdk.Invalid("reminders.max_fees", "must be between 0 and 20, got %d", *rc.MaxFees)
		}
		s.maxFees = *rc.MaxFees
	}
	if rc.Compensation != nil {
		if *rc.Compensation < 0 || *rc.Compensation > 100000 {
			return nil, sdk.Invalid("reminders.compensation", "must be between 0 and 100000 kr., got %g", *rc.Compensation)
		}
		s.compensation = decimal.NewFromFloat(*rc.Compensation)
	}
	switch rc.CompensationPer {
	case "", "invoice":
	case "arrears":
		s.compensationPer = "arrears"
	default:
		return nil, sdk.Invalid("reminders.compensation_per", "must be invoice or arrears, got %q", rc.CompensationPer)
	}
	if rc.FirstAfterDueDays != nil {
		if *rc.FirstAfterDueDays < 1 || *rc.FirstAfterDueDays > 365 {
			return nil, sdk.Invalid("reminders.first_after_due_days", "must be between 1 and 365, got %d", *rc.FirstAfterDueDays)
		}
		s.firstAfterDue = *rc.FirstAfterDueDays
	}

	for key, tc := range c.TaxRates {
		field := "tax_rates." + key
		t := treatment(tc.Treatment)
		if !slices.Contains(allTreatments, t) {
			return nil, sdk.Invalid(field+".treatment", "must be one of %s, got %q", joinTreatments(), tc.Treatment)
		}
		cls := rateClass{Treatment: t, Deductible: decOne, Source: "config tax_rates." + key}
		if tc.DeductiblePercent != nil {
			p := *tc.DeductiblePercent
			if p < 0 || p > 100 {
				return nil, sdk.Invalid(field+".deductible_percent", "must be between 0 and 100, got %g", p)
			}
			if !t.purchase() {
				return nil, sdk.Invalid(field+".deductible_percent", "applies only to purchase treatments, not %s", t)
			}
			cls.Deductible = deductibleShare(decimal.NewFromFloat(p))
		}
		s.taxRates[strings.ToLower(strings.TrimSpace(key))] = cls
	}
	for key, f := range c.Accounts {
		fk := fieldKey(f)
		if _, ok := fieldByKey(fk); !ok || !fk.ledger() {
			return nil, sdk.Invalid("accounts."+key, "must name a VAT or duty field of the return (%s), got %q", strings.Join(ledgerFieldKeys(), ", "), f)
		}
		s.accounts[strings.TrimSpace(key)] = fk
	}
	return s, nil
}

// deductibleShare turns a deductible percentage into a fraction. A partial
// deduction by turnover ratio is rounded up to a whole percent (momsbek.
// § 16 as the reference cites it, § 1.8); the whole-percent readings
// (25, 0, 100) are unchanged by that.
func deductibleShare(p decimal.Decimal) decimal.Decimal { return pct(p.Ceil()) }

func (p *plugin) configure(_ context.Context, raw json.RawMessage) error {
	s, err := parseConfig(raw)
	if err != nil {
		return err
	}
	p.conf.Store(s)
	return nil
}

// settings returns the configuration in force.
func (p *plugin) settings() *settings {
	if s := p.conf.Load(); s != nil {
		return s
	}
	return defaultSettings()
}
