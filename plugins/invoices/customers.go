package invoices

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Customers are Billy contacts (billy-api.md §7.2): companies and persons
// alike. v1 forced type=company in every list, so person customers, even
// the ones v1 itself created, never showed up; here both do, and each
// record says which it is. Email addresses live on contact persons, not on
// the contact.

// CustomerSummary is a contact as lists show it.
type CustomerSummary struct {
	ID             string `json:"id"`
	Type           string `json:"type" jsonschema:"company or person"`
	Name           string `json:"name"`
	ContactNo      string `json:"contactNo,omitempty"`
	RegistrationNo string `json:"registrationNo,omitempty" jsonschema:"CVR number (or foreign VAT number)"`
	Email          string `json:"email,omitempty" jsonschema:"the primary contact person's email"`
	Phone          string `json:"phone,omitempty"`
	Street         string `json:"street,omitempty"`
	Zipcode        string `json:"zipcode,omitempty"`
	City           string `json:"city,omitempty"`
	CountryID      string `json:"countryId"`
	IsCustomer     bool   `json:"isCustomer"`
	IsSupplier     bool   `json:"isSupplier"`
	IsArchived     bool   `json:"isArchived,omitempty"`
}

// ContactPerson is a person at a customer, who can receive invoices.
type ContactPerson struct {
	ID        string `json:"id"`
	ContactID string `json:"contactId"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	IsPrimary bool   `json:"isPrimary"`
}

// Customer is one contact with its contact persons.
type Customer struct {
	CustomerSummary
	EAN              string          `json:"ean,omitempty" jsonschema:"EAN/GLN for e-invoicing (public sector)"`
	LocaleID         string          `json:"localeId,omitempty"`
	CurrencyID       string          `json:"currencyId,omitempty" jsonschema:"preferred invoice currency (a hint; Billy does not enforce it)"`
	PaymentTermsMode string          `json:"paymentTermsMode,omitempty"`
	PaymentTermsDays int             `json:"paymentTermsDays"`
	CreatedTime      string          `json:"createdTime,omitempty"`
	ContactPersons   []ContactPerson `json:"contactPersons"`
}

func personOf(cp billyContactPerson) ContactPerson {
	return ContactPerson(cp)
}

func customerSummaryOf(c billyContact) CustomerSummary {
	out := CustomerSummary{ID: c.ID, Type: c.Type, Name: c.Name, ContactNo: c.ContactNo, RegistrationNo: c.RegistrationNo,
		Phone: c.Phone, Street: c.Street, Zipcode: c.ZipcodeText, City: c.CityText, CountryID: c.CountryID,
		IsCustomer: c.IsCustomer, IsSupplier: c.IsSupplier, IsArchived: c.IsArchived}
	if p := primaryPerson(c.ContactPersons); p != nil {
		out.Email = p.Email
	}
	return out
}

func customerOf(c billyContact) Customer {
	out := Customer{CustomerSummary: customerSummaryOf(c), EAN: c.EAN, LocaleID: c.LocaleID, CurrencyID: c.CurrencyID,
		PaymentTermsMode: c.PaymentTermsMode, PaymentTermsDays: c.PaymentTermsDays, CreatedTime: c.CreatedTime, ContactPersons: []ContactPerson{}}
	for _, cp := range c.ContactPersons {
		out.ContactPersons = append(out.ContactPersons, personOf(cp))
	}
	return out
}

// primaryPerson is the primary contact person with an email, else the
// first with one.
func primaryPerson(ps []billyContactPerson) *billyContactPerson {
	var pick *billyContactPerson
	for i := range ps {
		if ps[i].Email == "" {
			continue
		}
		if pick == nil || (ps[i].IsPrimary && !pick.IsPrimary) {
			pick = &ps[i]
		}
	}
	return pick
}

const contactIncludes = "contact.contactPersons:embed"

func readContact(ctx context.Context, call *sdk.Call, id string) (billyContact, error) {
	var c billyContact
	_, err := getOne(ctx, call, kindContact, id, url.Values{"include": {contactIncludes}}, &c)
	return c, err
}

var emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

func checkEmail(field, v string) error {
	if v == "" || emailPattern.MatchString(v) {
		return nil
	}
	return sdk.Invalid(field, "%q is not an email address", v)
}

// ---- list_customers ----

// ListCustomersInput filters customers.
type ListCustomersInput struct {
	Search           string `json:"search,omitempty" jsonschema:"name, customer number, CVR, phone or city"`
	IncludeSuppliers bool   `json:"includeSuppliers,omitempty" jsonschema:"also contacts that are only suppliers"`
	IncludeArchived  bool   `json:"includeArchived,omitempty"`
	Paging
}

// ListCustomersOutput is one page of customers.
type ListCustomersOutput struct {
	Customers  []CustomerSummary `json:"customers"`
	Total      int               `json:"total"`
	NextCursor string            `json:"next_cursor"`
	Warning    string            `json:"warning,omitempty"`
}

func (p *plugin) listCustomersTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "list_customers",
		Title: "List customers",
		Description: "Lists customers (companies and persons) by name, optionally matching a search text. " +
			"Use it to find a customer's ID, e.g. before creating an invoice.",
		Category: "customers",
		Scopes:   []string{"customers:read"},
		Examples: []sdk.Example{{Title: "Find a customer", Arguments: ListCustomersInput{Search: "Hansen"}}},
	}), func(ctx context.Context, call *sdk.Call, in ListCustomersInput) (ListCustomersOutput, error) {
		out := ListCustomersOutput{Customers: []CustomerSummary{}}
		q := url.Values{"include": {contactIncludes}, "sortProperty": {"name"}, "sortDirection": {"ASC"}}
		if s := strings.TrimSpace(in.Search); s != "" {
			q.Set("q", s)
		}
		if !in.IncludeSuppliers {
			q.Set("isCustomer", "true")
		}
		if !in.IncludeArchived {
			q.Set("isArchived", "false")
		}
		l, err := list(ctx, call, "list_customers", "/contacts", "contacts", q, in.Paging)
		if err != nil {
			return out, err
		}
		cs, err := decodeAll[billyContact](l)
		if err != nil {
			return out, err
		}
		dropped := 0
		for _, c := range cs {
			// isCustomer and isArchived are client-observed filters, not
			// documented ones (§4.2); re-check rather than trust.
			if (!in.IncludeSuppliers && !c.IsCustomer) || (!in.IncludeArchived && c.IsArchived) {
				dropped++
				continue
			}
			out.Customers = append(out.Customers, customerSummaryOf(c))
		}
		if dropped > 0 {
			out.Warning = fmt.Sprintf("Billy did not apply all filters: %d contact(s) on this page did not match and were left out; total may count them", dropped)
		}
		out.Total, out.NextCursor = l.total, l.nextCursor
		return out, nil
	})
}

// ---- get_customer ----

// CustomerIDInput names one customer.
type CustomerIDInput struct {
	ContactID  string `json:"contactId,omitempty" jsonschema:"required"`
	CustomerID string `json:"customerId,omitempty" jsonschema:"alias of contactId"`
}

func (in CustomerIDInput) id() (string, error) {
	id, err := alias("contactId", in.ContactID, "customerId", in.CustomerID)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", sdk.Invalid("contactId", "is required: the customer's Billy ID (list_customers finds it)")
	}
	return id, checkID("contactId", id)
}

func (p *plugin) getCustomerTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:        "get_customer",
		Title:       "Get a customer",
		Description: "Returns one customer with address, CVR, payment terms and contact persons (who can receive invoices by email).",
		Category:    "customers",
		Scopes:      []string{"customers:read"},
		Examples:    []sdk.Example{{Title: "One customer", Arguments: CustomerIDInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ"}}},
	}), func(ctx context.Context, call *sdk.Call, in CustomerIDInput) (Customer, error) {
		id, err := in.id()
		if err != nil {
			return Customer{}, err
		}
		c, err := readContact(ctx, call, id)
		if err != nil {
			return Customer{}, err
		}
		return customerOf(c), nil
	})
}

// ---- create_customer / update_customer ----

// AddressInput is a postal address (v1's shape).
type AddressInput struct {
	Street  string `json:"street,omitempty"`
	City    string `json:"city,omitempty"`
	Zipcode string `json:"zipcode,omitempty"`
	ZipCode string `json:"zipCode,omitempty" jsonschema:"alias of zipcode"`
	Country string `json:"country,omitempty" jsonschema:"ISO code; default DK"`
}

// contactBody is a contact as Billy takes it. cityText and zipcodeText are
// the free-text address fields Danish contacts use (v1 sent city/zipcode,
// which Billy does not know).
type contactBody struct {
	Type             string       `json:"type,omitempty"`
	Name             string       `json:"name,omitempty"`
	CountryID        string       `json:"countryId,omitempty"`
	Street           *string      `json:"street,omitempty"`
	CityText         *string      `json:"cityText,omitempty"`
	ZipcodeText      *string      `json:"zipcodeText,omitempty"`
	Phone            *string      `json:"phone,omitempty"`
	RegistrationNo   *string      `json:"registrationNo,omitempty"`
	IsCustomer       *bool        `json:"isCustomer,omitempty"`
	IsArchived       *bool        `json:"isArchived,omitempty"`
	PaymentTermsMode string       `json:"paymentTermsMode,omitempty"`
	PaymentTermsDays *int         `json:"paymentTermsDays,omitempty"`
	ContactPersons   []personBody `json:"contactPersons,omitempty"`
}

type personBody struct {
	ContactID string `json:"contactId,omitempty"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	IsPrimary *bool  `json:"isPrimary,omitempty"`
}

// applyAddress copies the given address fields onto the body.
func applyAddress(b *contactBody, a *AddressInput) error {
	if a == nil {
		return nil
	}
	zip, err := alias("address.zipcode", a.Zipcode, "address.zipCode", a.ZipCode)
	if err != nil {
		return err
	}
	if a.Country != "" {
		if !regexp.MustCompile(`^[A-Za-z]{2}$`).MatchString(a.Country) {
			return sdk.Invalid("address.country", "must be an ISO-2 country code such as DK, got %q", a.Country)
		}
		b.CountryID = strings.ToUpper(a.Country)
	}
	for _, f := range []struct {
		v   string
		dst **string
	}{{a.Street, &b.Street}, {a.City, &b.CityText}, {zip, &b.ZipcodeText}} {
		if v := strings.TrimSpace(f.v); v != "" {
			*f.dst = &v
		}
	}
	return nil
}

func optString(v string) *string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	return &v
}

// CreateCustomerInput is a new customer.
type CreateCustomerInput struct {
	Name              string        `json:"name"`
	Type              string        `json:"type,omitempty" jsonschema:"company (default) or person"`
	Email             string        `json:"email,omitempty" jsonschema:"invoice email, on a primary contact person"`
	ContactPersonName string        `json:"contactPersonName,omitempty" jsonschema:"default the customer's name"`
	Phone             string        `json:"phone,omitempty"`
	Address           *AddressInput `json:"address,omitempty"`
	RegistrationNo    string        `json:"registrationNo,omitempty" jsonschema:"CVR or foreign VAT number"`
	PaymentTermsDays  *int          `json:"paymentTermsDays,omitempty"`
	DryRunOption
}

func (p *plugin) createCustomerTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "create_customer",
		Title: "Create a customer",
		Description: "Creates a customer (company or person) with address, phone, CVR and an invoice email. " +
			"Check with list_customers first that it does not exist already.",
		Category: "customers",
		Scopes:   []string{"customers:write"},
		Examples: []sdk.Example{{Title: "A Danish company", Arguments: CreateCustomerInput{Name: "Hansen Tømrer ApS", Email: "bogholderi@hansen-toemrer.dk",
			RegistrationNo: "12345678", Address: &AddressInput{Street: "Vestergade 12", Zipcode: "8000", City: "Aarhus C"}}}},
	}, false), p.createCustomer)
}

func (p *plugin) createCustomer(ctx context.Context, call *sdk.Call, in CreateCustomerInput) (WriteResult[Customer], error) {
	var out WriteResult[Customer]
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return out, sdk.Invalid("name", "is required")
	}
	if err := firstErr(oneOf("type", in.Type, "company", "person"), checkEmail("email", in.Email), checkTermsDays(in.PaymentTermsDays)); err != nil {
		return out, err
	}
	typ := in.Type
	if typ == "" {
		typ = "company"
	}
	body := contactBody{Type: typ, Name: name, CountryID: "DK", Phone: optString(in.Phone), RegistrationNo: optString(in.RegistrationNo),
		IsCustomer: ptr(true), PaymentTermsDays: in.PaymentTermsDays}
	if in.PaymentTermsDays != nil {
		body.PaymentTermsMode = "net"
	}
	if err := applyAddress(&body, in.Address); err != nil {
		return out, err
	}
	if in.Email != "" {
		// Embedded persons are saved in the same atomic request (§3); v1
		// made a second call because it believed this was impossible.
		pn := strings.TrimSpace(in.ContactPersonName)
		if pn == "" {
			pn = name
		}
		body.ContactPersons = []personBody{{Name: pn, Email: in.Email, IsPrimary: ptr(true)}}
	}
	req := BillyCall{Method: "POST", Path: "/contacts", Body: map[string]any{"contact": body}}
	return runWrite(ctx, p, call, writeSpec[Customer]{
		tool: "create_customer", effect: sdk.Additive, dryRun: in.DryRun,
		plan: func(ctx context.Context) (*plan, error) {
			return &plan{requests: []BillyCall{req}, preview: Preview{Action: fmt.Sprintf("Create %s customer %q", typ, name),
				Changes: []string{"a new contact marked as customer"}, Undo: "Edit it with update_customer or archive it (isArchived)."}}, nil
		},
		readBack: func(ctx context.Context, answers []*envelope) (*Customer, error) {
			id, err := answers[0].createdID("contacts", nil)
			if err != nil {
				return nil, err
			}
			c, err := readContact(ctx, call, id)
			if err != nil {
				return nil, err
			}
			r := customerOf(c)
			return &r, nil
		},
	})
}

func checkTermsDays(d *int) error {
	if d != nil && (*d < 0 || *d > 365) {
		return sdk.Invalid("paymentTermsDays", "must be between 0 and 365, got %d", *d)
	}
	return nil
}

// UpdateCustomerInput changes a customer; absent fields stay as they are.
type UpdateCustomerInput struct {
	ContactID        string        `json:"contactId,omitempty" jsonschema:"required"`
	CustomerID       string        `json:"customerId,omitempty" jsonschema:"alias of contactId"`
	Name             string        `json:"name,omitempty"`
	Type             string        `json:"type,omitempty" jsonschema:"company or person"`
	Email            string        `json:"email,omitempty" jsonschema:"invoice email"`
	Phone            string        `json:"phone,omitempty"`
	Address          *AddressInput `json:"address,omitempty"`
	RegistrationNo   string        `json:"registrationNo,omitempty" jsonschema:"CVR number"`
	PaymentTermsDays *int          `json:"paymentTermsDays,omitempty"`
	IsArchived       *bool         `json:"isArchived,omitempty" jsonschema:"true hides it from lists"`
	DryRunOption
}

func (p *plugin) updateCustomerTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "update_customer",
		Title: "Edit a customer",
		Description: "Changes the given fields of a customer (in an address, only the parts given). " +
			"A new email updates the primary contact person, or adds one; other persons are kept.",
		Category: "customers",
		Scopes:   []string{"customers:write"},
		Examples: []sdk.Example{{Title: "New invoice email", Arguments: UpdateCustomerInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ", Email: "faktura@hansen.dk"}}},
	}, true), p.updateCustomer)
}

func (p *plugin) updateCustomer(ctx context.Context, call *sdk.Call, in UpdateCustomerInput) (WriteResult[Customer], error) {
	var out WriteResult[Customer]
	id, err := CustomerIDInput{ContactID: in.ContactID, CustomerID: in.CustomerID}.id()
	if err != nil {
		return out, err
	}
	if err := firstErr(oneOf("type", in.Type, "company", "person"), checkEmail("email", in.Email), checkTermsDays(in.PaymentTermsDays)); err != nil {
		return out, err
	}
	body := contactBody{Type: in.Type, Name: strings.TrimSpace(in.Name), Phone: optString(in.Phone), RegistrationNo: optString(in.RegistrationNo),
		PaymentTermsDays: in.PaymentTermsDays, IsArchived: in.IsArchived}
	if err := applyAddress(&body, in.Address); err != nil {
		return out, err
	}
	b, _ := json.Marshal(body)
	contactChanged := string(b) != "{}"
	if !contactChanged && in.Email == "" {
		return out, sdk.Invalid("contactId", "nothing to change: give at least one of name, type, email, phone, address, registrationNo, paymentTermsDays or isArchived")
	}
	return runWrite(ctx, p, call, writeSpec[Customer]{
		tool: "update_customer", effect: sdk.Additive, dryRun: in.DryRun,
		plan: func(ctx context.Context) (*plan, error) {
			cur, err := readContact(ctx, call, id)
			if err != nil {
				return nil, err
			}
			pl := &plan{preview: Preview{Action: fmt.Sprintf("Edit customer %q", cur.Name), Current: customerSummaryOf(cur),
				Undo: "Edit it again with update_customer."}}
			if contactChanged {
				pl.requests = append(pl.requests, BillyCall{Method: "PUT", Path: "/contacts/" + url.PathEscape(id), Body: map[string]any{"contact": body}})
				pl.preview.Changes = append(pl.preview.Changes, "contact fields: "+string(b))
			}
			if in.Email != "" {
				// Change the one person, never replace the embedded array:
				// that would delete every other contact person (v1's bug).
				if pp := primaryPerson(cur.ContactPersons); pp != nil {
					if pp.Email != in.Email {
						pl.requests = append(pl.requests, BillyCall{Method: "PUT", Path: "/contactPersons/" + url.PathEscape(pp.ID),
							Body: map[string]any{"contactPerson": personBody{Email: in.Email}}})
						pl.preview.Changes = append(pl.preview.Changes, fmt.Sprintf("email of contact person %q: %s → %s", pp.Name, pp.Email, in.Email))
					}
				} else {
					pl.requests = append(pl.requests, BillyCall{Method: "POST", Path: "/contactPersons",
						Body: map[string]any{"contactPerson": personBody{ContactID: id, Name: cur.Name, Email: in.Email, IsPrimary: ptr(true)}}})
					pl.preview.Changes = append(pl.preview.Changes, "a new primary contact person with email "+in.Email)
				}
			}
			if len(pl.requests) == 0 {
				pl.noop = fmt.Sprintf("customer %q already has email %s", cur.Name, in.Email)
			}
			return pl, nil
		},
		readBack: func(ctx context.Context, _ []*envelope) (*Customer, error) {
			c, err := readContact(ctx, call, id)
			if err != nil {
				return nil, err
			}
			r := customerOf(c)
			return &r, nil
		},
	})
}
