package sandbox

import "testing"

// Writes answer every changed record under plural keys, as arrays, and an
// embedded has-many array replaces the children (billy-api.md §2.2, §3).
func TestContactsCRUD(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("POST", "/v2/contacts", obj{"contact": obj{"name": "Fjordblik Tømrer ApS", "countryId": "DK",
		"registrationNo": "13748136", "cityText": "Vejle", "zipcodeText": "7100",
		"contactPersons": []any{obj{"name": "Lise Holm", "email": "lise@fjordblik.dk", "isPrimary": true}}}}).ok(t)
	c := r.list("contacts")[0]
	id := str(c, "id")
	expect(t, "contact", c, obj{"type": "company", "isCustomer": true, "paymentTermsMode": "net", "localeId": "da_DK"})
	if str(c, "contactNo") == "" || len(str(c, "accessCode")) != 16 {
		t.Errorf("contactNo %q accessCode %q", c["contactNo"], c["accessCode"])
	}
	persons := r.list("contactPersons")
	if len(persons) != 1 || str(persons[0], "contactId") != id {
		t.Fatalf("contactPersons %v", persons)
	}

	r = sb.do("PUT", "/v2/contacts/"+id, obj{"contact": obj{"phone": "+45 70 20 30 40",
		"contactPersons": []any{obj{"name": "Ole Holm", "email": "ole@fjordblik.dk"}, obj{"email": "faktura@fjordblik.dk"}}}}).ok(t)
	expect(t, "updated contact", r.list("contacts")[0], obj{"phone": "+45 70 20 30 40", "name": "Fjordblik Tømrer ApS"})
	deleted, _ := r.meta()["deletedRecords"].(map[string]any)
	if old, _ := deleted["contactPersons"].([]any); len(old) != 1 || old[0] != str(persons[0], "id") {
		t.Errorf("deletedRecords %v", r.meta())
	}
	if got := sb.do("GET", "/v2/contactPersons?contactId="+id, nil).ok(t).list("contactPersons"); len(got) != 2 {
		t.Errorf("%d contact persons after replacing, want 2", len(got))
	}
	// organizationId in a record names the organization to work on; one
	// the credential cannot reach is refused.
	if r := sb.do("PUT", "/v2/contacts/"+id, obj{"contact": obj{"organizationId": "other"}}); r.status != 403 {
		t.Errorf("naming another organization: %d", r.status)
	}
	r = sb.do("GET", "/v2/contacts/"+id+"?include=contact.contactPersons:embed,contact.country:embed", nil).ok(t)
	if ps, _ := r.obj("contact")["contactPersons"].([]any); len(ps) != 2 {
		t.Errorf("embedded contactPersons %v", r.obj("contact")["contactPersons"])
	}

	// A contact with invoices cannot be deleted; a fresh one can, with its
	// persons.
	used := sb.firstID("/v2/invoices", "invoices")
	usedContact := str(sb.do("GET", "/v2/invoices/"+used, nil).ok(t).obj("invoice"), "contactId")
	if r := sb.do("DELETE", "/v2/contacts/"+usedContact, nil); r.status != 422 {
		t.Errorf("deleting a contact with invoices: %d", r.status)
	}
	r = sb.do("DELETE", "/v2/contacts/"+id, nil).ok(t)
	deleted, _ = r.meta()["deletedRecords"].(map[string]any)
	if ids, _ := deleted["contactPersons"].([]any); len(ids) != 2 {
		t.Errorf("deletedRecords %v", r.meta())
	}
	if r := sb.do("DELETE", "/v2/contacts/"+id, nil); r.status != 200 {
		t.Errorf("DELETE is idempotent: %d", r.status)
	}
}

func TestProductsCRUD(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("POST", "/v2/products", obj{"product": obj{"name": "Support, weekend", "productNo": "SUP-W",
		"prices": []any{obj{"unitPrice": 1450, "currencyId": "DKK"}, obj{"unitPrice": 195, "currencyId": "EUR"}}}}).ok(t)
	p := r.list("products")[0]
	id := str(p, "id")
	if str(p, "accountId") == "" || str(p, "salesTaxRulesetId") == "" {
		t.Errorf("account and ruleset not defaulted from the organization: %v", p)
	}
	if len(r.list("productPrices")) != 2 {
		t.Fatalf("productPrices %v", r.list("productPrices"))
	}
	if r := sb.do("POST", "/v2/productPrices", obj{"productPrice": obj{"productId": id, "unitPrice": 1, "currencyId": "EUR"}}); r.status != 422 {
		t.Errorf("second EUR price: %d", r.status)
	}
	r = sb.do("PUT", "/v2/products/"+id, obj{"product": obj{"prices": []any{obj{"unitPrice": 1500}}}}).ok(t)
	if prices := r.list("productPrices"); len(prices) != 1 || num(prices[0], "unitPrice") != 1500 || str(prices[0], "currencyId") != "DKK" {
		t.Errorf("replaced prices %v", prices)
	}
	if got := sb.do("GET", "/v2/productPrices?productId="+id, nil).ok(t).list("productPrices"); len(got) != 1 {
		t.Errorf("%d prices after replacing", len(got))
	}

	// An invoice line without unitPrice takes the product's price.
	contactID := sb.firstID("/v2/contacts?countryId=DK", "contacts")
	r = sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-25",
		"lines": []any{obj{"productId": id, "quantity": 2}}}}).ok(t)
	expect(t, "priced from product", r.list("invoices")[0], obj{"amount": 3000.0, "tax": 750.0})
	if r := sb.do("DELETE", "/v2/products/"+id, nil); r.status != 422 {
		t.Errorf("deleting a product in use: %d", r.status)
	}
	if r := sb.do("POST", "/v2/products", obj{"product": obj{"name": "X", "accountId": sb.firstID("/v2/accounts?isBankAccount=true", "accounts")}}); r.status != 422 {
		t.Errorf("product on a bank account: %d", r.status)
	}
}

func TestInvoiceLinesEndpoints(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts?countryId=DK", "contacts")
	productID := sb.firstID("/v2/products?q=Konsulenttimer", "products")
	r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-25",
		"lines": []any{obj{"productId": productID, "quantity": 1, "unitPrice": 100}}}}).ok(t)
	inv := str(r.list("invoices")[0], "id")
	first := str(r.list("invoiceLines")[0], "id")

	r = sb.do("POST", "/v2/invoiceLines", obj{"invoiceLine": obj{"invoiceId": inv, "productId": productID, "quantity": 3, "unitPrice": 200}}).ok(t)
	expect(t, "after adding a line", r.list("invoices")[0], obj{"amount": 700.0, "tax": 175.0, "grossAmount": 875.0})
	second := str(r.list("invoiceLines")[0], "id")
	r = sb.do("PUT", "/v2/invoiceLines/"+second, obj{"invoiceLine": obj{"quantity": 1}}).ok(t)
	expect(t, "after editing a line", r.list("invoices")[0], obj{"amount": 300.0})
	expect(t, "edited line", r.list("invoiceLines")[0], obj{"quantity": 1.0, "unitPrice": 200.0, "amount": 200.0, "tax": 50.0})
	r = sb.do("DELETE", "/v2/invoiceLines/"+first, nil).ok(t)
	expect(t, "after deleting a line", r.list("invoices")[0], obj{"amount": 200.0})
	if r := sb.do("DELETE", "/v2/invoiceLines/"+second, nil); r.status != 422 {
		t.Errorf("deleting the last line: %d", r.status)
	}
	sb.do("PUT", "/v2/invoices/"+inv, obj{"invoice": obj{"state": "approved"}}).ok(t)
	if r := sb.do("PUT", "/v2/invoiceLines/"+second, obj{"invoiceLine": obj{"quantity": 5}}); r.status != 422 {
		t.Errorf("editing a line of an approved invoice: %d", r.status)
	}
	if got := sb.do("GET", "/v2/invoiceLines?invoiceId="+inv, nil).ok(t).list("invoiceLines"); len(got) != 1 {
		t.Errorf("%d lines listed", len(got))
	}
}

// VAT follows the customer: 25 % at home, reverse charge for EU companies,
// 0 % outside the EU (billy-api.md §7.5, danish-compliance.md §1.4).
func TestTaxRateDerivation(t *testing.T) {
	sb := newSandbox(t, Options{Business: BusinessService})
	productID := sb.firstID("/v2/products?q=Supporttimer", "products")
	rates := map[string]map[string]any{}
	for _, tr := range sb.do("GET", "/v2/taxRates", nil).ok(t).list("taxRates") {
		rates[str(tr, "id")] = tr
	}
	for _, tt := range []struct {
		country string
		rate    float64
		abbr    string
	}{{"DK", 0.25, "S25"}, {"DE", 0, "EUY"}, {"NO", 0, "EXP"}} {
		contactID := sb.firstID("/v2/contacts?countryId="+tt.country, "contacts")
		r := sb.do("POST", "/v2/invoices", obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-25",
			"lines": []any{obj{"productId": productID, "quantity": 2, "unitPrice": 850}}}}).ok(t)
		line := r.list("invoiceLines")[0]
		tr := rates[str(line, "taxRateId")]
		if num(tr, "rate") != tt.rate || str(tr, "abbreviation") != tt.abbr {
			t.Errorf("%s: tax rate %v", tt.country, tr)
		}
		if want := 1700 * tt.rate; num(line, "tax") != want {
			t.Errorf("%s: line tax %v, want %v", tt.country, line["tax"], want)
		}
	}
}

func TestReferenceData(t *testing.T) {
	sb := newSandbox(t, Options{})
	for _, tt := range []struct {
		path, key string
		min       int
	}{
		{"/v2/currencies", "currencies", 6}, {"/v2/countries", "countries", 10}, {"/v2/countryGroups", "countryGroups", 1},
		{"/v2/locales", "locales", 5}, {"/v2/accountNatures", "accountNatures", 5}, {"/v2/accountGroups", "accountGroups", 5},
		{"/v2/accounts", "accounts", 10}, {"/v2/taxRates", "taxRates", 5}, {"/v2/salesTaxRulesets", "salesTaxRulesets", 2},
		{"/v2/salesTaxRules", "salesTaxRules", 3}, {"/v2/transactions?pageSize=5", "transactions", 5},
		{"/v2/postings?pageSize=5", "postings", 5}, {"/v2/balanceModifiers?pageSize=5", "balanceModifiers", 5},
		{"/v2/bankPayments?pageSize=5", "bankPayments", 5}, {"/v2/organizations", "organizations", 1},
		{"/v2/invoiceLateFees", "invoiceLateFees", 0},
	} {
		if n := len(sb.do("GET", tt.path, nil).ok(t).list(tt.key)); n < tt.min {
			t.Errorf("%s: %d %s, want at least %d", tt.path, n, tt.key, tt.min)
		}
	}
	for path, key := range map[string]string{"/v2/currencies/EUR": "currency", "/v2/countries/DK": "country", "/v2/user": "user"} {
		if sb.do("GET", path, nil).ok(t).obj(key) == nil {
			t.Errorf("%s: no %s", path, key)
		}
	}
	r := sb.do("GET", "/v2/accounts?isBankAccount=true", nil).ok(t)
	bank := r.list("accounts")[0]
	if bank["isPaymentEnabled"] != true || str(bank, "bankIban")[:2] != "DK" {
		t.Errorf("bank account %v", bank)
	}
	rs := sb.do("GET", "/v2/salesTaxRulesets?include=salesTaxRuleset.rules:embed", nil).ok(t).list("salesTaxRulesets")
	if rules, _ := rs[0]["rules"].([]any); len(rules) == 0 {
		t.Errorf("ruleset without embedded rules: %v", rs[0])
	}
	tx := sb.do("GET", "/v2/transactions?pageSize=1&include=transaction.postings:embed", nil).ok(t).list("transactions")[0]
	if ps, _ := tx["postings"].([]any); len(ps) < 2 {
		t.Errorf("transaction without embedded postings: %v", tx)
	}
}

func TestOrganizationUpdate(t *testing.T) {
	sb := newSandbox(t, Options{})
	id := sb.s.DefaultOrganizationID()
	r := sb.do("PUT", "/v2/organizations/"+id, obj{"organization": obj{"paymentTermsDays": 21, "street": "Havnegade 3"}}).ok(t)
	expect(t, "organization", r.list("organizations")[0], obj{"paymentTermsDays": 21.0, "street": "Havnegade 3"})
	for _, body := range []obj{{"baseCurrencyId": "EUR"}, {"countryId": "SE"}, {"name": ""}, {"defaultSalesAccountId": "nope"}} {
		if r := sb.do("PUT", "/v2/organizations/"+id, obj{"organization": body}); r.status != 422 {
			t.Errorf("PUT organization %v: %d", body, r.status)
		}
	}
	if r := sb.do("PUT", "/v2/organizations/other", obj{"organization": obj{"name": "x"}}); r.status != 404 {
		t.Errorf("PUT another organization: %d", r.status)
	}
}
