package moms

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// Payment conventions (reference § 5): due dates from payment terms,
// late-payment interest (renteloven § 5), reminder fees (§ 9 b) and the
// B2B compensation (§ 9 a).

// ---- payment_due_date ----

// DueDateInput is the input of payment_due_date.
type DueDateInput struct {
	InvoiceDate string `json:"invoice_date" jsonschema:"YYYY-MM-DD"`
	Terms       string `json:"terms" jsonschema:"net (netto N dage) or end_of_month (løbende måned + N); Billy's net and netEndOfMonth too"`
	Days        int    `json:"days"`
}

// DueDateOutput is the output of payment_due_date.
type DueDateOutput struct {
	DueDate   string   `json:"due_date"`
	Weekday   string   `json:"weekday"`
	Rule      string   `json:"rule"`
	Notes     []string `json:"notes,omitempty"`
	DueDateDK string   `json:"due_date_text" jsonschema:"the due date for people, in Danish"`
}

func paymentDueDateTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:        "payment_due_date",
		Title:       "Due date from payment terms",
		Description: "Gives an invoice's due date from Danish payment terms: netto N dage, or løbende måned + N (Billy's net and netEndOfMonth).",
		Examples: []sdk.Example{
			{Title: "Netto 14 dage", Arguments: DueDateInput{InvoiceDate: "2026-03-10", Terms: "net", Days: 14}},
			{Title: "Løbende måned + 30", Arguments: DueDateInput{InvoiceDate: "2026-01-20", Terms: "end_of_month", Days: 30}},
		},
	}), func(_ context.Context, _ *sdk.Call, in DueDateInput) (DueDateOutput, error) {
		d, ok := parseDay(in.InvoiceDate)
		if !ok || d.Year() < 2000 || d.Year() > 2100 {
			return DueDateOutput{}, sdk.Invalid("invoice_date", "must be a date YYYY-MM-DD between 2000 and 2100, got %q", in.InvoiceDate)
		}
		if in.Days < -365 || in.Days > 3650 {
			return DueDateOutput{}, sdk.Invalid("days", "must be between -365 and 3650, got %d", in.Days)
		}
		due, rule, err := dueDate(d, in.Terms, in.Days)
		if err != nil {
			return DueDateOutput{}, err
		}
		out := DueDateOutput{DueDate: isoDay(due), Weekday: due.Weekday().String(), Rule: rule, DueDateDK: dkfmt.Date(due)}
		if why := whyClosed(due); why != "" {
			next, _ := nextBusinessDay(due)
			out.Notes = append(out.Notes, fmt.Sprintf("%s. Whether payment on the next business day (%s) is on time is a matter of the contract; no statute moves it (reference § 5.1)", why, isoDay(next)))
		}
		if due.Sub(d) > 30*24*time.Hour {
			out.Notes = append(out.Notes, "more than 30 days: between businesses and to public buyers, terms longer than 30 days need the creditor's express agreement and must not be unfair to it (renteloven § 3 a)")
		}
		out.Notes = append(out.Notes, "interest runs from the due date when it was agreed in advance (renteloven § 3 stk. 1); late_payment_charges computes it")
		return out, nil
	})
}

// dueDate applies payment terms (reference § 5.1, billy-api.md §7.3.2): net
// N is the invoice date plus N days; løbende måned + N the last day of the
// invoice's month plus N days.
func dueDate(invoiceDate time.Time, terms string, days int) (time.Time, string, error) {
	switch strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "", "+", "").Replace(terms)) {
	case "net", "netto":
		return invoiceDate.AddDate(0, 0, days), fmt.Sprintf("netto %d dage: the invoice date plus %d days", days, days), nil
	case "endofmonth", "netendofmonth", "lm", "lobendemaned", "løbendemåned", "lbm", "lbmd":
		eom := date(invoiceDate.Year(), invoiceDate.Month()+1, 0)
		return eom.AddDate(0, 0, days), fmt.Sprintf("løbende måned + %d: the last day of the invoice's month (%s) plus %d days", days, isoDay(eom), days), nil
	}
	return time.Time{}, "", sdk.Invalid("terms", "must be net (netto N dage) or end_of_month (løbende måned + N), got %q", terms)
}

// ---- late_payment_charges ----

// LateInput is the input of late_payment_charges.
type LateInput struct {
	Amount    Number   `json:"amount" jsonschema:"the overdue amount, DKK"`
	DueDate   string   `json:"due_date"`
	PaidDate  string   `json:"paid_date,omitempty" jsonschema:"default today"`
	Debtor    string   `json:"debtor" jsonschema:"business or consumer"`
	Reminders []string `json:"reminders,omitempty" jsonschema:"dates reminders were sent"`
	Disputed  bool     `json:"disputed,omitempty"`
}

// LateOutput is the output of late_payment_charges.
type LateOutput struct {
	DaysOverdue  int              `json:"days_overdue"`
	Interest     Number           `json:"interest" jsonschema:"morarente, DKK"`
	Periods      []InterestPeriod `json:"periods,omitempty"`
	DayCount     string           `json:"day_count"`
	Reminders    []ReminderFee    `json:"reminders,omitempty"`
	Fees         Number           `json:"fees" jsonschema:"reminder fees that may be charged, DKK"`
	Compensation Number           `json:"compensation" jsonschema:"the fixed B2B compensation, DKK"`
	Total        Number           `json:"total" jsonschema:"interest, fees and compensation; the amount itself not included"`
	Notes        []string         `json:"notes,omitempty"`
	Summary      string           `json:"summary"`
}

// InterestPeriod is a stretch of days at one rate.
type InterestPeriod struct {
	From          string `json:"from"`
	To            string `json:"to" jsonschema:"last day of interest"`
	Days          int    `json:"days"`
	ReferenceRate Number `json:"reference_rate" jsonschema:"Nationalbanken's udlånsrente, percent"`
	Rate          Number `json:"rate" jsonschema:"annual percent: the reference rate plus 8"`
	Interest      Number `json:"interest"`
	RateConfirmed bool   `json:"rate_confirmed" jsonschema:"false when the last known reference rate was carried forward"`
}

// ReminderFee is one reminder and whether it may carry a fee.
type ReminderFee struct {
	Date   string `json:"date"`
	Fee    Number `json:"fee"`
	Reason string `json:"reason"`
}

func (p *plugin) latePaymentTool() sdk.Tool {
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:  "late_payment_charges",
		Title: "Late-payment interest and reminder fees",
		Description: "What may be charged on an overdue invoice under renteloven: morarente (reference rate + 8 %), " +
			"reminder fees and the B2B compensation.",
		Examples: []sdk.Example{
			{Title: "10,000 kr. paid 30 days late by a business", Arguments: LateInput{Amount: 10000, DueDate: "2024-01-31", PaidDate: "2024-03-01", Debtor: "business"}},
			{Title: "With reminders", Arguments: LateInput{Amount: 2500, DueDate: "2024-02-01", PaidDate: "2024-04-15", Debtor: "consumer",
				Reminders: []string{"2024-02-05", "2024-02-10", "2024-02-20", "2024-03-05"}}},
		},
	}), p.latePayment)
}

func (p *plugin) latePayment(_ context.Context, _ *sdk.Call, in LateInput) (LateOutput, error) {
	cfg := p.settings()
	amount := in.Amount.Dec()
	if !amount.IsPositive() || !amount.Equal(ore(amount)) || amount.GreaterThanOrEqual(decimalMillion(1_000_000)) {
		return LateOutput{}, sdk.Invalid("amount", "must be a positive amount in kroner and øre below 10^12, got %s", plain(amount))
	}
	due, ok := parseDay(in.DueDate)
	if !ok || due.Year() < 2013 || due.Year() > 2100 {
		return LateOutput{}, sdk.Invalid("due_date", "must be a date YYYY-MM-DD from 2013 on, got %q", in.DueDate)
	}
	paid := p.today()
	if in.PaidDate != "" {
		if paid, ok = parseDay(in.PaidDate); !ok || paid.Year() > 2100 {
			return LateOutput{}, sdk.Invalid("paid_date", "must be a date YYYY-MM-DD, got %q", in.PaidDate)
		}
	}
	if in.Debtor != "business" && in.Debtor != "consumer" {
		return LateOutput{}, sdk.Invalid("debtor", "must be business or consumer, got %q", in.Debtor)
	}
	out := LateOutput{DayCount: cfg.dayCount}
	if paid.After(due) {
		out.DaysOverdue = int(paid.Sub(due).Hours() / 24)
		periods, notes, err := morarente(amount, due, paid, cfg)
		if err != nil {
			return LateOutput{}, err
		}
		out.Periods, out.Notes = periods, notes
	}
	interest := decZero
	for _, p := range out.Periods {
		interest = interest.Add(p.Interest.Dec())
	}
	out.Interest = numberOf(interest)

	reminders, fees, notes, err := reminderFees(in.Reminders, due, in.Disputed, cfg)
	if err != nil {
		return LateOutput{}, err
	}
	out.Reminders, out.Fees = reminders, numberOf(fees)
	out.Notes = append(out.Notes, notes...)

	comp := decZero
	switch {
	case !paid.After(due):
	case in.Debtor == "consumer":
		out.Notes = append(out.Notes, "no compensation: the 310 kr. is not charged to consumers (renteloven § 9 a stk. 3)")
	default:
		comp = cfg.compensation
		if cfg.compensationPer == "arrears" {
			out.Notes = append(out.Notes, fmt.Sprintf("compensation %s once per continuing arrears (config reminders.compensation_per: arrears): charge it only if no other overdue invoice of this debtor's running relationship carries it", kr(comp)))
		} else {
			out.Notes = append(out.Notes, fmt.Sprintf("compensation %s per overdue invoice (renteloven § 9 a stk. 3; courts have allowed it on every overdue invoice), on top of fees and interest, without a reminder first", kr(comp)))
		}
	}
	out.Compensation = numberOf(comp)
	out.Total = numberOf(interest.Add(fees).Add(comp))
	if in.Debtor == "consumer" {
		out.Notes = append(out.Notes, "against a consumer no higher interest than renteloven § 5 may be agreed (§ 7)")
	}
	out.Summary = fmt.Sprintf("%d days late: interest %s, reminder fees %s, compensation %s, in all %s on top of %s.",
		out.DaysOverdue, kr(interest), kr(fees), kr(comp), kr(out.Total.Dec()), kr(amount))
	return out, nil
}

// morarente is renteloven § 5's interest on amount for the days from due
// (the due date itself, § 3 stk. 1) to the day before paid: per half-year
// at the reference rate in force on its 1 January or 1 July plus 8
// percentage points, simple interest, each stretch rounded to øre.
func morarente(amount decimal.Decimal, due, paid time.Time, cfg *settings) ([]InterestPeriod, []string, error) {
	if len(cfg.rates) == 0 || due.Before(cfg.rates[0].from) {
		return nil, nil, sdk.Invalid("due_date", "no reference rate is known before %s; add Nationalbanken's rates with the config key reference_rates", cfg.rates[0].From)
	}
	var out []InterestPeriod
	var notes []string
	carried := false
	for from := due; from.Before(paid); {
		h := halfYearStart(from)
		next := h.AddDate(0, 6, 0)
		to := paid
		if next.Before(to) {
			to = next
		}
		ref, confirmed := rateFor(h, cfg)
		if !confirmed {
			carried = true
		}
		rate := ref.Add(decimal.NewFromInt(8))
		days := dayCount(from, to, cfg.dayCount)
		year := decimal.NewFromInt(365)
		if cfg.dayCount != "actual/365" {
			year = decimal.NewFromInt(360)
		}
		interest := ore(amount.Mul(rate).Mul(decimal.NewFromInt(int64(days))).Div(decHundred.Mul(year)))
		out = append(out, InterestPeriod{From: isoDay(from), To: isoDay(to.AddDate(0, 0, -1)), Days: days,
			ReferenceRate: numberOf(ref), Rate: numberOf(rate), Interest: numberOf(interest), RateConfirmed: confirmed})
		from = to
	}
	if carried {
		last := cfg.rates[len(cfg.rates)-1]
		notes = append(notes, fmt.Sprintf("the reference rate is confirmed only to the half-year from %s (%s %%); later half-years carry it forward. Check Nationalbanken's udlånsrente and set it with the config key reference_rates", last.From, plain(last.pct)))
	}
	notes = append(notes, fmt.Sprintf("day count %s (the statute sets none; config interest_day_count)", cfg.dayCount))
	return out, notes, nil
}

func halfYearStart(d time.Time) time.Time {
	if d.Month() >= time.July {
		return date(d.Year(), time.July, 1)
	}
	return date(d.Year(), time.January, 1)
}

// rateFor is the reference rate in force on a half-year's first day, and
// whether the table has that half-year (not carried forward).
func rateFor(h time.Time, cfg *settings) (decimal.Decimal, bool) {
	var r referenceRate
	for _, x := range cfg.rates {
		if !x.from.After(h) {
			r = x
		}
	}
	return r.pct, r.from.Equal(h)
}

// dayCount counts interest days from a to b (a's day counted, b's not):
// actual days, or 30E/360 (every month 30 days; the 31st counts as the
// 30th).
func dayCount(a, b time.Time, convention string) int {
	if convention != "30/360" {
		return int(b.Sub(a).Hours() / 24)
	}
	d1, d2 := min(a.Day(), 30), min(b.Day(), 30)
	return 360*(b.Year()-a.Year()) + 30*(int(b.Month())-int(a.Month())) + d2 - d1
}

// reminderFees decides which reminders may carry a fee (renteloven § 9 b
// stk. 1 as the reference reads it, § 5.3): at most fee_cap each, at most
// max_fees per claim, sent after the due date and at least min_days_apart
// days after the last fee-bearing one; on a disputed claim only the first.
func reminderFees(dates []string, due time.Time, disputed bool, cfg *settings) ([]ReminderFee, decimal.Decimal, []string, error) {
	if len(dates) > 50 {
		return nil, decZero, nil, sdk.Invalid("reminders", "at most 50 dates, got %d", len(dates))
	}
	var out []ReminderFee
	total := decZero
	var last time.Time
	charged := 0
	prev := time.Time{}
	for i, s := range dates {
		d, ok := parseDay(s)
		if !ok {
			return nil, decZero, nil, sdk.Invalid(fmt.Sprintf("reminders[%d]", i), "must be a date YYYY-MM-DD, got %q", s)
		}
		if d.Before(prev) {
			return nil, decZero, nil, sdk.Invalid(fmt.Sprintf("reminders[%d]", i), "the dates must be in order; %s comes before %s", s, isoDay(prev))
		}
		prev = d
		r := ReminderFee{Date: s, Fee: 0}
		switch {
		case d.Before(due.AddDate(0, 0, cfg.firstAfterDue)):
			r.Reason = fmt.Sprintf("no fee: sent before the claim was overdue (due %s); a fee needs a reminder sent for good reason", isoDay(due))
		case charged >= cfg.maxFees:
			r.Reason = fmt.Sprintf("no fee: %d reminders have carried a fee already (the most per claim)", cfg.maxFees)
		case disputed && charged >= 1:
			r.Reason = "no fee: the claim is disputed, so only the first reminder may carry a fee"
		case charged > 0 && d.Before(last.AddDate(0, 0, cfg.minDaysApart)):
			r.Reason = fmt.Sprintf("no fee: only %d days after the last fee-bearing reminder (%s); at least %d are needed", int(d.Sub(last).Hours()/24), isoDay(last), cfg.minDaysApart)
		default:
			r.Fee = numberOf(cfg.feeCap)
			r.Reason = fmt.Sprintf("fee %s (at most %s, renteloven § 9 b; no VAT on it)", kr(cfg.feeCap), kr(cfg.feeCap))
			total = total.Add(cfg.feeCap)
			charged++
			last = d
		}
		out = append(out, r)
	}
	var notes []string
	if len(dates) > 0 {
		notes = append(notes, "the cap of "+kr(cfg.feeCap)+" covers all costs of a reminder (no extra invoice fee); the fee is outside the scope of VAT")
	}
	return out, total, notes, nil
}
