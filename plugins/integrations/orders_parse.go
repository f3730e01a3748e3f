package integrations

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// A webshop order as the import sees it (integrations.md § 3.3), whatever
// shop sent it. Amounts are decimals read from the JSON's own digits
// (json.Number or a string), never through float64.

// Order formats.
const (
	formatShopify = "shopify"
	formatWoo     = "woocommerce"
	formatGeneric = "generic"
)

type order struct {
	Format        string
	Number        string // the shop's order number: the idempotency key with Format
	Name          string // as the shop shows it ("#1001"), for the invoice's orderNo
	Date          string // YYYY-MM-DD
	Currency      string
	TaxesIncluded bool
	Customer      orderCustomer
	Lines         []orderLine
	Shipping      decimal.Decimal // in the order's tax mode; zero when none
	ShippingText  string
	ShippingVAT   *decimal.Decimal `json:",omitempty"` // shipping's VAT rate, as VATRate; nil when not stated or mixed
	Discount      decimal.Decimal  // positive amount off, in the order's tax mode
	DiscountText  string
	// Status is the shop's payment or order status (Shopify
	// financial_status, WooCommerce status); Refunds counts the refunds
	// the order carries. Neither is imported; both are reported.
	Status  string
	Refunds int
	// RefundList holds the refunds as the shop sent them, raw: a refund
	// is read (parseRefund) only when credit_webshop_refund credits it,
	// so an order import never fails on a refund it does not use.
	RefundList []json.RawMessage `json:"-"`
	// lineIDs maps a Shopify line item's id to its line, for refund
	// line items that name only line_item_id.
	lineIDs map[string]orderLine
	// Total is the shop's own total, compared with the lines' sum when
	// the prices include tax (then both are the same gross amount).
	Total dec
}

type orderCustomer struct {
	Email, CVR, Name, Company, Street, Zipcode, City, Country, Phone string
}

type orderLine struct {
	SKU, Title string
	Quantity   decimal.Decimal
	UnitPrice  decimal.Decimal // in the order's tax mode
	// VATRate is the line's VAT rate as a fraction (0.25) when the shop
	// states it (Shopify tax_lines, WooCommerce taxes with the order's
	// tax_lines, generic vat_rate); nil when not. Only the daily summary
	// reads it: an invoice takes the rate from the product in Billy.
	VATRate *decimal.Decimal `json:",omitempty"`
}

// dec is a money or quantity field: a JSON number or a numeric string.
type dec struct {
	v   decimal.Decimal
	set bool
}

func (d *dec) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
	}
	if len(s) > 40 {
		return fmt.Errorf("%.20q… is too long for an amount", s)
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("%q is not a decimal number (write amounts like 199.95)", s)
	}
	// An exponent like 1e999999 would build a huge number; no order has
	// more than 12 integer digits or 6 decimals.
	if v.Exponent() < -6 || v.Exponent() > 12 || v.Abs().GreaterThanOrEqual(decimal.New(1, 12)) {
		return fmt.Errorf("%q is out of range for an order amount or quantity (below 10^12, at most 6 decimals)", s)
	}
	d.v, d.set = v, true
	return nil
}

// ptr is the value, or nil when the field was absent.
func (d dec) ptr() *decimal.Decimal {
	if !d.set {
		return nil
	}
	v := d.v
	return &v
}

// str is a field a shop sends as a string or a number (ids, order numbers).
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	var x string
	if json.Unmarshal(b, &x) == nil {
		*s = str(strings.TrimSpace(x))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		if string(bytes.TrimSpace(b)) == "null" {
			*s = ""
			return nil
		}
		return fmt.Errorf("must be a string or a number")
	}
	*s = str(n.String())
	return nil
}

// detectFormat names the order's format from its keys: Shopify's Admin
// order has order_number/taxes_included/total_price, WooCommerce's REST
// order prices_include_tax/billing, the generic schema "lines".
func detectFormat(raw json.RawMessage) (string, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return "", sdk.Invalid("order", "must be one order as a JSON object (Shopify, WooCommerce or the generic schema)")
	}
	if w, ok := keys["order"]; ok && len(keys) == 1 {
		// Shopify's webhook and GET /orders/{id}.json wrap the order.
		return detectFormat(w)
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("lines"):
		return formatGeneric, nil
	case has("line_items") && (has("taxes_included") || has("order_number") || has("total_price")):
		return formatShopify, nil
	case has("line_items") && (has("prices_include_tax") || has("billing") || has("number")):
		return formatWoo, nil
	}
	return "", sdk.Invalid("order", "is not an order this tool reads: a Shopify order has line_items and taxes_included, a WooCommerce order line_items and prices_include_tax, the generic schema lines; give format to say which")
}

// parseOrder reads raw in format (empty: detected).
func parseOrder(raw json.RawMessage, format string) (*order, error) {
	if format == "" {
		f, err := detectFormat(raw)
		if err != nil {
			return nil, err
		}
		format = f
	}
	var o *order
	var err error
	switch format {
	case formatShopify:
		var w struct {
			Order json.RawMessage `json:"order"`
		}
		if json.Unmarshal(raw, &w) == nil && len(w.Order) > 0 {
			raw = w.Order
		}
		o, err = parseShopify(raw)
	case formatWoo:
		o, err = parseWoo(raw)
	case formatGeneric:
		o, err = parseGeneric(raw)
	default:
		return nil, sdk.Invalid("format", "must be shopify, woocommerce or generic, got %q", format)
	}
	if err != nil {
		if _, ok := err.(*sdk.Error); ok {
			return nil, err
		}
		return nil, sdk.Invalid("order", "is not a %s order: %v", format, err)
	}
	o.Format = format
	return o, o.check()
}

var (
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// check refuses what no invoice can be made of, naming the field.
func (o *order) check() error {
	switch {
	case o.Number == "":
		return sdk.Invalid("order", "has no order number (the idempotency key): Shopify order_number, WooCommerce number, generic order_number")
	case len(o.Number) > 64:
		return sdk.Invalid("order", "order number %.20q… is longer than 64 characters", o.Number)
	case !dateRE.MatchString(o.Date):
		return sdk.Invalid("order", "order %s has no date as YYYY-MM-DD… (got %q)", o.Number, o.Date)
	case !currencyRE.MatchString(o.Currency):
		return sdk.Invalid("order", "order %s: currency must be a three-letter code like DKK, got %q", o.Number, o.Currency)
	case len(o.Lines) == 0:
		return sdk.Invalid("order", "order %s has no lines", o.Number)
	case o.Customer.Email == "" && o.Customer.CVR == "":
		return sdk.Invalid("order", "order %s names no customer e-mail or CVR number, so no contact can be found", o.Number)
	case o.Shipping.IsNegative() || o.Discount.IsNegative():
		return sdk.Invalid("order", "order %s: shipping and discount must not be negative", o.Number)
	}
	switch o.Status {
	case "voided", "cancelled", "failed":
		return sdk.NewError(sdk.CategoryValidation, "order_not_invoiceable",
			"order %s was not imported: its status is %s, so nothing was sold", o.Number, o.Status)
	}
	o.Date = o.Date[:10]
	for i, l := range o.Lines {
		switch {
		case !l.Quantity.IsPositive():
			return sdk.Invalid(fmt.Sprintf("order.lines[%d]", i), "quantity must be positive, got %s (refunds are not imported as orders)", l.Quantity)
		case l.UnitPrice.IsNegative():
			return sdk.Invalid(fmt.Sprintf("order.lines[%d]", i), "unit price must not be negative, got %s", l.UnitPrice)
		case l.UnitPrice.Exponent() < -4:
			return sdk.Invalid(fmt.Sprintf("order.lines[%d]", i), "unit price %s has more than 4 decimals", l.UnitPrice)
		case l.VATRate != nil && !validRate(*l.VATRate):
			return sdk.Invalid(fmt.Sprintf("order.lines[%d]", i), "VAT rate %s is not a fraction from 0 to below 1 (write 25 %% as 0.25)", l.VATRate)
		}
	}
	if o.ShippingVAT != nil && !validRate(*o.ShippingVAT) {
		return sdk.Invalid("order.shipping", "VAT rate %s is not a fraction from 0 to below 1 (write 25 %% as 0.25)", o.ShippingVAT)
	}
	if o.Name == "" {
		o.Name = o.Number
	}
	if o.TaxesIncluded && o.Total.set {
		sum := o.Shipping.Sub(o.Discount)
		for _, l := range o.Lines {
			sum = sum.Add(l.Quantity.Mul(l.UnitPrice))
		}
		if !sum.Round(2).Equal(o.Total.v) {
			// Gift cards, payment fees or tip lines this import does not
			// read: an invoice of another amount than the customer paid
			// is worse than none.
			return sdk.NewError(sdk.CategoryValidation, "order_total_mismatch",
				"order %s was not imported: its lines, shipping and discount add up to %s %s but the shop's total is %s; the order has amounts this import does not read (gift cards, fees, tips)",
				o.Number, sum.StringFixed(2), o.Currency, o.Total.v.StringFixed(2))
		}
	}
	return nil
}

var cvrRE = regexp.MustCompile(`^(?:DK)?\s*(\d{2}\s?\d{2}\s?\d{2}\s?\d{2})$`)

// cvrFrom reads a Danish CVR number ("DK12345678", "12 34 56 78");
// anything else is not taken as one.
func cvrFrom(s string) string {
	m := cvrRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], " ", "")
}

// cvrFromMeta finds a CVR in a shop's free-form attributes (Shopify
// note_attributes, WooCommerce meta_data), where checkout plug-ins keep it
// under keys like "cvr", "_billing_cvr" or "vat_number".
func cvrFromMeta(kv map[string]string) string {
	for k, v := range kv {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "cvr") || strings.Contains(lk, "vat") {
			if c := cvrFrom(v); c != "" {
				return c
			}
		}
	}
	return ""
}

type shopifyAddress struct {
	Name, Company, Address1, Address2, City, Zip, Phone string
	CountryCode                                         string `json:"country_code"`
	FirstName                                           string `json:"first_name"`
	LastName                                            string `json:"last_name"`
}

func parseShopify(raw json.RawMessage) (*order, error) {
	var s struct {
		OrderNumber    str    `json:"order_number"`
		Name           string `json:"name"`
		Email          string `json:"email"`
		CreatedAt      string `json:"created_at"`
		ProcessedAt    string `json:"processed_at"`
		Currency       string `json:"currency"`
		TaxesIncluded  bool   `json:"taxes_included"`
		BillingAddress *shopifyAddress
		Customer       *struct {
			Email string `json:"email"`
			Phone string `json:"phone"`
		} `json:"customer"`
		LineItems []struct {
			ID            str    `json:"id"`
			SKU           string `json:"sku"`
			Title         string `json:"title"`
			Name          string `json:"name"`
			Quantity      dec    `json:"quantity"`
			Price         dec    `json:"price"`
			TotalDiscount dec    `json:"total_discount"`
			TaxLines      []struct {
				Rate dec `json:"rate"`
			} `json:"tax_lines"`
		} `json:"line_items"`
		ShippingLines []struct {
			Title    string `json:"title"`
			Price    dec    `json:"price"`
			TaxLines []struct {
				Rate dec `json:"rate"`
			} `json:"tax_lines"`
		} `json:"shipping_lines"`
		DiscountCodes []struct {
			Code string `json:"code"`
		} `json:"discount_codes"`
		TotalDiscounts dec               `json:"total_discounts"`
		TotalPrice     dec               `json:"total_price"`
		FinancialStat  string            `json:"financial_status"`
		Refunds        []json.RawMessage `json:"refunds"`
		NoteAttributes []struct {
			Name  string `json:"name"`
			Value str    `json:"value"`
		} `json:"note_attributes"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	o := &order{Number: string(s.OrderNumber), Name: s.Name, Date: s.ProcessedAt, Currency: s.Currency, TaxesIncluded: s.TaxesIncluded, Total: s.TotalPrice,
		Status: s.FinancialStat, Refunds: len(s.Refunds), RefundList: s.Refunds, lineIDs: map[string]orderLine{}}
	if o.Date == "" {
		o.Date = s.CreatedAt
	}
	o.Customer.Email = s.Email
	if s.Customer != nil && o.Customer.Email == "" {
		o.Customer.Email = s.Customer.Email
	}
	if a := s.BillingAddress; a != nil {
		name := a.Name
		if name == "" {
			name = strings.TrimSpace(a.FirstName + " " + a.LastName)
		}
		o.Customer.Name, o.Customer.Company, o.Customer.City, o.Customer.Zipcode = name, a.Company, a.City, a.Zip
		o.Customer.Street = strings.TrimSpace(strings.TrimSpace(a.Address1 + " " + a.Address2))
		o.Customer.Country, o.Customer.Phone = a.CountryCode, a.Phone
	}
	meta := map[string]string{}
	for _, na := range s.NoteAttributes {
		meta[na.Name] = string(na.Value)
	}
	o.Customer.CVR = cvrFromMeta(meta)
	lineDiscounts := decimal.Zero
	for _, li := range s.LineItems {
		title := li.Title
		if li.Name != "" {
			title = li.Name
		}
		l := orderLine{SKU: strings.TrimSpace(li.SKU), Title: title, Quantity: li.Quantity.v, UnitPrice: li.Price.v}
		if len(li.TaxLines) > 0 {
			r := decimal.Zero
			for _, tl := range li.TaxLines {
				r = r.Add(tl.Rate.v)
			}
			l.VATRate = &r
		}
		o.Lines = append(o.Lines, l)
		if li.ID != "" {
			o.lineIDs[string(li.ID)] = l
		}
		lineDiscounts = lineDiscounts.Add(li.TotalDiscount.v)
	}
	var shipRates []*decimal.Decimal
	for _, sl := range s.ShippingLines {
		o.Shipping = o.Shipping.Add(sl.Price.v)
		if o.ShippingText == "" {
			o.ShippingText = sl.Title
		}
		var r *decimal.Decimal
		if len(sl.TaxLines) > 0 {
			sum := decimal.Zero
			for _, tl := range sl.TaxLines {
				sum = sum.Add(tl.Rate.v)
			}
			r = &sum
		}
		shipRates = append(shipRates, r)
	}
	o.ShippingVAT = sameRate(shipRates)
	// total_discounts is the order's whole discount (codes and automatic
	// discounts, line-level included), in the order's tax mode.
	o.Discount = s.TotalDiscounts.v
	if !s.TotalDiscounts.set {
		o.Discount = lineDiscounts
	}
	codes := make([]string, 0, len(s.DiscountCodes))
	for _, c := range s.DiscountCodes {
		codes = append(codes, c.Code)
	}
	o.DiscountText = strings.Join(codes, ", ")
	return o, nil
}

type wooAddress struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type wooTax struct {
	ID str `json:"id"`
}

// sameRate is the one rate all of rates are, or nil when one is not
// stated or they differ.
func sameRate(rates []*decimal.Decimal) *decimal.Decimal {
	var out *decimal.Decimal
	for _, r := range rates {
		if r == nil || out != nil && !out.Equal(*r) {
			return nil
		}
		out = r
	}
	return out
}

func parseWoo(raw json.RawMessage) (*order, error) {
	var w struct {
		ID               str        `json:"id"`
		Number           str        `json:"number"`
		Currency         string     `json:"currency"`
		PricesIncludeTax bool       `json:"prices_include_tax"`
		DateCreated      string     `json:"date_created"`
		DatePaid         string     `json:"date_paid"`
		Billing          wooAddress `json:"billing"`
		LineItems        []struct {
			SKU         string   `json:"sku"`
			Name        string   `json:"name"`
			Quantity    dec      `json:"quantity"`
			Subtotal    dec      `json:"subtotal"`
			SubtotalTax dec      `json:"subtotal_tax"`
			Taxes       []wooTax `json:"taxes"`
		} `json:"line_items"`
		ShippingLines []struct {
			MethodTitle string   `json:"method_title"`
			Total       dec      `json:"total"`
			TotalTax    dec      `json:"total_tax"`
			Taxes       []wooTax `json:"taxes"`
		} `json:"shipping_lines"`
		TaxLines []struct {
			RateID      str `json:"rate_id"`
			RatePercent dec `json:"rate_percent"`
		} `json:"tax_lines"`
		CouponLines []struct {
			Code string `json:"code"`
		} `json:"coupon_lines"`
		DiscountTotal dec               `json:"discount_total"`
		DiscountTax   dec               `json:"discount_tax"`
		Total         dec               `json:"total"`
		Status        string            `json:"status"`
		Refunds       []json.RawMessage `json:"refunds"`
		MetaData      []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"meta_data"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	// A line's taxes name the order's tax_lines by rate_id; rate_percent
	// (WooCommerce 5.7 and later) says the rate.
	percent := map[string]decimal.Decimal{}
	for _, tl := range w.TaxLines {
		if tl.RatePercent.set {
			percent[string(tl.RateID)] = tl.RatePercent.v
		}
	}
	wooRate := func(taxes []wooTax) *decimal.Decimal {
		r := decimal.Zero
		for _, t := range taxes {
			p, ok := percent[string(t.ID)]
			if !ok {
				return nil
			}
			r = r.Add(p.DivRound(decimal.NewFromInt(100), 6))
		}
		if len(taxes) == 0 {
			return nil
		}
		return &r
	}
	num := string(w.Number)
	if num == "" {
		num = string(w.ID)
	}
	o := &order{Number: num, Name: num, Date: w.DatePaid, Currency: w.Currency, TaxesIncluded: w.PricesIncludeTax, Total: w.Total,
		Status: w.Status, Refunds: len(w.Refunds), RefundList: w.Refunds}
	if o.Date == "" {
		o.Date = w.DateCreated
	}
	b := w.Billing
	o.Customer = orderCustomer{Email: b.Email, Name: strings.TrimSpace(b.FirstName + " " + b.LastName), Company: b.Company,
		Street: strings.TrimSpace(b.Address1 + " " + b.Address2), Zipcode: b.Postcode, City: b.City, Country: b.Country, Phone: b.Phone}
	meta := map[string]string{}
	for _, m := range w.MetaData {
		if s, ok := m.Value.(string); ok {
			meta[m.Key] = s
		}
	}
	o.Customer.CVR = cvrFromMeta(meta)
	// WooCommerce keeps line amounts without tax (subtotal, before
	// coupons) and the tax beside them; a shop whose prices include tax
	// gets its gross prices back as subtotal + subtotal_tax.
	gross := func(net, tax dec) decimal.Decimal {
		if w.PricesIncludeTax {
			return net.v.Add(tax.v)
		}
		return net.v
	}
	for i, li := range w.LineItems {
		if !li.Quantity.v.IsPositive() {
			return nil, sdk.Invalid(fmt.Sprintf("order.line_items[%d]", i), "quantity must be positive, got %s", li.Quantity.v)
		}
		total := gross(li.Subtotal, li.SubtotalTax)
		unit := total.DivRound(li.Quantity.v, 4)
		if !unit.Mul(li.Quantity.v).Equal(total) {
			return nil, sdk.Invalid(fmt.Sprintf("order.line_items[%d]", i), "%s: the line total %s is not a whole unit price × quantity %s, so it cannot be an invoice line without rounding", li.Name, total, li.Quantity.v)
		}
		o.Lines = append(o.Lines, orderLine{SKU: strings.TrimSpace(li.SKU), Title: li.Name, Quantity: li.Quantity.v, UnitPrice: unit, VATRate: wooRate(li.Taxes)})
	}
	var shipRates []*decimal.Decimal
	for _, sl := range w.ShippingLines {
		o.Shipping = o.Shipping.Add(gross(sl.Total, sl.TotalTax))
		if o.ShippingText == "" {
			o.ShippingText = sl.MethodTitle
		}
		shipRates = append(shipRates, wooRate(sl.Taxes))
	}
	o.ShippingVAT = sameRate(shipRates)
	o.Discount = gross(w.DiscountTotal, w.DiscountTax)
	codes := make([]string, 0, len(w.CouponLines))
	for _, c := range w.CouponLines {
		codes = append(codes, c.Code)
	}
	o.DiscountText = strings.Join(codes, ", ")
	return o, nil
}

// genericOrder is the schema for shops that are neither Shopify nor
// WooCommerce; the tool's input schema documents it.
type genericOrder struct {
	OrderNumber      str    `json:"order_number"`
	Date             string `json:"date"`
	Currency         string `json:"currency"`
	PricesIncludeTax bool   `json:"prices_include_tax"`
	Customer         struct {
		Email   string `json:"email"`
		CVR     string `json:"cvr"`
		Name    string `json:"name"`
		Company string `json:"company"`
		Street  string `json:"street"`
		Zipcode string `json:"zipcode"`
		City    string `json:"city"`
		Country string `json:"country"`
		Phone   string `json:"phone"`
	} `json:"customer"`
	Lines []struct {
		SKU       string `json:"sku"`
		Title     string `json:"title"`
		Quantity  dec    `json:"quantity"`
		UnitPrice dec    `json:"unit_price"`
		VATRate   dec    `json:"vat_rate"`
	} `json:"lines"`
	Shipping *struct {
		Title   string `json:"title"`
		Amount  dec    `json:"amount"`
		VATRate dec    `json:"vat_rate"`
	} `json:"shipping"`
	Discount *struct {
		Title  string `json:"title"`
		Amount dec    `json:"amount"`
	} `json:"discount"`
	Total   dec               `json:"total"`
	Refunds []json.RawMessage `json:"refunds"`
}

func parseGeneric(raw json.RawMessage) (*order, error) {
	dc := json.NewDecoder(bytes.NewReader(raw))
	dc.DisallowUnknownFields()
	var g genericOrder
	if err := dc.Decode(&g); err != nil {
		return nil, err
	}
	c := g.Customer
	o := &order{Number: string(g.OrderNumber), Date: g.Date, Currency: g.Currency, TaxesIncluded: g.PricesIncludeTax,
		Total: g.Total, Refunds: len(g.Refunds), RefundList: g.Refunds, Customer: orderCustomer{Email: c.Email, Name: c.Name, Company: c.Company, Street: c.Street, Zipcode: c.Zipcode, City: c.City, Country: c.Country, Phone: c.Phone}}
	if c.CVR != "" {
		o.Customer.CVR = cvrFrom(c.CVR)
		if o.Customer.CVR == "" {
			return nil, sdk.Invalid("order.customer.cvr", "must be a Danish CVR number of 8 digits (optionally DK in front), got %q", c.CVR)
		}
	}
	for i, l := range g.Lines {
		if !l.Quantity.set || !l.UnitPrice.set {
			return nil, sdk.Invalid(fmt.Sprintf("order.lines[%d]", i), "needs quantity and unit_price")
		}
		o.Lines = append(o.Lines, orderLine{SKU: strings.TrimSpace(l.SKU), Title: l.Title, Quantity: l.Quantity.v, UnitPrice: l.UnitPrice.v, VATRate: l.VATRate.ptr()})
	}
	if g.Shipping != nil {
		o.Shipping, o.ShippingText, o.ShippingVAT = g.Shipping.Amount.v, g.Shipping.Title, g.Shipping.VATRate.ptr()
	}
	if g.Discount != nil {
		o.Discount, o.DiscountText = g.Discount.Amount.v, g.Discount.Title
	}
	return o, nil
}

// orderNo is the order's number as Billy's orderNo keeps it: the shop's
// name for the order without Shopify's "#" in front, which an e-invoice
// would carry as its order reference and which buyers' systems often
// reject (einvoice_preflight warns of it).
func (o *order) orderNo() string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(o.Name), "#"))
}

// A refund as credit_webshop_refund sees it (integrations.md § 3.2 item
// 10: a refund becomes a credit note of the order's invoice). Amounts are
// positive and in the order's tax mode, as the invoice's lines were.
type orderRefund struct {
	ID       string
	Date     string // YYYY-MM-DD
	Lines    []refundLine
	Shipping decimal.Decimal // refunded shipping, in the order's tax mode
	// Paid is the money the shop paid back, tax included (Shopify's
	// successful refund transactions, WooCommerce's amount, the generic
	// total), when the shop says; the lines must add up to it.
	Paid dec
	// Gross is the refund's lines and shipping with their tax, as the
	// shop states it, compared with Paid.
	Gross decimal.Decimal
	// Adjustment is money paid back beyond the lines and shipping, tax
	// included (Paid less Gross): a price reduction after the sale (a
	// goodwill refund, Shopify's refund_discrepancy, a WooCommerce refund
	// of an amount only). A price reduced after the sale lowers the
	// taxable amount (momssystemdirektivet art. 90, momsloven § 27,
	// stk. 4), so it is credited as such, shared over the invoice's VAT
	// rates (adjustmentLines).
	Adjustment decimal.Decimal
}

type refundLine struct {
	SKU, Title string
	Quantity   decimal.Decimal
	Amount     decimal.Decimal // the line's refunded amount, in the order's tax mode
}

// refundByID picks the order's refund with id (empty: the only one);
// override, when given, is the refund object itself (WooCommerce lists
// only ids and totals in an order's refunds; the full refund is
// GET /orders/<id>/refunds/<refund id>).
func (o *order) refundByID(id string, override json.RawMessage) (*orderRefund, error) {
	if len(bytes.TrimSpace(override)) > 0 && string(bytes.TrimSpace(override)) != "null" {
		r, err := o.parseRefund(override)
		if err != nil {
			return nil, err
		}
		if id != "" && r.ID != id {
			return nil, sdk.Invalid("refund", "is refund %s, but refund_id says %s", r.ID, id)
		}
		return r, nil
	}
	if len(o.RefundList) == 0 {
		return nil, sdk.NewError(sdk.CategoryValidation, "order_has_no_refund", "order %s carries no refunds (Shopify refunds[], WooCommerce refunds, generic refunds); give the order as the shop has it now, or the refund object as refund", o.Number)
	}
	var ids []string
	for i, raw := range o.RefundList {
		r, err := o.parseRefund(raw)
		if err != nil {
			return nil, withContext(err, "order %s, refund %d", o.Number, i+1)
		}
		if id == "" && len(o.RefundList) == 1 || r.ID == id {
			return r, nil
		}
		ids = append(ids, r.ID)
	}
	if id == "" {
		return nil, sdk.Invalid("refund_id", "order %s has %d refunds (%s); say which one to credit", o.Number, len(ids), strings.Join(ids, ", "))
	}
	return nil, sdk.Invalid("refund_id", "order %s has no refund %s; its refunds are %s", o.Number, id, strings.Join(ids, ", "))
}

// parseRefund reads one refund of the order's format and checks it.
func (o *order) parseRefund(raw json.RawMessage) (*orderRefund, error) {
	var r *orderRefund
	var err error
	switch o.Format {
	case formatShopify:
		r, err = o.shopifyRefund(raw)
	case formatWoo:
		r, err = o.wooRefund(raw)
	default:
		r, err = o.genericRefund(raw)
	}
	if err != nil {
		if _, ok := err.(*sdk.Error); ok {
			return nil, err
		}
		return nil, sdk.Invalid("refund", "is not a %s refund: %v", o.Format, err)
	}
	return r, o.checkRefund(r)
}

func (o *order) shopifyRefund(raw json.RawMessage) (*orderRefund, error) {
	var s struct {
		ID              str    `json:"id"`
		CreatedAt       string `json:"created_at"`
		ProcessedAt     string `json:"processed_at"`
		RefundLineItems []struct {
			LineItemID str `json:"line_item_id"`
			Quantity   dec `json:"quantity"`
			Subtotal   dec `json:"subtotal"`
			TotalTax   dec `json:"total_tax"`
			LineItem   *struct {
				SKU   string `json:"sku"`
				Title string `json:"title"`
				Name  string `json:"name"`
			} `json:"line_item"`
		} `json:"refund_line_items"`
		Transactions []struct {
			Amount dec    `json:"amount"`
			Kind   string `json:"kind"`
			Status string `json:"status"`
		} `json:"transactions"`
		OrderAdjustments []struct {
			Amount    dec    `json:"amount"`
			TaxAmount dec    `json:"tax_amount"`
			Kind      string `json:"kind"`
		} `json:"order_adjustments"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	r := &orderRefund{ID: string(s.ID), Date: s.ProcessedAt}
	if r.Date == "" {
		r.Date = s.CreatedAt
	}
	for i, li := range s.RefundLineItems {
		l := refundLine{Quantity: li.Quantity.v}
		if li.LineItem != nil {
			l.SKU, l.Title = strings.TrimSpace(li.LineItem.SKU), li.LineItem.Title
			if li.LineItem.Name != "" {
				l.Title = li.LineItem.Name
			}
		}
		if ol, ok := o.lineIDs[string(li.LineItemID)]; ok && l.SKU == "" {
			l.SKU, l.Title = ol.SKU, ol.Title
		}
		if !li.Subtotal.set {
			return nil, sdk.Invalid(fmt.Sprintf("refund.refund_line_items[%d]", i), "has no subtotal")
		}
		// Guess (integrations.md § 3.3 lists refunds[] without their
		// fields): subtotal is in the order's tax mode, as line prices are;
		// the transactions check below refuses the refund if it is not.
		l.Amount = li.Subtotal.v
		r.Gross = r.Gross.Add(li.Subtotal.v)
		if !o.TaxesIncluded {
			r.Gross = r.Gross.Add(li.TotalTax.v)
		}
		r.Lines = append(r.Lines, l)
	}
	for _, a := range s.OrderAdjustments {
		if a.Kind != "shipping_refund" {
			// refund_discrepancy and the like: money paid back that is
			// not a line or shipping; the transactions check refuses it.
			continue
		}
		// Shopify writes a shipping refund as a negative adjustment.
		net, tax := a.Amount.v.Neg(), a.TaxAmount.v.Neg()
		sh := net
		if o.TaxesIncluded {
			sh = net.Add(tax)
		}
		r.Shipping = r.Shipping.Add(sh)
		r.Gross = r.Gross.Add(net).Add(tax)
	}
	paid := decimal.Zero
	n := 0
	for _, t := range s.Transactions {
		if t.Kind == "refund" && (t.Status == "success" || t.Status == "") {
			paid = paid.Add(t.Amount.v)
			n++
		}
	}
	if n > 0 {
		r.Paid = dec{v: paid, set: true}
	}
	return r, nil
}

func (o *order) wooRefund(raw json.RawMessage) (*orderRefund, error) {
	// A refund object (GET /orders/<id>/refunds/<refund id>): its lines
	// and shipping carry negative totals and quantities; an order's own
	// refunds[] has only id, reason and a negative total.
	var w struct {
		ID          str    `json:"id"`
		DateCreated string `json:"date_created"`
		Amount      dec    `json:"amount"`
		Total       dec    `json:"total"`
		LineItems   []struct {
			SKU      string `json:"sku"`
			Name     string `json:"name"`
			Quantity dec    `json:"quantity"`
			Total    dec    `json:"total"`
			TotalTax dec    `json:"total_tax"`
		} `json:"line_items"`
		ShippingLines []struct {
			Total    dec `json:"total"`
			TotalTax dec `json:"total_tax"`
		} `json:"shipping_lines"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	r := &orderRefund{ID: string(w.ID), Date: w.DateCreated, Paid: w.Amount}
	if !r.Paid.set && w.Total.set {
		r.Paid = dec{v: w.Total.v.Abs(), set: true}
	}
	inMode := func(total, tax dec) decimal.Decimal {
		if o.TaxesIncluded {
			return total.v.Add(tax.v).Abs()
		}
		return total.v.Abs()
	}
	for _, li := range w.LineItems {
		r.Lines = append(r.Lines, refundLine{SKU: strings.TrimSpace(li.SKU), Title: li.Name, Quantity: li.Quantity.v.Abs(), Amount: inMode(li.Total, li.TotalTax)})
		r.Gross = r.Gross.Add(li.Total.v.Add(li.TotalTax.v).Abs())
	}
	for _, sl := range w.ShippingLines {
		r.Shipping = r.Shipping.Add(inMode(sl.Total, sl.TotalTax))
		r.Gross = r.Gross.Add(sl.Total.v.Add(sl.TotalTax.v).Abs())
	}
	if len(r.Lines) == 0 && r.Shipping.IsZero() && !w.Amount.set {
		// A refund object without lines, with its amount, is a refund of
		// an amount only (checkRefund credits it as a price reduction).
		return nil, sdk.NewError(sdk.CategoryValidation, "refund_without_lines",
			"refund %s of order %s names no refunded lines or shipping (an order's refunds list only totals): give the refund object from WooCommerce's GET /orders/%s/refunds/%s as refund", r.ID, o.Number, o.Number, r.ID)
	}
	return r, nil
}

// genericRefund is the generic schema's refund: {id, date, lines [{sku,
// quantity, amount}], shipping, total}, amounts positive and in the
// order's tax mode; total is the money paid back.
func (o *order) genericRefund(raw json.RawMessage) (*orderRefund, error) {
	var g struct {
		ID    str    `json:"id"`
		Date  string `json:"date"`
		Lines []struct {
			SKU      string `json:"sku"`
			Title    string `json:"title"`
			Quantity dec    `json:"quantity"`
			Amount   dec    `json:"amount"`
		} `json:"lines"`
		Shipping dec `json:"shipping"`
		Total    dec `json:"total"`
	}
	dc := json.NewDecoder(bytes.NewReader(raw))
	dc.DisallowUnknownFields()
	if err := dc.Decode(&g); err != nil {
		return nil, err
	}
	r := &orderRefund{ID: string(g.ID), Date: g.Date, Shipping: g.Shipping.v}
	for i, l := range g.Lines {
		if !l.Quantity.set || !l.Amount.set {
			return nil, sdk.Invalid(fmt.Sprintf("refund.lines[%d]", i), "needs quantity and amount")
		}
		r.Lines = append(r.Lines, refundLine{SKU: strings.TrimSpace(l.SKU), Title: l.Title, Quantity: l.Quantity.v, Amount: l.Amount.v})
		r.Gross = r.Gross.Add(l.Amount.v)
	}
	r.Gross = r.Gross.Add(r.Shipping)
	if o.TaxesIncluded {
		r.Paid = g.Total
	}
	return r, nil
}

// checkRefund refuses a refund no credit note can be made of: no id (the
// idempotency key), no date, nothing refunded, negative amounts, more of a
// SKU than the order had, or lines that do not add up to the money the
// shop paid back.
func (o *order) checkRefund(r *orderRefund) error {
	switch {
	case r.ID == "":
		return sdk.Invalid("refund", "a refund of order %s has no id (the key that makes it one credit note)", o.Number)
	case len(r.ID) > 40:
		return sdk.Invalid("refund", "refund id %.20q… is longer than 40 characters", r.ID)
	case !dateRE.MatchString(r.Date):
		return sdk.Invalid("refund", "refund %s of order %s has no date as YYYY-MM-DD… (got %q)", r.ID, o.Number, r.Date)
	case len(r.Lines) == 0 && r.Shipping.IsZero() && !(r.Paid.set && r.Paid.v.IsPositive()):
		return sdk.NewError(sdk.CategoryValidation, "refund_without_lines",
			"refund %s of order %s refunds no lines, no shipping and no money (no refund transaction, amount or total), so there is nothing to credit", r.ID, o.Number)
	case r.Shipping.IsNegative():
		return sdk.Invalid("refund", "refund %s: refunded shipping must not be negative", r.ID)
	}
	r.Date = r.Date[:10]
	ordered := map[string]decimal.Decimal{}
	for _, l := range o.Lines {
		ordered[l.SKU] = ordered[l.SKU].Add(l.Quantity)
	}
	refunded := map[string]decimal.Decimal{}
	for i, l := range r.Lines {
		field := fmt.Sprintf("refund.lines[%d]", i)
		switch {
		case l.SKU == "":
			return sdk.NewError(sdk.CategoryValidation, "order_line_without_sku", "refund %s of order %s: line %d (%s) has no SKU, and a credit note line is matched to a Billy product by SKU", r.ID, o.Number, i+1, l.Title)
		case !l.Quantity.IsPositive():
			return sdk.Invalid(field, "quantity must be positive, got %s", l.Quantity)
		case l.Amount.IsNegative():
			return sdk.Invalid(field, "amount must not be negative, got %s", l.Amount)
		}
		refunded[l.SKU] = refunded[l.SKU].Add(l.Quantity)
		if refunded[l.SKU].GreaterThan(ordered[l.SKU]) {
			return sdk.NewError(sdk.CategoryValidation, "refund_exceeds_order",
				"refund %s of order %s refunds %s of SKU %s, but the order has %s", r.ID, o.Number, refunded[l.SKU], l.SKU, ordered[l.SKU])
		}
	}
	if r.Paid.set {
		switch diff := r.Paid.v.Round(2).Sub(r.Gross.Round(2)); {
		case diff.IsNegative():
			// Less paid back than the goods are worth: a fee kept, store
			// credit or a gift card, none of which is a price reduction.
			return sdk.NewError(sdk.CategoryValidation, "refund_total_mismatch",
				"refund %s of order %s was not credited: its lines and shipping add up to %s %s with tax, but the shop paid back only %s; the difference (a fee kept, store credit, a gift card) is not a credit note's: credit it in Billy by hand",
				r.ID, o.Number, r.Gross.StringFixed(2), o.Currency, r.Paid.v.StringFixed(2))
		case diff.IsPositive():
			r.Adjustment = diff
		}
	}
	return nil
}

// validRate: a VAT rate as a fraction, 0 to below 1, at most 4 decimals.
func validRate(r decimal.Decimal) bool {
	return !r.IsNegative() && r.LessThan(decimal.NewFromInt(1)) && r.Equal(r.Round(4))
}
