package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// import_webshop_order turns one webshop order into a draft invoice in
// Billy, the shape every Danish webshop → Billy integration follows
// (integrations.md § 3.2): the contact by CVR or e-mail (created when
// missing, inside the same confirmation), lines by SKU to the product with
// that productNo, shipping and discount on dedicated products, the shop's
// tax mode kept (taxMode incl when the shop's prices include moms, so Billy
// derives the net amounts from the product's own VAT rate rather than this
// plugin guessing it), and the order number as the idempotency key: Billy
// has no idempotency keys, so the invoice carries externalId
// "<format>:<order number>" and the import looks it up before planning.

// maxOrderSKUs bounds the product look-ups one order causes.
const maxOrderSKUs = 200

// OrderInput is the input of import_webshop_order.
type OrderInput struct {
	Order             json.RawMessage `json:"order" jsonschema:"one order as JSON: a Shopify Admin order (or its {\"order\":…} wrapper), a WooCommerce REST order, or the generic schema {order_number, date (YYYY-MM-DD), currency, prices_include_tax, customer {email, cvr, name, company, street, zipcode, city, country (ISO code), phone}, lines [{sku, title, quantity, unit_price}], shipping {title, amount}, discount {title, amount}, total, refunds [{id, date, lines [{sku, title, quantity, amount}], shipping, total}]}; amounts as JSON numbers or strings, read as exact decimals"`
	Format            string          `json:"format,omitempty" jsonschema:"shopify, woocommerce or generic; default: detected from the order's keys"`
	ContactID         string          `json:"contact_id,omitempty" jsonschema:"the Billy contact to invoice; default: found by the order's CVR, then e-mail, and created when none has them"`
	ShippingProductID string          `json:"shipping_product_id,omitempty" jsonschema:"the Billy product for shipping lines; default the plugin config's shipping_product_id"`
	DiscountProductID string          `json:"discount_product_id,omitempty" jsonschema:"the Billy product for discount lines; default the plugin config's discount_product_id"`
	DryRun            bool            `json:"dry_run,omitempty"`
	ConfirmationToken string          `json:"confirmation_token,omitempty" jsonschema:"from a confirmation_required result"`
}

// orderInputSchema is written out: inferred, the order (a json.RawMessage,
// kept raw so its amounts never pass through float64) would be an array
// of bytes.
var orderInputSchema = json.RawMessage(`{"type":"object","required":["order"],"additionalProperties":false,"properties":{
"order":{"type":"object","description":"one order as JSON: a Shopify Admin order (or its {\"order\":…} wrapper), a WooCommerce REST order, or the generic schema {order_number, date (YYYY-MM-DD), currency, prices_include_tax, customer {email, cvr, name, company, street, zipcode, city, country (ISO code), phone}, lines [{sku, title, quantity, unit_price}], shipping {title, amount}, discount {title, amount}, total, refunds [{id, date, lines [{sku, title, quantity, amount}], shipping, total}] (refunds are credited by credit_webshop_refund, not imported here)}; amounts as JSON numbers or strings, read as exact decimals"},
"format":{"type":"string","enum":["shopify","woocommerce","generic"],"description":"default: detected from the order's keys"},
"contact_id":{"type":"string","description":"the Billy contact to invoice; default: found by the order's CVR, then e-mail, and created (after confirmation) when none has them"},
"shipping_product_id":{"type":"string","description":"the Billy product for shipping lines; default the plugin config's shipping_product_id"},
"discount_product_id":{"type":"string","description":"the Billy product for discount lines; default the plugin config's discount_product_id"},
"dry_run":{"type":"boolean","description":"only preview; nothing is written"},
"confirmation_token":{"type":"string","description":"from a confirmation_required result"}}}`)

// OrderLinePreview is one invoice line planned from the order.
type OrderLinePreview struct {
	Kind        string `json:"kind" jsonschema:"item, shipping, discount, or adjustment (a refund of money beyond lines and shipping: a price reduction)"`
	SKU         string `json:"sku,omitempty"`
	ProductID   string `json:"product_id"`
	ProductName string `json:"product_name"`
	Description string `json:"description"`
	Quantity    string `json:"quantity"`
	UnitPrice   string `json:"unit_price"`
	Amount      string `json:"amount"`
}

// OrderContact is the contact the invoice goes to.
type OrderContact struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name"`
	New     bool   `json:"new,omitempty" jsonschema:"true: created with the invoice"`
	FoundBy string `json:"found_by,omitempty" jsonschema:"cvr, email or contact_id"`
}

// OrderResult is the output of import_webshop_order.
type OrderResult struct {
	Status            string             `json:"status" jsonschema:"done, exists (the order was imported before: nothing written), confirmation_required (nothing written: show the preview; if the user agrees repeat the call with confirmation_token), dry_run, declined or cancelled"`
	Message           string             `json:"message"`
	Format            string             `json:"format"`
	OrderNumber       string             `json:"order_number"`
	ExternalID        string             `json:"external_id" jsonschema:"the key stored on the invoice that makes a second import of the order find the first"`
	Date              string             `json:"date"`
	Currency          string             `json:"currency"`
	TaxMode           string             `json:"tax_mode" jsonschema:"incl: the prices include VAT (Billy derives the net amounts); excl: they do not"`
	Contact           OrderContact       `json:"contact"`
	Lines             []OrderLinePreview `json:"lines"`
	Total             string             `json:"total" jsonschema:"the sum of the lines, in the order's tax mode"`
	Warnings          []string           `json:"warnings,omitempty" jsonschema:"what the import did not carry over and the user should know"`
	InvoiceID         string             `json:"invoice_id,omitempty"`
	InvoiceNo         string             `json:"invoice_no,omitempty"`
	InvoiceState      string             `json:"invoice_state,omitempty"`
	Requests          []BillyCall        `json:"requests,omitempty"`
	ConfirmationToken string             `json:"confirmation_token,omitempty"`
	ExpiresAt         string             `json:"expires_at,omitempty"`
}

func (p *plugin) importWebshopOrderTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "import_webshop_order",
		Title: "Import a webshop order as a draft invoice",
		Description: "Makes a draft invoice in Billy from one Shopify, WooCommerce or generic webshop order: the customer by CVR or e-mail (a missing one is created with the invoice), " +
			"each line by SKU to the product with that product number (an unknown SKU refuses the whole order), shipping and discount on the configured products, the shop's prices incl. or excl. moms kept. " +
			"The order number is the key: an order imported before is reported, never invoiced twice. Previews and asks for confirmation first; dry_run only previews.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes:      []string{"invoices:write", "customers:write"},
		InputSchema: orderInputSchema,
	}, func(ctx context.Context, call *sdk.Call, in OrderInput) (OrderResult, error) {
		return p.importWebshopOrder(ctx, call, in)
	})
}

// orderPlan is what an import would write.
type orderPlan struct {
	ord        *order
	out        OrderResult
	existing   *billyInvoice
	newContact map[string]any // the contact to create first; nil when found
	invoice    map[string]any // the invoice body (contactId empty when newContact)
}

func externalID(o *order) string { return o.Format + ":" + o.Number }

func (p *plugin) planOrder(ctx context.Context, call *sdk.Call, in OrderInput) (*orderPlan, error) {
	if len(in.Order) == 0 || string(in.Order) == "null" {
		return nil, sdk.Invalid("order", "is required: one order as a JSON object")
	}
	ord, err := parseOrder(in.Order, in.Format)
	if err != nil {
		return nil, err
	}
	pl := &orderPlan{ord: ord}
	taxMode := "excl"
	if ord.TaxesIncluded {
		taxMode = "incl"
	}
	pl.out = OrderResult{Format: ord.Format, OrderNumber: ord.Number, ExternalID: externalID(ord), Date: ord.Date, Currency: ord.Currency, TaxMode: taxMode, Lines: []OrderLinePreview{}}
	switch ord.Status {
	case "pending", "authorized", "on-hold", "partially_paid":
		pl.out.Warnings = append(pl.out.Warnings, fmt.Sprintf("the order is %s in the shop, not paid yet", ord.Status))
	}
	if ord.Refunds > 0 || ord.Status == "refunded" || ord.Status == "partially_refunded" {
		pl.out.Warnings = append(pl.out.Warnings, fmt.Sprintf("the order has refunds in the shop (status %q, %d refund(s)); the invoice is of the order as placed: once it is approved, credit each refund with credit_webshop_refund", ord.Status, ord.Refunds))
	}

	// The key first: an order imported before is answered without
	// reading anything else.
	// Checked here too (invoicesByExternalID): Billy answers a filter it
	// does not know with the whole list, which must not read as "imported".
	found, err := invoicesByExternalID(ctx, call, pl.out.ExternalID)
	if err != nil {
		return nil, withContext(err, "looking for an invoice of order %s", ord.Number)
	}
	for i := range found {
		if found[i].Type != "creditNote" {
			pl.existing = &found[i].billyInvoice
			return pl, nil
		}
	}

	lines, err := p.orderLines(ctx, call, in, ord)
	if err != nil {
		return nil, err
	}
	pl.out.Lines = lines
	total := decimal.Zero
	var body []map[string]any
	for _, l := range lines {
		a := decimal.RequireFromString(l.Amount)
		total = total.Add(a)
		body = append(body, map[string]any{"productId": l.ProductID, "description": l.Description,
			"quantity": json.Number(l.Quantity), "unitPrice": json.Number(l.UnitPrice)})
	}
	pl.out.Total = total.StringFixed(2)

	contact, create, err := p.orderContact(ctx, call, in.ContactID, ord)
	if err != nil {
		return nil, err
	}
	pl.out.Contact, pl.newContact = contact, create
	pl.invoice = map[string]any{"type": "invoice", "state": "draft", "contactId": contact.ID, "entryDate": ord.Date,
		"currencyId": ord.Currency, "taxMode": taxMode, "externalId": pl.out.ExternalID, "orderNo": ord.orderNo(), "lines": body}
	if create != nil {
		pl.out.Requests = append(pl.out.Requests, BillyCall{Method: "POST", Path: "/contacts", Body: map[string]any{"contact": create}})
	}
	pl.out.Requests = append(pl.out.Requests, BillyCall{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": pl.invoice}})
	return pl, nil
}

type billyProduct struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ProductNo  string `json:"productNo"`
	IsArchived bool   `json:"isArchived"`
}

// orderLines maps every line to a product. Unknown SKUs refuse the whole
// order, naming all of them at once, so the merchant fixes them in one go;
// so do shipping or a discount without their product.
func (p *plugin) orderLines(ctx context.Context, call *sdk.Call, in OrderInput, ord *order) ([]OrderLinePreview, error) {
	var noSKU []string
	skus := map[string]bool{}
	for i, l := range ord.Lines {
		if l.SKU == "" {
			noSKU = append(noSKU, fmt.Sprintf("line %d (%s)", i+1, l.Title))
			continue
		}
		skus[l.SKU] = true
	}
	if len(noSKU) > 0 {
		return nil, sdk.NewError(sdk.CategoryValidation, "order_line_without_sku",
			"order %s was not imported: %s %s no SKU, and a line is matched to a Billy product by SKU; give the products SKUs in the shop",
			ord.Number, strings.Join(noSKU, ", "), plural(len(noSKU), "has", "have"))
	}
	bySKU, err := productsBySKU(ctx, call, ord.Number, "order", skus)
	if err != nil {
		return nil, err
	}
	var out []OrderLinePreview
	for _, l := range ord.Lines {
		pr := bySKU[l.SKU]
		out = append(out, linePreview("item", l.SKU, pr, l.Title, l.Quantity, l.UnitPrice))
	}
	extra := func(kind, argID, cfgID, key string, amount decimal.Decimal, text string, qty int64) error {
		if amount.IsZero() {
			return nil
		}
		id := argID
		if id == "" {
			id = cfgID
		}
		if id == "" {
			return sdk.NewError(sdk.CategoryValidation, "order_"+kind+"_product_missing",
				"order %s was not imported: it has %s of %s %s but no %s product is set; give %s, or set plugins.integrations.config.%s to the Billy product for %s",
				ord.Number, kind, amount.StringFixed(2), ord.Currency, kind, key, key, kind)
		}
		pr, err := p.productByID(ctx, call, id, key)
		if err != nil {
			return err
		}
		desc := pr.Name
		if text != "" {
			desc = pr.Name + ": " + text
		}
		// A discount is its product at quantity -1: Billy refuses a
		// negative unit price on an invoice line.
		out = append(out, linePreview(kind, "", pr, desc, decimal.NewFromInt(qty), amount))
		return nil
	}
	if err := extra("shipping", in.ShippingProductID, p.cfg.ShippingProductID, "shipping_product_id", ord.Shipping, ord.ShippingText, 1); err != nil {
		return nil, err
	}
	if err := extra("discount", in.DiscountProductID, p.cfg.DiscountProductID, "discount_product_id", ord.Discount, ord.DiscountText, -1); err != nil {
		return nil, err
	}
	return out, nil
}

// productsBySKU finds the one active product with each SKU as its product
// number. Unknown SKUs refuse the whole order (or refund: what), naming
// all of them at once, so the merchant fixes them in one go.
func productsBySKU(ctx context.Context, call *sdk.Call, number, what string, skus map[string]bool) (map[string]billyProduct, error) {
	if len(skus) > maxOrderSKUs {
		return nil, sdk.Invalid("order", "%s %s has %d different SKUs; at most %d are imported in one go", what, number, len(skus), maxOrderSKUs)
	}
	sorted := make([]string, 0, len(skus))
	for s := range skus {
		sorted = append(sorted, s)
	}
	sort.Strings(sorted)
	bySKU := map[string]billyProduct{}
	var unknown []string
	for _, s := range sorted {
		roots, err := billy(ctx, call, "GET", "/products", url.Values{"productNo": {s}, "isArchived": {"false"}}, nil)
		if err != nil {
			return nil, withContext(err, "looking up the product of SKU %s", s)
		}
		var ps []billyProduct
		if err := decodeRoot(roots, "products", &ps); err != nil {
			return nil, err
		}
		var hit []billyProduct
		for _, pr := range ps {
			if pr.ProductNo == s && !pr.IsArchived {
				hit = append(hit, pr)
			}
		}
		switch len(hit) {
		case 0:
			unknown = append(unknown, s)
		case 1:
			bySKU[s] = hit[0]
		default:
			return nil, sdk.NewError(sdk.CategoryConflict, "order_sku_ambiguous",
				what+" %s was not imported: %d Billy products have product number %s (%s and %s); make product numbers unique", number, len(hit), s, hit[0].ID, hit[1].ID)
		}
	}
	if len(unknown) > 0 {
		e := sdk.NewError(sdk.CategoryValidation, "order_unknown_sku",
			what+" %s was not imported, nothing was written: no active Billy product has the product number %s; create %s (create_product) or correct the SKU in the shop, then call again",
			number, strings.Join(unknown, ", "), plural(len(unknown), "it", "them"))
		for _, u := range unknown {
			e.Fields = append(e.Fields, sdk.FieldError{Field: "order.lines", Message: "unknown SKU " + u})
		}
		return nil, e
	}
	return bySKU, nil
}

func linePreview(kind, sku string, pr billyProduct, desc string, qty, unit decimal.Decimal) OrderLinePreview {
	if desc == "" {
		desc = pr.Name
	}
	return OrderLinePreview{Kind: kind, SKU: sku, ProductID: pr.ID, ProductName: pr.Name, Description: desc,
		Quantity: qty.String(), UnitPrice: unit.String(), Amount: qty.Mul(unit).StringFixed(2)}
}

func (p *plugin) productByID(ctx context.Context, call *sdk.Call, id, field string) (billyProduct, error) {
	var pr billyProduct
	roots, err := billy(ctx, call, "GET", "/products/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			return pr, sdk.Invalid(field, "there is no product %q in this Billy organization", id)
		}
		return pr, withContext(err, "reading product %s", id)
	}
	if err := decodeRoot(roots, "product", &pr); err != nil {
		return pr, err
	}
	if pr.IsArchived {
		return pr, sdk.Invalid(field, "product %s (%s) is archived", id, pr.Name)
	}
	return pr, nil
}

type billyPerson struct {
	ContactID string `json:"contactId"`
	Email     string `json:"email"`
}

// orderContact finds the invoice's contact: contact_id when given, else
// the one customer with the order's CVR, else the one whose contact person
// has the order's e-mail (Billy keeps e-mails on contact persons, and
// lists those only per contact, so the customers are read with their
// persons sideloaded). None: the contact to create.
func (p *plugin) orderContact(ctx context.Context, call *sdk.Call, id string, ord *order) (OrderContact, map[string]any, error) {
	if id != "" {
		roots, err := billy(ctx, call, "GET", "/contacts/"+url.PathEscape(id), nil, nil)
		if err != nil {
			var e *sdk.Error
			if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
				return OrderContact{}, nil, sdk.Invalid("contact_id", "there is no contact %q in this Billy organization", id)
			}
			return OrderContact{}, nil, withContext(err, "reading contact %s", id)
		}
		var c billyContact
		if err := decodeRoot(roots, "contact", &c); err != nil {
			return OrderContact{}, nil, err
		}
		return OrderContact{ID: c.ID, Name: c.Name, FoundBy: "contact_id"}, nil, nil
	}
	cu := ord.Customer
	pick := func(cs []billyContact, by, what string) (OrderContact, bool, error) {
		switch len(cs) {
		case 0:
			return OrderContact{}, false, nil
		case 1:
			return OrderContact{ID: cs[0].ID, Name: cs[0].Name, FoundBy: by}, true, nil
		}
		names := make([]string, 0, len(cs))
		for _, c := range cs {
			names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.ID))
		}
		return OrderContact{}, false, sdk.NewError(sdk.CategoryConflict, "order_contact_ambiguous",
			"order %s was not imported: %d customers have %s %s: %s; give contact_id", ord.Number, len(cs), by, what, strings.Join(names, ", "))
	}
	if cu.CVR != "" {
		cs, err := listAll[billyContact](ctx, call, "/contacts", "contacts", url.Values{"registrationNo": {cu.CVR}, "isArchived": {"false"}}, 1)
		if err != nil {
			return OrderContact{}, nil, withContext(err, "looking up the customer with CVR %s", cu.CVR)
		}
		if c, ok, err := pick(cs, "cvr", cu.CVR); ok || err != nil {
			return c, nil, err
		}
	}
	if cu.Email != "" {
		cs, err := customersByEmail(ctx, call, cu.Email)
		if err != nil {
			return OrderContact{}, nil, err
		}
		if c, ok, err := pick(cs, "email", cu.Email); ok || err != nil {
			return c, nil, err
		}
	}
	name := cu.Company
	if name == "" {
		name = cu.Name
	}
	if name == "" {
		name = cu.Email
	}
	kind := "person"
	if cu.Company != "" || cu.CVR != "" {
		kind = "company"
	}
	country := strings.ToUpper(cu.Country)
	if country == "" {
		country = "DK"
	}
	create := map[string]any{"type": kind, "name": name, "countryId": country, "isCustomer": true}
	for k, v := range map[string]string{"street": cu.Street, "zipcodeText": cu.Zipcode, "cityText": cu.City, "phone": cu.Phone, "registrationNo": cu.CVR} {
		if v != "" {
			create[k] = v
		}
	}
	if cu.Email != "" {
		person := cu.Name
		if person == "" {
			person = name
		}
		create["contactPersons"] = []map[string]any{{"name": person, "email": cu.Email, "isPrimary": true}}
	}
	return OrderContact{Name: name, New: true}, create, nil
}

func customersByEmail(ctx context.Context, call *sdk.Call, email string) ([]billyContact, error) {
	var out []billyContact
	for page := 1; page <= 10; page++ {
		q := url.Values{"isCustomer": {"true"}, "isArchived": {"false"}, "include": {"contact.contactPersons:sideload"},
			"page": {fmt.Sprint(page)}, "pageSize": {"1000"}}
		roots, err := billy(ctx, call, "GET", "/contacts", q, nil)
		if err != nil {
			return nil, withContext(err, "looking up the customer with e-mail %s", email)
		}
		var cs []billyContact
		if err := decodeRoot(roots, "contacts", &cs); err != nil {
			return nil, err
		}
		var ps []billyPerson
		if raw, ok := roots["contactPersons"]; ok {
			_ = json.Unmarshal(raw, &ps)
		}
		with := map[string]bool{}
		for _, pp := range ps {
			if strings.EqualFold(strings.TrimSpace(pp.Email), email) {
				with[pp.ContactID] = true
			}
		}
		for _, c := range cs {
			if with[c.ID] {
				out = append(out, c)
			}
		}
		var meta struct {
			Paging *struct {
				PageCount int `json:"pageCount"`
			} `json:"paging"`
		}
		if raw, ok := roots["meta"]; ok {
			_ = json.Unmarshal(raw, &meta)
		}
		if meta.Paging == nil || page >= meta.Paging.PageCount {
			return out, nil
		}
	}
	return nil, sdk.NewError(sdk.CategoryValidation, "too_many_records", "more than 10,000 customers: give contact_id or the customer's CVR")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (p *plugin) importWebshopOrder(ctx context.Context, call *sdk.Call, in OrderInput) (OrderResult, error) {
	pl, err := p.planOrder(ctx, call, in)
	if err != nil {
		return OrderResult{}, err
	}
	out := pl.out
	if pl.existing != nil {
		out.Status, out.InvoiceID, out.InvoiceNo, out.InvoiceState = "exists", pl.existing.ID, string(pl.existing.InvoiceNo), pl.existing.State
		out.Message = fmt.Sprintf("order %s was imported before as invoice %s (%s, id %s); nothing was written", pl.ord.Number, orDash(string(pl.existing.InvoiceNo)), pl.existing.State, pl.existing.ID)
		return out, nil
	}
	action := fmt.Sprintf("Create a draft invoice for order %s to %s, %d line(s), %s %s (prices %s moms)", pl.ord.Name, out.Contact.Name, len(out.Lines), dkfmt.Amount(decimal.RequireFromString(out.Total)), out.Currency, map[bool]string{true: "incl.", false: "excl."}[pl.ord.TaxesIncluded])
	if pl.newContact != nil {
		action += fmt.Sprintf(", creating the customer %s", out.Contact.Name)
	}
	b, err := orderBinding(call, in, pl)
	if err != nil {
		return OrderResult{}, err
	}
	step, err := p.writePolicy(ctx, call, "import_webshop_order", in.DryRun, in.ConfirmationToken, b, action+".", "Tick to create this draft invoice in Billy now.")
	if err != nil {
		return OrderResult{}, err
	}
	if step == stepExecute {
		return p.executeOrder(ctx, call, pl, out, action)
	}
	h := p.hold(step, b, wording{Tool: "import_webshop_order", Action: action, Nothing: "written", Show: "the preview", Same: "the same arguments", DryRunTail: " would be sent as these requests"})
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt = h.Status, h.Message, h.Token, h.ExpiresAt
	if step == stepCancelled || step == stepDeclined {
		out.Requests = nil
	}
	return out, nil
}

func orDash(s string) string {
	if s == "" {
		return "(no number yet)"
	}
	return s
}

// orderBinding ties a token to the order as read (not its raw bytes: the
// same order re-serialised confirms the same import) and to the exact
// requests planned, which carry the contact and products found.
func orderBinding(call *sdk.Call, in OrderInput, pl *orderPlan) (confirm.Binding, error) {
	args, err := json.Marshal(struct {
		Order    *order `json:"order"`
		Contact  string `json:"contact_id"`
		Shipping string `json:"shipping_product_id"`
		Discount string `json:"discount_product_id"`
	}{pl.ord, in.ContactID, in.ShippingProductID, in.DiscountProductID})
	if err != nil {
		return confirm.Binding{}, err
	}
	state, err := json.Marshal(pl.out.Requests)
	if err != nil {
		return confirm.Binding{}, err
	}
	return confirm.Binding{Tool: "import_webshop_order", Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: args, State: state}, nil
}

// orderLease is how long an import holds its order: two imports of one
// order at the same moment would both find no invoice and both create one
// (Billy has no idempotency keys), so the first takes the order for this
// long through the host's single-use keys, on every instance of the
// deployment, and the second is told to call again, when its look-up
// finds the first one's invoice.
const orderLease = 2 * time.Minute

func (p *plugin) executeOrder(ctx context.Context, call *sdk.Call, pl *orderPlan, out OrderResult, action string) (OrderResult, error) {
	key := "webshop-order:" + confirm.Digest([]byte(call.Caller.OrganizationID+"\x00"+out.ExternalID))
	first, err := call.Host.ConsumeOnce(ctx, key, p.now().Add(orderLease))
	switch {
	case errors.Is(err, sdk.ErrHostFeatureMissing):
		// A host without single-use keys: the look-up alone guards.
	case err != nil:
		return OrderResult{}, withContext(err, "nothing was written: whether another import of order %s is running cannot be checked right now; try again in a moment", pl.ord.Number)
	case !first:
		return OrderResult{}, sdk.NewError(sdk.CategoryConflict, "order_import_in_progress",
			"nothing was written: order %s was being imported by another call less than %d minutes ago; call import_webshop_order again in a moment without confirmation_token, and it reports the invoice that import made (or plans a fresh one if it failed)",
			pl.ord.Number, int(orderLease.Minutes()))
	}
	inv := map[string]any{}
	for k, v := range pl.invoice {
		inv[k] = v
	}
	if pl.newContact != nil {
		roots, err := billy(ctx, call, "POST", "/contacts", nil, map[string]any{"contact": pl.newContact})
		if err != nil {
			return OrderResult{}, withContext(err, "import_webshop_order: creating the customer %s failed; nothing was written", out.Contact.Name)
		}
		var cs []billyContact
		if err := decodeRoot(roots, "contacts", &cs); err != nil || len(cs) == 0 {
			return OrderResult{}, unexpected("POST /contacts returned no contact")
		}
		out.Contact.ID = cs[0].ID
		inv["contactId"] = cs[0].ID
	}
	roots, err := billy(ctx, call, "POST", "/invoices", nil, map[string]any{"invoice": inv})
	if err != nil {
		prefix := "import_webshop_order: creating the invoice failed; nothing was written"
		if pl.newContact != nil {
			prefix = fmt.Sprintf("import_webshop_order: creating the invoice failed after the customer %s was created (contact %s, which a new import finds by its CVR or e-mail)", out.Contact.Name, out.Contact.ID)
		}
		return OrderResult{}, withContext(err, "%s", prefix)
	}
	var created []billyInvoice
	if err := decodeRoot(roots, "invoices", &created); err != nil || len(created) == 0 {
		return OrderResult{}, unexpected("POST /invoices returned no invoice")
	}
	out.InvoiceID, out.InvoiceNo, out.InvoiceState = created[0].ID, string(created[0].InvoiceNo), created[0].State
	out.Status, out.Message, out.Requests = "done", "done: "+action+"; the invoice is a draft: review and approve it in Billy (or with approve_invoice)", nil
	return out, nil
}

// credit_webshop_refund turns one refund of a webshop order into a draft
// credit note of the order's invoice (integrations.md § 3.2 item 10: a
// credit note with creditedInvoiceId and positive lines, billy-api.md
// § 7.3.2). The invoice is the one import_webshop_order made, found by the
// order's externalId; the credit note carries its own externalId,
// "<format>:<order number>:refund:<refund id>", looked up first, so the
// same refund twice makes one credit note. What is left to credit is the
// invoice's total less its credit notes that are not voided: a refund
// beyond it is refused, never booked as over-crediting.

// RefundInput is the input of credit_webshop_refund.
type RefundInput struct {
	Order             json.RawMessage `json:"order"`
	Format            string          `json:"format,omitempty"`
	RefundID          string          `json:"refund_id,omitempty"`
	Refund            json.RawMessage `json:"refund,omitempty"`
	ShippingProductID string          `json:"shipping_product_id,omitempty"`
	DryRun            bool            `json:"dry_run,omitempty"`
	ConfirmationToken string          `json:"confirmation_token,omitempty"`
}

var refundInputSchema = json.RawMessage(`{"type":"object","required":["order"],"additionalProperties":false,"properties":{
"order":{"type":"object","description":"the order as import_webshop_order took it, with its refunds: Shopify refunds[] (refund_line_items, transactions, order_adjustments of kind shipping_refund), WooCommerce refunds (or give the refund object as refund), generic refunds [{id, date, lines [{sku, title, quantity, amount}], shipping, total}] (amounts positive, in the order's tax mode; total the money paid back)"},
"format":{"type":"string","enum":["shopify","woocommerce","generic"],"description":"default: detected from the order's keys"},
"refund_id":{"type":"string","description":"which of the order's refunds to credit; default the only one"},
"refund":{"type":"object","description":"the refund object itself, when the order lists refunds without their lines (WooCommerce: GET /orders/<id>/refunds/<refund id>)"},
"shipping_product_id":{"type":"string","description":"the Billy product for refunded shipping; default the plugin config's shipping_product_id"},
"dry_run":{"type":"boolean","description":"only preview; nothing is written"},
"confirmation_token":{"type":"string","description":"from a confirmation_required result"}}}`)

// RefundResult is the output of credit_webshop_refund.
type RefundResult struct {
	Status            string             `json:"status" jsonschema:"done, exists (the refund was credited before: nothing written), confirmation_required, dry_run, declined or cancelled"`
	Message           string             `json:"message"`
	Format            string             `json:"format"`
	OrderNumber       string             `json:"order_number"`
	RefundID          string             `json:"refund_id"`
	ExternalID        string             `json:"external_id" jsonschema:"the key stored on the credit note that makes a second credit of the refund find the first"`
	InvoiceID         string             `json:"invoice_id" jsonschema:"the order's invoice, credited"`
	InvoiceNo         string             `json:"invoice_no,omitempty"`
	Date              string             `json:"date"`
	Currency          string             `json:"currency"`
	TaxMode           string             `json:"tax_mode"`
	Lines             []OrderLinePreview `json:"lines"`
	Total             string             `json:"total" jsonschema:"the credit note's lines, in the tax mode"`
	LeftToCredit      string             `json:"left_to_credit,omitempty" jsonschema:"the invoice's total less its credit notes that are not voided, before this one, in the tax mode"`
	Warnings          []string           `json:"warnings,omitempty"`
	CreditNoteID      string             `json:"credit_note_id,omitempty"`
	CreditNoteNo      string             `json:"credit_note_no,omitempty"`
	CreditNoteState   string             `json:"credit_note_state,omitempty"`
	Requests          []BillyCall        `json:"requests,omitempty"`
	ConfirmationToken string             `json:"confirmation_token,omitempty"`
	ExpiresAt         string             `json:"expires_at,omitempty"`
}

func (p *plugin) creditWebshopRefundTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "credit_webshop_refund",
		Title: "Credit a webshop refund",
		Description: "Makes a draft credit note in Billy from one refund of a Shopify, WooCommerce or generic webshop order: against the invoice import_webshop_order made of the order, " +
			"for the refunded lines (by SKU to product) and shipping. The refund id is the key: a refund credited before is reported, never credited twice; " +
			"a refund beyond what is left to credit on the invoice, or of an order without an approved invoice, is refused. Previews and asks for confirmation first; dry_run only previews.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes:      []string{"invoices:write"},
		InputSchema: refundInputSchema,
	}, func(ctx context.Context, call *sdk.Call, in RefundInput) (RefundResult, error) {
		return p.creditWebshopRefund(ctx, call, in)
	})
}

// billyInvoiceTotals is an invoice with what crediting needs.
type billyInvoiceTotals struct {
	billyInvoice
	ExternalID        string          `json:"externalId"`
	TaxMode           string          `json:"taxMode"`
	Amount            decimal.Decimal `json:"amount"`
	GrossAmount       decimal.Decimal `json:"grossAmount"`
	CreditedInvoiceID string          `json:"creditedInvoiceId"`
}

// inMode is the invoice's total in its tax mode: gross when the lines
// include VAT, net when not, the basis the refund's amounts are in.
func (b billyInvoiceTotals) inMode() decimal.Decimal {
	if b.TaxMode == "incl" {
		return b.GrossAmount
	}
	return b.Amount
}

// invoicesByExternalID lists the invoices with externalId key, checked
// here too: Billy ignores a filter it does not know (billy-api.md § 4.2).
func invoicesByExternalID(ctx context.Context, call *sdk.Call, key string) ([]billyInvoiceTotals, error) {
	roots, err := billy(ctx, call, "GET", "/invoices", url.Values{"externalId": {key}}, nil)
	if err != nil {
		return nil, withContext(err, "looking for the invoice with externalId %s", key)
	}
	var all, out []billyInvoiceTotals
	if err := decodeRoot(roots, "invoices", &all); err != nil {
		return nil, err
	}
	for _, inv := range all {
		if inv.ExternalID == key {
			out = append(out, inv)
		}
	}
	return out, nil
}

type refundPlan struct {
	ord        *order
	ref        *orderRefund
	out        RefundResult
	existing   *billyInvoiceTotals
	creditNote map[string]any
}

func (p *plugin) planRefund(ctx context.Context, call *sdk.Call, in RefundInput) (*refundPlan, error) {
	if len(in.Order) == 0 || string(in.Order) == "null" {
		return nil, sdk.Invalid("order", "is required: the order as a JSON object, with its refunds")
	}
	ord, err := parseOrder(in.Order, in.Format)
	if err != nil {
		return nil, err
	}
	ref, err := ord.refundByID(strings.TrimSpace(in.RefundID), in.Refund)
	if err != nil {
		return nil, err
	}
	taxMode := map[bool]string{true: "incl", false: "excl"}[ord.TaxesIncluded]
	pl := &refundPlan{ord: ord, ref: ref, out: RefundResult{Format: ord.Format, OrderNumber: ord.Number, RefundID: ref.ID,
		ExternalID: externalID(ord) + ":refund:" + ref.ID, Date: ref.Date, Currency: ord.Currency, TaxMode: taxMode, Lines: []OrderLinePreview{}}}

	// The refund's own key first: credited before, nothing else is read.
	if found, err := invoicesByExternalID(ctx, call, pl.out.ExternalID); err != nil {
		return nil, err
	} else if len(found) > 0 {
		pl.existing = &found[0]
		return pl, nil
	}
	invs, err := invoicesByExternalID(ctx, call, externalID(ord))
	if err != nil {
		return nil, err
	}
	var inv *billyInvoiceTotals
	for i := range invs {
		if invs[i].Type != "creditNote" {
			inv = &invs[i]
			break
		}
	}
	switch {
	case inv == nil:
		return nil, sdk.NewError(sdk.CategoryNotFound, "refund_invoice_missing",
			"refund %s of order %s was not credited: Billy has no invoice of the order (externalId %s); import the order first with import_webshop_order, then approve its invoice", ref.ID, ord.Number, externalID(ord))
	case inv.State == "draft":
		return nil, sdk.NewError(sdk.CategoryConflict, "refund_invoice_draft",
			"refund %s of order %s was not credited: the order's invoice %s is still a draft, and Billy credits only approved invoices; approve it (approve_invoice) and credit the refund, or correct the draft instead", ref.ID, ord.Number, inv.ID)
	case inv.State != "approved":
		return nil, sdk.NewError(sdk.CategoryConflict, "refund_invoice_not_creditable",
			"refund %s of order %s was not credited: the order's invoice %s is %s", ref.ID, ord.Number, inv.ID, inv.State)
	case inv.TaxMode != taxMode:
		return nil, sdk.NewError(sdk.CategoryConflict, "refund_tax_mode_mismatch",
			"refund %s of order %s was not credited: the invoice %s has prices %s moms, the order %s moms; credit it in Billy by hand", ref.ID, ord.Number, inv.ID, inv.TaxMode, taxMode)
	}
	pl.out.InvoiceID, pl.out.InvoiceNo = inv.ID, string(inv.InvoiceNo)

	// What is left to credit: the invoice less its credit notes that are
	// not voided (drafts too: approved later, they credit it as well).
	roots, err := billy(ctx, call, "GET", "/invoices", url.Values{"creditedInvoiceId": {inv.ID}}, nil)
	if err != nil {
		return nil, withContext(err, "reading the credit notes of invoice %s", inv.ID)
	}
	var cns []billyInvoiceTotals
	if err := decodeRoot(roots, "invoices", &cns); err != nil {
		return nil, err
	}
	left := inv.inMode()
	for _, cn := range cns {
		if cn.Type == "creditNote" && cn.CreditedInvoiceID == inv.ID && cn.State != "voided" {
			// Abs: Billy's sign for a credit note's totals is not
			// documented; the sandbox keeps them positive (§ 7.3.2).
			left = left.Sub(cn.inMode().Abs())
		}
	}
	pl.out.LeftToCredit = left.StringFixed(2)

	skus := map[string]bool{}
	for _, l := range ref.Lines {
		skus[l.SKU] = true
	}
	bySKU, err := productsBySKU(ctx, call, ord.Number+" refund "+ref.ID, "order", skus)
	if err != nil {
		return nil, err
	}
	total := decimal.Zero
	for _, l := range ref.Lines {
		qty, unit, desc := l.Quantity, l.Amount.DivRound(l.Quantity, 4), l.Title
		if !unit.Mul(qty).Equal(l.Amount) {
			// The shop's refunded amount is no whole unit price × quantity
			// (a discount shared out): one line of the exact amount.
			qty, unit, desc = decimal.NewFromInt(1), l.Amount, fmt.Sprintf("%s × %s", l.Quantity, l.Title)
		}
		pl.out.Lines = append(pl.out.Lines, linePreview("item", l.SKU, bySKU[l.SKU], desc, qty, unit))
		total = total.Add(l.Amount)
	}
	if ref.Shipping.IsPositive() {
		id := in.ShippingProductID
		if id == "" {
			id = p.cfg.ShippingProductID
		}
		if id == "" {
			return nil, sdk.NewError(sdk.CategoryValidation, "order_shipping_product_missing",
				"refund %s of order %s was not credited: it refunds shipping of %s %s but no shipping product is set; give shipping_product_id, or set plugins.integrations.config.shipping_product_id",
				ref.ID, ord.Number, ref.Shipping.StringFixed(2), ord.Currency)
		}
		pr, err := p.productByID(ctx, call, id, "shipping_product_id")
		if err != nil {
			return nil, err
		}
		pl.out.Lines = append(pl.out.Lines, linePreview("shipping", "", pr, pr.Name, decimal.NewFromInt(1), ref.Shipping))
		total = total.Add(ref.Shipping)
	}
	if ref.Adjustment.IsPositive() {
		if !ord.TaxesIncluded {
			// The adjustment is money with tax; a line of a credit note
			// in "excl" mode would need its net, and dividing by 1 + rate
			// can miss the money paid back by an øre.
			return nil, sdk.NewError(sdk.CategoryValidation, "refund_adjustment_tax_exclusive",
				"refund %s of order %s was not credited: it pays back %s %s beyond its lines and shipping, and the order's prices exclude moms, so that money's net amount is not exact; credit it in Billy by hand",
				ref.ID, ord.Number, ref.Adjustment.StringFixed(2), ord.Currency)
		}
		adj, err := p.adjustmentLines(ctx, call, inv.ID, ref, ord)
		if err != nil {
			return nil, err
		}
		pl.out.Lines = append(pl.out.Lines, adj...)
		total = total.Add(ref.Adjustment)
	}
	pl.out.Total = total.StringFixed(2)
	switch {
	case !total.IsPositive():
		return nil, sdk.NewError(sdk.CategoryValidation, "refund_without_lines",
			"refund %s of order %s refunds no money (its lines and shipping add up to 0), so there is nothing to credit", ref.ID, ord.Number)
	case total.GreaterThan(left):
		return nil, sdk.NewError(sdk.CategoryConflict, "refund_exceeds_invoice",
			"refund %s of order %s was not credited, nothing was written: it credits %s %s (%s moms) but only %s is left to credit on invoice %s (its total %s less its credit notes); crediting it would over-credit the invoice",
			ref.ID, ord.Number, total.StringFixed(2), ord.Currency, taxMode, left.StringFixed(2), orDash(pl.out.InvoiceNo), inv.inMode().StringFixed(2))
	}
	var lines []map[string]any
	for _, l := range pl.out.Lines {
		lines = append(lines, map[string]any{"productId": l.ProductID, "description": l.Description,
			"quantity": json.Number(l.Quantity), "unitPrice": json.Number(l.UnitPrice)})
	}
	pl.creditNote = map[string]any{"type": "creditNote", "creditedInvoiceId": inv.ID, "state": "draft", "contactId": inv.ContactID,
		"entryDate": ref.Date, "currencyId": inv.CurrencyID, "taxMode": taxMode, "externalId": pl.out.ExternalID, "orderNo": ord.orderNo(), "lines": lines}
	pl.out.Requests = []BillyCall{{Method: "POST", Path: "/invoices", Body: map[string]any{"invoice": pl.creditNote}}}
	return pl, nil
}

// adjustmentLines credit a refund's adjustment (money paid back beyond
// its lines and shipping, tax included) as a price reduction of the
// invoice: shared over its VAT rates in proportion to what the invoice
// charged at each (a reduction after the sale lowers each rate's taxable
// amount by its share: momssystemdirektivet art. 90, momsloven § 27,
// stk. 4; the order does not say which goods it is for), each share a line of
// the product that carried most of that rate on the invoice, so it books
// to the same revenue account with the same VAT. The shares are cut to
// øre by the largest remainder, so they add up to the money paid back
// exactly.
func (p *plugin) adjustmentLines(ctx context.Context, call *sdk.Call, invoiceID string, ref *orderRefund, ord *order) ([]OrderLinePreview, error) {
	type line struct {
		ProductID string          `json:"productId"`
		Amount    decimal.Decimal `json:"amount"`
		Tax       decimal.Decimal `json:"tax"`
		TaxRateID string          `json:"taxRateId"`
	}
	lines, err := listAll[line](ctx, call, "/invoiceLines", "invoiceLines", url.Values{"invoiceId": {invoiceID}}, 1)
	if err != nil {
		return nil, withContext(err, "reading the lines of invoice %s", invoiceID)
	}
	type group struct {
		gross, top decimal.Decimal
		product    string
		share      decimal.Decimal
		rest       decimal.Decimal
	}
	var order []string
	groups := map[string]*group{}
	whole := decimal.Zero
	for _, l := range lines {
		gross := l.Amount.Add(l.Tax)
		if !gross.IsPositive() || l.ProductID == "" {
			continue
		}
		g := groups[l.TaxRateID]
		if g == nil {
			g = &group{}
			groups[l.TaxRateID] = g
			order = append(order, l.TaxRateID)
		}
		g.gross = g.gross.Add(gross)
		if gross.GreaterThan(g.top) {
			g.top, g.product = gross, l.ProductID
		}
		whole = whole.Add(gross)
	}
	if !whole.IsPositive() {
		return nil, sdk.NewError(sdk.CategoryConflict, "refund_adjustment_without_lines",
			"refund %s of order %s was not credited: it pays back %s %s beyond its lines and shipping, and invoice %s has no line with an amount to share it over; credit it in Billy by hand",
			ref.ID, ord.Number, ref.Adjustment.StringFixed(2), ord.Currency, invoiceID)
	}
	cent := decimal.New(1, -2)
	left := ref.Adjustment
	for _, id := range order {
		g := groups[id]
		exact := ref.Adjustment.Mul(g.gross).Div(whole)
		g.share = exact.Truncate(2)
		g.rest = exact.Sub(g.share)
		left = left.Sub(g.share)
	}
	byRest := append([]string(nil), order...)
	sort.SliceStable(byRest, func(i, j int) bool { return groups[byRest[i]].rest.GreaterThan(groups[byRest[j]].rest) })
	for i := 0; left.IsPositive(); i = (i + 1) % len(byRest) {
		groups[byRest[i]].share = groups[byRest[i]].share.Add(cent)
		left = left.Sub(cent)
	}
	desc := fmt.Sprintf("Prisnedslag, refusion %s af ordre %s", ref.ID, ord.Name)
	var out []OrderLinePreview
	for _, id := range order {
		g := groups[id]
		if !g.share.IsPositive() {
			continue
		}
		pr, err := p.productByID(ctx, call, g.product, "refund")
		if err != nil {
			return nil, withContext(err, "the product of invoice %s that the adjustment of refund %s is credited on", invoiceID, ref.ID)
		}
		out = append(out, linePreview("adjustment", "", pr, desc, decimal.NewFromInt(1), g.share))
	}
	return out, nil
}

func (p *plugin) creditWebshopRefund(ctx context.Context, call *sdk.Call, in RefundInput) (RefundResult, error) {
	pl, err := p.planRefund(ctx, call, in)
	if err != nil {
		return RefundResult{}, err
	}
	out := pl.out
	if ex := pl.existing; ex != nil {
		out.Status, out.CreditNoteID, out.CreditNoteNo, out.CreditNoteState = "exists", ex.ID, string(ex.InvoiceNo), ex.State
		out.InvoiceID = ex.CreditedInvoiceID
		out.Message = fmt.Sprintf("refund %s of order %s was credited before as credit note %s (%s, id %s); nothing was written", pl.ref.ID, pl.ord.Number, orDash(string(ex.InvoiceNo)), ex.State, ex.ID)
		return out, nil
	}
	action := fmt.Sprintf("Create a draft credit note of invoice %s for refund %s of order %s, %d line(s), %s %s (prices %s. moms)",
		orDash(out.InvoiceNo), pl.ref.ID, pl.ord.Name, len(out.Lines), dkfmt.Amount(decimal.RequireFromString(out.Total)), out.Currency, out.TaxMode)
	args, err := json.Marshal(struct {
		Order    string       `json:"order"`
		Refund   *orderRefund `json:"refund"`
		Shipping string       `json:"shipping_product_id"`
	}{externalID(pl.ord), pl.ref, in.ShippingProductID})
	if err != nil {
		return RefundResult{}, err
	}
	state, err := json.Marshal(struct {
		Left     string      `json:"left"`
		Requests []BillyCall `json:"requests"`
	}{out.LeftToCredit, out.Requests})
	if err != nil {
		return RefundResult{}, err
	}
	b := confirm.Binding{Tool: "credit_webshop_refund", Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: args, State: state}
	step, err := p.writePolicy(ctx, call, "credit_webshop_refund", in.DryRun, in.ConfirmationToken, b, action+".", "Tick to create this draft credit note in Billy now.")
	if err != nil {
		return RefundResult{}, err
	}
	if step == stepExecute {
		return p.executeRefund(ctx, call, pl, out, action)
	}
	h := p.hold(step, b, wording{Tool: "credit_webshop_refund", Action: action, Nothing: "written", Show: "the preview", Same: "the same arguments", DryRunTail: " would be sent as these requests"})
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt = h.Status, h.Message, h.Token, h.ExpiresAt
	if step == stepCancelled || step == stepDeclined {
		out.Requests = nil
	}
	return out, nil
}

func (p *plugin) executeRefund(ctx context.Context, call *sdk.Call, pl *refundPlan, out RefundResult, action string) (RefundResult, error) {
	// Held like an order import (orderLease): two credits of one refund
	// at the same moment would both find no credit note.
	key := "webshop-refund:" + confirm.Digest([]byte(call.Caller.OrganizationID+"\x00"+out.ExternalID))
	first, err := call.Host.ConsumeOnce(ctx, key, p.now().Add(orderLease))
	switch {
	case errors.Is(err, sdk.ErrHostFeatureMissing):
	case err != nil:
		return RefundResult{}, withContext(err, "nothing was written: whether another credit of refund %s is running cannot be checked right now; try again in a moment", pl.ref.ID)
	case !first:
		return RefundResult{}, sdk.NewError(sdk.CategoryConflict, "refund_credit_in_progress",
			"nothing was written: refund %s of order %s was being credited by another call less than %d minutes ago; call credit_webshop_refund again in a moment without confirmation_token, and it reports the credit note that call made",
			pl.ref.ID, pl.ord.Number, int(orderLease.Minutes()))
	}
	roots, err := billy(ctx, call, "POST", "/invoices", nil, map[string]any{"invoice": pl.creditNote})
	if err != nil {
		return RefundResult{}, withContext(err, "credit_webshop_refund: creating the credit note failed; nothing was written")
	}
	var created []billyInvoiceTotals
	if err := decodeRoot(roots, "invoices", &created); err != nil {
		return RefundResult{}, err
	}
	for _, c := range created {
		if c.Type == "creditNote" || c.ExternalID == out.ExternalID {
			out.CreditNoteID, out.CreditNoteNo, out.CreditNoteState = c.ID, string(c.InvoiceNo), c.State
			break
		}
	}
	if out.CreditNoteID == "" {
		return RefundResult{}, unexpected("POST /invoices returned no credit note")
	}
	out.Status, out.Message, out.Requests = "done", "done: "+action+"; the credit note is a draft: review and approve it in Billy (or with approve_invoice), which credits the invoice", nil
	return out, nil
}
