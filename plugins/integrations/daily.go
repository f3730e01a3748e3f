package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// summarise_webshop_day books a day of webshop orders as one daybook
// transaction instead of one invoice per order: the BookKeeper model
// (integrations.md § 3.1, § 3.2 item 11) for high-volume B2C shops. The
// customers paid through the shop's payment provider, so the day's money
// is a receivable on the provider (a clearing account, "tilgodehavende
// Shopify Payments" or the like, § 3.1: never the bank, because the
// provider deducts its fees before paying out); the other side is the
// revenue and the shipping, one line per VAT rate, with the rate's Billy
// tax rate so Billy splits the VAT out onto its sales VAT account the way
// a Danish journal line with a VAT code is booked (the sandbox's daybook
// convention, daybook_ops.go: the line's amount is the gross).
//
// Money is decimal throughout. The receivable is the orders' totals to the
// øre, and the credit lines add up to it: the entry balances by
// construction, and the report shows the reconciliation. The VAT Billy
// books on a day's line is computed from that line's gross, so it can
// differ by a few øre from the sum of the orders' own VAT; the report
// shows both.
//
// Idempotency: the transaction's apiType (Billy's free tag, filterable,
// billy-api.md § 4.2, § 7.9) is "webshop-day:<shop>:<date>"; a day with a
// transaction under that key that is not voided is reported, never booked
// twice. An order that already has an invoice (import_webshop_order's
// externalId) is refused, so an order is never booked both ways.

const (
	maxDayOrders = 2000
	dayKeyPrefix = "webshop-day:"
)

var shopRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// DayInput is the input of summarise_webshop_day.
type DayInput struct {
	Orders              []json.RawMessage `json:"orders"`
	Format              string            `json:"format,omitempty"`
	Shop                string            `json:"shop"`
	Date                string            `json:"date"`
	ReceivableAccountID string            `json:"receivable_account_id"`
	RevenueAccountID    string            `json:"revenue_account_id"`
	ShippingAccountID   string            `json:"shipping_account_id,omitempty"`
	DefaultVATRate      string            `json:"default_vat_rate,omitempty"`
	TaxRateIDs          map[string]string `json:"tax_rate_ids,omitempty"`
	DaybookID           string            `json:"daybook_id,omitempty"`
	DryRun              bool              `json:"dry_run,omitempty"`
	ConfirmationToken   string            `json:"confirmation_token,omitempty"`
}

var dayInputSchema = json.RawMessage(`{"type":"object","required":["orders","shop","date","receivable_account_id","revenue_account_id"],"additionalProperties":false,"properties":{
"orders":{"type":"array","maxItems":2000,"items":{"type":"object"},"description":"the day's orders, each as import_webshop_order takes one (Shopify, WooCommerce or generic; the generic lines and shipping may carry vat_rate, a fraction like 0.25); all of the date and in the organization's base currency"},
"format":{"type":"string","enum":["shopify","woocommerce","generic"],"description":"default: detected per order"},
"shop":{"type":"string","description":"the shop's short name (letters, digits, . _ -), part of the day's key webshop-day:<shop>:<date>"},
"date":{"type":"string","description":"the day, YYYY-MM-DD: every order must be of it, and it is the transaction's entry date"},
"receivable_account_id":{"type":"string","description":"the Billy account the day's takings are owed on: the payment provider's clearing account (not the bank: the provider pays out less its fees)"},
"revenue_account_id":{"type":"string","description":"the Billy sales account the goods go on"},
"shipping_account_id":{"type":"string","description":"the Billy account shipping goes on; default the revenue account"},
"default_vat_rate":{"type":"string","description":"the VAT rate (a fraction, 0.25) of lines and shipping whose order does not state one; default none: such an order is refused"},
"tax_rate_ids":{"type":"object","additionalProperties":{"type":"string"},"description":"Billy tax rate per VAT rate, {\"0.25\": \"<id>\"}; default: the one active sales tax rate of that rate (a 0 rate has several: give it)"},
"daybook_id":{"type":"string","description":"the daybook (kassekladde); default Billy's first"},
"dry_run":{"type":"boolean","description":"only the report; nothing is written"},
"confirmation_token":{"type":"string","description":"from a confirmation_required result"}}}`)

// DayRate is one VAT rate's share of the day.
type DayRate struct {
	VATRate   string `json:"vat_rate"`
	TaxRateID string `json:"tax_rate_id,omitempty"`
	Items     string `json:"items" jsonschema:"goods less discounts, VAT included"`
	Shipping  string `json:"shipping" jsonschema:"shipping, VAT included"`
	Gross     string `json:"gross"`
	VATOrders string `json:"vat_orders" jsonschema:"the VAT of the orders, summed order by order"`
	VATBooked string `json:"vat_booked" jsonschema:"the VAT Billy splits out of the day's lines at this rate"`
	Net       string `json:"net" jsonschema:"gross less vat_booked: the revenue booked"`
}

// DayLine is one line of the planned daybook transaction.
type DayLine struct {
	Text      string `json:"text"`
	AccountID string `json:"account_id"`
	Side      string `json:"side"`
	Amount    string `json:"amount"`
	TaxRateID string `json:"tax_rate_id,omitempty"`
}

// DayReconciliation shows that the entry is the orders, to the øre.
type DayReconciliation struct {
	OrdersTotal string `json:"orders_total" jsonschema:"the orders' totals, VAT included, summed"`
	Debit       string `json:"debit"`
	Credit      string `json:"credit"`
	Difference  string `json:"difference" jsonschema:"always 0.00: the plan is refused otherwise"`
}

// DayResult is the output of summarise_webshop_day.
type DayResult struct {
	Status            string            `json:"status" jsonschema:"done, exists (the day was summarised before: nothing written), confirmation_required, dry_run, declined or cancelled"`
	Message           string            `json:"message"`
	Shop              string            `json:"shop"`
	Date              string            `json:"date"`
	Key               string            `json:"key" jsonschema:"the transaction's apiType, webshop-day:<shop>:<date>"`
	Currency          string            `json:"currency"`
	Orders            int               `json:"orders"`
	OrderNumbers      []string          `json:"order_numbers"`
	Rates             []DayRate         `json:"rates"`
	Lines             []DayLine         `json:"lines"`
	Reconciliation    DayReconciliation `json:"reconciliation"`
	Warnings          []string          `json:"warnings,omitempty"`
	TransactionID     string            `json:"transaction_id,omitempty"`
	TransactionState  string            `json:"transaction_state,omitempty"`
	Requests          []BillyCall       `json:"requests,omitempty"`
	ConfirmationToken string            `json:"confirmation_token,omitempty"`
	ExpiresAt         string            `json:"expires_at,omitempty"`
}

func (p *plugin) summariseWebshopDayTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "summarise_webshop_day",
		Title: "Book a day of webshop orders as one journal entry",
		Description: "Books one day's webshop orders (Shopify, WooCommerce, generic) as one draft daybook transaction instead of an invoice per order: " +
			"the day's takings owed on the payment provider's clearing account, against revenue and shipping per VAT rate with Billy's tax rates. " +
			"Reconciles to the øre with the orders; once per shop and day (an order already invoiced is refused). Reports and asks for confirmation first; dry_run only reports.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes:      []string{"billy:write"},
		InputSchema: dayInputSchema,
	}, func(ctx context.Context, call *sdk.Call, in DayInput) (DayResult, error) {
		return p.summariseWebshopDay(ctx, call, in)
	})
}

// dayOrder is one order's share of the day, per VAT rate (the rate's
// String is the key), in gross amounts.
type dayOrder struct {
	ord      *order
	items    map[string]decimal.Decimal
	shipping map[string]decimal.Decimal
	vat      map[string]decimal.Decimal
	gross    decimal.Decimal
}

// half-up rounding to øre, as Billy rounds (billy-api.md § 7.3.1).
func round2(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// vatIn is the VAT inside a gross amount at rate r.
func vatIn(gross, r decimal.Decimal) decimal.Decimal {
	return round2(gross.Mul(r).Div(decimal.NewFromInt(1).Add(r)))
}

// splitOrder shares an order out over its VAT rates. A line or shipping
// without a stated rate takes def, or refuses the order; a discount goes
// to the rate of the goods, and an order whose goods have several rates
// and a discount is refused: how the shop shared it out is not in the
// order.
func splitOrder(o *order, def *decimal.Decimal) (*dayOrder, error) {
	d := &dayOrder{ord: o, items: map[string]decimal.Decimal{}, shipping: map[string]decimal.Decimal{}, vat: map[string]decimal.Decimal{}}
	rates := map[string]decimal.Decimal{}
	rateOf := func(r *decimal.Decimal, what string) (string, error) {
		if r == nil {
			r = def
		}
		if r == nil {
			return "", sdk.NewError(sdk.CategoryValidation, "day_vat_rate_missing",
				"order %s: %s states no VAT rate; give default_vat_rate (0.25 for Danish moms) or the rates in the orders", o.Number, what)
		}
		k := r.String()
		rates[k] = *r
		return k, nil
	}
	// amounts in the order's tax mode, per rate
	items, ship := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for i, l := range o.Lines {
		k, err := rateOf(l.VATRate, fmt.Sprintf("line %d (%s)", i+1, l.Title))
		if err != nil {
			return nil, err
		}
		items[k] = items[k].Add(l.Quantity.Mul(l.UnitPrice))
	}
	if o.Discount.IsPositive() {
		if len(items) != 1 {
			return nil, sdk.NewError(sdk.CategoryValidation, "day_discount_mixed_rates",
				"order %s has a discount of %s and goods at %d VAT rates; how the shop shared the discount out over them is not in the order: import it with import_webshop_order instead", o.Number, o.Discount.StringFixed(2), len(items))
		}
		for k := range items {
			items[k] = items[k].Sub(o.Discount)
			if items[k].IsNegative() {
				return nil, sdk.Invalid("order", "order %s: the discount %s is more than its goods", o.Number, o.Discount.StringFixed(2))
			}
		}
	}
	if !o.Shipping.IsZero() {
		k, err := rateOf(o.ShippingVAT, "shipping")
		if err != nil {
			return nil, err
		}
		ship[k] = ship[k].Add(o.Shipping)
	}
	// To gross, with the order's VAT: prices incl. moms are gross already
	// (their VAT is the part inside); excl. moms get their VAT on top,
	// rounded per order and rate.
	toGross := func(amount decimal.Decimal, k string) (decimal.Decimal, decimal.Decimal) {
		r := rates[k]
		if o.TaxesIncluded {
			return amount, vatIn(amount, r)
		}
		v := round2(amount.Mul(r))
		return amount.Add(v), v
	}
	for k, a := range items {
		g, v := toGross(a, k)
		d.items[k], d.vat[k] = g, d.vat[k].Add(v)
		d.gross = d.gross.Add(g)
	}
	for k, a := range ship {
		g, v := toGross(a, k)
		d.shipping[k], d.vat[k] = g, d.vat[k].Add(v)
		d.gross = d.gross.Add(g)
	}
	if o.Total.set && !d.gross.Equal(o.Total.v) {
		return nil, sdk.NewError(sdk.CategoryValidation, "order_total_mismatch",
			"order %s: its lines, shipping and discount with VAT come to %s %s but the shop's total is %s; the order has amounts or roundings the summary does not read (gift cards, fees, VAT rounded per line)",
			o.Number, d.gross.StringFixed(2), o.Currency, o.Total.v.StringFixed(2))
	}
	return d, nil
}

type dayPlan struct {
	out      DayResult
	existing *billyDaybookTx
	body     map[string]any
}

type billyDaybookTx struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	APIType   string `json:"apiType"`
	EntryDate string `json:"entryDate"`
}

type billyTaxRate struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Rate           decimal.Decimal `json:"rate"`
	AppliesToSales bool            `json:"appliesToSales"`
	IsActive       bool            `json:"isActive"`
}

func (p *plugin) planDay(ctx context.Context, call *sdk.Call, in DayInput) (*dayPlan, error) {
	switch {
	case !shopRE.MatchString(in.Shop):
		return nil, sdk.Invalid("shop", "must be a short name of letters, digits, '.', '_' or '-' (at most 40), got %q", in.Shop)
	case !isDate(in.Date):
		return nil, sdk.Invalid("date", "must be a date as YYYY-MM-DD, got %q", in.Date)
	case len(in.Orders) == 0:
		return nil, sdk.Invalid("orders", "is empty: give the day's orders")
	case len(in.Orders) > maxDayOrders:
		return nil, sdk.Invalid("orders", "has %d orders; at most %d are summarised in one call", len(in.Orders), maxDayOrders)
	case in.ReceivableAccountID == "" || in.RevenueAccountID == "":
		return nil, sdk.Invalid("receivable_account_id", "receivable_account_id and revenue_account_id are required")
	}
	var def *decimal.Decimal
	if in.DefaultVATRate != "" {
		r, err := decimal.NewFromString(in.DefaultVATRate)
		if err != nil || !validRate(r) {
			return nil, sdk.Invalid("default_vat_rate", "must be a fraction from 0 to below 1, like 0.25, got %q", in.DefaultVATRate)
		}
		def = &r
	}
	key := dayKeyPrefix + in.Shop + ":" + in.Date
	out := DayResult{Shop: in.Shop, Date: in.Date, Key: key, OrderNumbers: []string{}, Rates: []DayRate{}, Lines: []DayLine{}}

	// Read every order first: one bad order refuses the day, naming it.
	var days []*dayOrder
	seen := map[string]bool{}
	var otherDay []string
	for i, raw := range in.Orders {
		o, err := parseOrder(raw, in.Format)
		if err != nil {
			return nil, withContext(err, "orders[%d]", i)
		}
		if seen[externalID(o)] {
			return nil, sdk.Invalid(fmt.Sprintf("orders[%d]", i), "order %s is in the list twice", o.Number)
		}
		seen[externalID(o)] = true
		if o.Date != in.Date {
			otherDay = append(otherDay, fmt.Sprintf("%s (%s)", o.Number, o.Date))
			continue
		}
		d, err := splitOrder(o, def)
		if err != nil {
			return nil, withContext(err, "orders[%d]", i)
		}
		days = append(days, d)
		out.OrderNumbers = append(out.OrderNumbers, o.Number)
		if o.Refunds > 0 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("order %s has refunds in the shop; the summary books the order as placed, and refunds are not netted: book them in the day they were paid back", o.Number))
		}
	}
	if len(otherDay) > 0 {
		return nil, sdk.NewError(sdk.CategoryValidation, "day_order_other_date",
			"the day %s was not summarised: %s %s of another day; summarise each day by itself", in.Date, strings.Join(otherDay, ", "), plural(len(otherDay), "is", "are"))
	}
	cur := days[0].ord.Currency
	for _, d := range days {
		if d.ord.Currency != cur {
			return nil, sdk.Invalid("orders", "order %s is in %s, order %s in %s: one day's summary is in one currency", days[0].ord.Number, cur, d.ord.Number, d.ord.Currency)
		}
	}
	out.Currency, out.Orders = cur, len(days)

	// The key first: a day summarised before is answered as it is.
	txs, err := listAll[billyDaybookTx](ctx, call, "/daybookTransactions", "daybookTransactions",
		url.Values{"apiType": {key}, "minEntryDate": {in.Date}, "maxEntryDate": {in.Date}}, 5)
	if err != nil {
		return nil, withContext(err, "looking for the summary of %s", in.Date)
	}
	for i := range txs {
		if txs[i].APIType == key && txs[i].State != "voided" {
			pl := &dayPlan{out: out, existing: &txs[i]}
			return pl, nil
		}
	}

	roots, err := billy(ctx, call, "GET", "/organization", nil, nil)
	if err != nil {
		return nil, withContext(err, "reading the organization")
	}
	var org struct {
		BaseCurrencyID string `json:"baseCurrencyId"`
	}
	if err := decodeRoot(roots, "organization", &org); err != nil {
		return nil, err
	}
	if cur != org.BaseCurrencyID {
		return nil, sdk.Invalid("orders", "the orders are in %s, and daybook lines are in the organization's currency %s; import orders in other currencies with import_webshop_order", cur, org.BaseCurrencyID)
	}
	// An order already invoiced is not booked twice.
	invs, err := listAll[billyInvoiceTotals](ctx, call, "/invoices", "invoices", url.Values{"minEntryDate": {in.Date}, "maxEntryDate": {in.Date}}, 10)
	if err != nil {
		return nil, withContext(err, "reading the invoices of %s", in.Date)
	}
	var invoiced []string
	for _, inv := range invs {
		if seen[inv.ExternalID] && inv.State != "voided" {
			invoiced = append(invoiced, fmt.Sprintf("%s (invoice %s)", inv.ExternalID, inv.ID))
		}
	}
	if len(invoiced) > 0 {
		sort.Strings(invoiced)
		return nil, sdk.NewError(sdk.CategoryConflict, "day_order_already_invoiced",
			"the day %s was not summarised: %s already invoiced; leave %s out of the summary, or void the %s", in.Date, strings.Join(invoiced, ", "), plural(len(invoiced), "is", "are"), plural(len(invoiced), "invoice", "invoices"))
	}
	for _, a := range []struct{ id, field string }{{in.ReceivableAccountID, "receivable_account_id"}, {in.RevenueAccountID, "revenue_account_id"}, {in.ShippingAccountID, "shipping_account_id"}} {
		if a.id == "" {
			continue
		}
		if err := checkAccount(ctx, call, a.id, a.field); err != nil {
			return nil, err
		}
	}

	// Sum the day per rate.
	type bucket struct {
		rate                      decimal.Decimal
		items, shipping, vatOrder decimal.Decimal
	}
	buckets := map[string]*bucket{}
	total := decimal.Zero
	for _, d := range days {
		total = total.Add(d.gross)
		for _, part := range []struct {
			m    map[string]decimal.Decimal
			ship bool
		}{{d.items, false}, {d.shipping, true}} {
			for k, a := range part.m {
				b := buckets[k]
				if b == nil {
					b = &bucket{rate: decimal.RequireFromString(k)}
					buckets[k] = b
				}
				if part.ship {
					b.shipping = b.shipping.Add(a)
				} else {
					b.items = b.items.Add(a)
				}
			}
		}
		for k, v := range d.vat {
			buckets[k].vatOrder = buckets[k].vatOrder.Add(v)
		}
	}
	keys := make([]string, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return buckets[keys[i]].rate.GreaterThan(buckets[keys[j]].rate) })
	rateIDs, err := resolveTaxRates(ctx, call, in.TaxRateIDs, keys)
	if err != nil {
		return nil, err
	}
	shipAcct := in.ShippingAccountID
	if shipAcct == "" {
		shipAcct = in.RevenueAccountID
	}
	text := func(what, k string) string {
		return fmt.Sprintf("Webshop %s %s: %s, %s%% moms", in.Shop, in.Date, what, buckets[k].rate.Mul(decimal.NewFromInt(100)).String())
	}
	out.Lines = append(out.Lines, DayLine{Text: fmt.Sprintf("Webshop %s %s: %d ordrer", in.Shop, in.Date, len(days)), AccountID: in.ReceivableAccountID, Side: "debit", Amount: total.StringFixed(2)})
	credit := decimal.Zero
	for _, k := range keys {
		b := buckets[k]
		booked := decimal.Zero
		for _, part := range []struct {
			what, acct string
			amount     decimal.Decimal
		}{{"salg", in.RevenueAccountID, b.items}, {"fragt", shipAcct, b.shipping}} {
			if part.amount.IsZero() {
				continue
			}
			out.Lines = append(out.Lines, DayLine{Text: text(part.what, k), AccountID: part.acct, Side: "credit", Amount: part.amount.StringFixed(2), TaxRateID: rateIDs[k]})
			credit = credit.Add(part.amount)
			// The VAT Billy splits out of this line (daybook_ops.go).
			booked = booked.Add(vatIn(part.amount, b.rate))
		}
		gross := b.items.Add(b.shipping)
		out.Rates = append(out.Rates, DayRate{VATRate: k, TaxRateID: rateIDs[k], Items: b.items.StringFixed(2), Shipping: b.shipping.StringFixed(2),
			Gross: gross.StringFixed(2), VATOrders: b.vatOrder.StringFixed(2), VATBooked: booked.StringFixed(2), Net: gross.Sub(booked).StringFixed(2)})
		if !booked.Equal(b.vatOrder) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("at %s%% the VAT Billy books on the day's lines is %s and the orders' own VAT adds up to %s (rounded order by order): a difference of %s from rounding",
				b.rate.Mul(decimal.NewFromInt(100)), booked.StringFixed(2), b.vatOrder.StringFixed(2), booked.Sub(b.vatOrder).StringFixed(2)))
		}
	}
	out.Reconciliation = DayReconciliation{OrdersTotal: total.StringFixed(2), Debit: total.StringFixed(2), Credit: credit.StringFixed(2), Difference: total.Sub(credit).StringFixed(2)}
	if !credit.Equal(total) {
		// Cannot happen: every order's gross is in exactly one line.
		return nil, sdk.NewError(sdk.CategoryInternal, "day_unbalanced", "the summary of %s does not balance (debit %s, credit %s); nothing was written", in.Date, total.StringFixed(2), credit.StringFixed(2))
	}
	if !total.IsPositive() {
		return nil, sdk.Invalid("orders", "the day's orders come to %s: nothing to book", total.StringFixed(2))
	}
	var lines []map[string]any
	for _, l := range out.Lines {
		m := map[string]any{"text": l.Text, "accountId": l.AccountID, "side": l.Side, "amount": json.Number(l.Amount)}
		if l.TaxRateID != "" {
			m["taxRateId"] = l.TaxRateID
		}
		lines = append(lines, m)
	}
	body := map[string]any{"entryDate": in.Date, "apiType": key, "state": "draft",
		"description":         fmt.Sprintf("Webshop %s %s: %d ordrer", in.Shop, in.Date, len(days)),
		"extendedDescription": "Ordrer: " + strings.Join(out.OrderNumbers, ", "), "lines": lines}
	if in.DaybookID != "" {
		body["daybookId"] = in.DaybookID
	}
	out.Requests = []BillyCall{{Method: "POST", Path: "/daybookTransactions", Body: map[string]any{"daybookTransaction": body}}}
	return &dayPlan{out: out, body: body}, nil
}

func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

func checkAccount(ctx context.Context, call *sdk.Call, id, field string) error {
	roots, err := billy(ctx, call, "GET", "/accounts/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			return sdk.Invalid(field, "there is no account %q in this Billy organization", id)
		}
		return withContext(err, "reading account %s", id)
	}
	var a billyAccount
	if err := decodeRoot(roots, "account", &a); err != nil {
		return err
	}
	if a.IsArchived {
		return sdk.Invalid(field, "account %s (%d %s) is archived", id, a.AccountNo, a.Name)
	}
	return nil
}

// resolveTaxRates finds the Billy tax rate of each VAT rate: the one given
// in tax_rate_ids, else the one active sales rate of that rate.
func resolveTaxRates(ctx context.Context, call *sdk.Call, given map[string]string, keys []string) (map[string]string, error) {
	byRate := map[string]string{}
	for k, id := range given {
		r, err := decimal.NewFromString(k)
		if err != nil || !validRate(r) {
			return nil, sdk.Invalid("tax_rate_ids", "key %q is not a VAT rate as a fraction like 0.25", k)
		}
		byRate[r.String()] = id
	}
	rates, err := listAll[billyTaxRate](ctx, call, "/taxRates", "taxRates", nil, 2)
	if err != nil {
		return nil, withContext(err, "reading the tax rates")
	}
	out := map[string]string{}
	for _, k := range keys {
		r := decimal.RequireFromString(k)
		if id, ok := byRate[k]; ok {
			found := false
			for _, tr := range rates {
				if tr.ID == id {
					found = true
					if !tr.Rate.Equal(r) || !tr.IsActive || !tr.AppliesToSales {
						return nil, sdk.Invalid("tax_rate_ids", "tax rate %s (%s) is not an active sales rate of %s", id, tr.Name, k)
					}
				}
			}
			if !found {
				return nil, sdk.Invalid("tax_rate_ids", "there is no tax rate %q in this Billy organization", id)
			}
			out[k] = id
			continue
		}
		var hit []billyTaxRate
		for _, tr := range rates {
			if tr.IsActive && tr.AppliesToSales && tr.Rate.Equal(r) {
				hit = append(hit, tr)
			}
		}
		if len(hit) == 1 {
			out[k] = hit[0].ID
			continue
		}
		names := make([]string, 0, len(hit))
		for _, h := range hit {
			names = append(names, fmt.Sprintf("%s (%s)", h.Name, h.ID))
		}
		if len(hit) == 0 {
			return nil, sdk.NewError(sdk.CategoryValidation, "day_tax_rate_missing", "no active sales tax rate of %s in this Billy organization; give tax_rate_ids {\"%s\": \"<id>\"}", k, k)
		}
		return nil, sdk.NewError(sdk.CategoryValidation, "day_tax_rate_ambiguous",
			"%d active sales tax rates have the rate %s: %s; say which one the orders' sales at %s are in tax_rate_ids {\"%s\": \"<id>\"}", len(hit), k, strings.Join(names, ", "), k, k)
	}
	return out, nil
}

func (p *plugin) summariseWebshopDay(ctx context.Context, call *sdk.Call, in DayInput) (DayResult, error) {
	pl, err := p.planDay(ctx, call, in)
	if err != nil {
		return DayResult{}, err
	}
	out := pl.out
	if ex := pl.existing; ex != nil {
		out.Status, out.TransactionID, out.TransactionState = "exists", ex.ID, ex.State
		out.Message = fmt.Sprintf("the day %s of %s was summarised before as daybook transaction %s (%s); nothing was written. Orders that came later: void that transaction and summarise the day again", in.Date, in.Shop, ex.ID, ex.State)
		return out, nil
	}
	action := fmt.Sprintf("Create a draft daybook transaction for %s on %s: %d orders, %s %s owed on the payment provider, %d line(s)",
		in.Shop, in.Date, out.Orders, dkfmt.Amount(decimal.RequireFromString(out.Reconciliation.OrdersTotal)), out.Currency, len(out.Lines))
	args, err := json.Marshal(struct {
		Key    string            `json:"key"`
		Orders []string          `json:"orders"`
		Rates  map[string]string `json:"rates"`
	}{out.Key, out.OrderNumbers, in.TaxRateIDs})
	if err != nil {
		return DayResult{}, err
	}
	state, err := json.Marshal(out.Requests)
	if err != nil {
		return DayResult{}, err
	}
	b := confirm.Binding{Tool: "summarise_webshop_day", Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: args, State: state}
	step, err := p.writePolicy(ctx, call, "summarise_webshop_day", in.DryRun, in.ConfirmationToken, b, action+".", "Tick to create this draft daybook transaction in Billy now.")
	if err != nil {
		return DayResult{}, err
	}
	if step != stepExecute {
		h := p.hold(step, b, wording{Tool: "summarise_webshop_day", Action: action, Nothing: "written", Show: "the report", Same: "the same arguments", DryRunTail: " would be sent as this request"})
		out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt = h.Status, h.Message, h.Token, h.ExpiresAt
		if step == stepCancelled || step == stepDeclined {
			out.Requests = nil
		}
		return out, nil
	}
	key := "webshop-day:" + confirm.Digest([]byte(call.Caller.OrganizationID+"\x00"+out.Key))
	first, err := call.Host.ConsumeOnce(ctx, key, p.now().Add(orderLease))
	switch {
	case errors.Is(err, sdk.ErrHostFeatureMissing):
	case err != nil:
		return DayResult{}, withContext(err, "nothing was written: whether another summary of %s is running cannot be checked right now; try again in a moment", in.Date)
	case !first:
		return DayResult{}, sdk.NewError(sdk.CategoryConflict, "day_summary_in_progress",
			"nothing was written: the day %s of %s was being summarised by another call less than %d minutes ago; call again in a moment without confirmation_token, and it reports that summary",
			in.Date, in.Shop, int(orderLease.Minutes()))
	}
	roots, err := billy(ctx, call, "POST", "/daybookTransactions", nil, map[string]any{"daybookTransaction": pl.body})
	if err != nil {
		return DayResult{}, withContext(err, "summarise_webshop_day: creating the daybook transaction failed; nothing was written")
	}
	var created []billyDaybookTx
	if err := decodeRoot(roots, "daybookTransactions", &created); err != nil || len(created) == 0 {
		return DayResult{}, unexpected("POST /daybookTransactions returned no transaction")
	}
	out.TransactionID, out.TransactionState = created[0].ID, created[0].State
	out.Status, out.Message, out.Requests = "done", "done: "+action+"; the transaction is a draft: review and approve it in Billy's kassekladde", nil
	return out, nil
}
