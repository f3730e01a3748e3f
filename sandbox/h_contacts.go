package sandbox

import (
	"strconv"
	"strings"
)

// contacts and contactPersons (billy-api.md §7.2, §10 item 4).

func contactResources() []*resource {
	contactsOf := func(o *orgState) *table[*contact] { return o.contacts }
	personsOf := func(o *orgState) *table[*contactPerson] { return o.contactPersons }
	return []*resource{
		{
			plural: "contacts", singular: "contact",
			list:   listFrom("contacts", contactsOf, contactListSpec),
			get:    getFrom("contact", "contacts", contactsOf),
			create: createContact, update: updateContact, del: deleteContact,
			lookup: lookupIn(contactsOf),
			relations: map[string]relation{
				"country":  belongsTo("countries"),
				"currency": belongsTo("currencies"),
				"locale":   belongsTo("locales"),
				"contactPersons": hasMany("contactPersons", func(c *call, id string) []string {
					if ct, ok := c.org.contacts.get(id); ok {
						return ct.personIDs
					}
					return nil
				}),
			},
		},
		{
			plural: "contactPersons", singular: "contactPerson",
			list:   listFrom("contactPersons", personsOf, personListSpec),
			get:    getFrom("contactPerson", "contactPersons", personsOf),
			create: createPerson, update: updatePerson, del: deletePerson,
			lookup:    lookupIn(personsOf),
			relations: map[string]relation{"contact": belongsTo("contacts")},
		},
	}
}

func contactListSpec(c *call) listSpec[*contact] {
	return listSpec[*contact]{
		filters: map[string]filter[*contact]{
			"isCustomer":     boolFilter(func(x *contact) bool { return x.IsCustomer }),
			"isSupplier":     boolFilter(func(x *contact) bool { return x.IsSupplier }),
			"isArchived":     boolFilter(func(x *contact) bool { return x.IsArchived }),
			"contactNo":      eqFilter(func(x *contact) string { return x.ContactNo }),
			"phone":          eqFilter(func(x *contact) string { return x.Phone }),
			"registrationNo": eqFilter(func(x *contact) string { return x.RegistrationNo }),
			"countryId":      eqFilter(func(x *contact) string { return x.CountryID }),
			"q": textFilter(func(x *contact) []string {
				return []string{x.Name, x.ContactNo, x.RegistrationNo, x.Phone, x.CityText}
			}),
		},
		sorts: map[string]func(a, b *contact) int{
			"name":        byString(func(x *contact) string { return x.Name }),
			"contactNo":   byNatural(func(x *contact) *string { return &x.ContactNo }),
			"createdTime": byString(func(x *contact) string { return x.CreatedTime }),
			"countryId":   byString(func(x *contact) string { return x.CountryID }),
		},
	}
}

func personListSpec(c *call) listSpec[*contactPerson] {
	return listSpec[*contactPerson]{
		required: []string{"contactId"},
		filters: map[string]filter[*contactPerson]{
			"contactId": eqFilter(func(x *contactPerson) string { return x.ContactID }),
			"isPrimary": boolFilter(func(x *contactPerson) bool { return x.IsPrimary }),
			"email":     eqFilter(func(x *contactPerson) string { return x.Email }),
		},
		sorts: map[string]func(a, b *contactPerson) int{
			"name":        byString(func(x *contactPerson) string { return x.Name }),
			"createdTime": byString(func(x *contactPerson) string { return x.CreatedTime }),
		},
	}
}

// applyContact copies the fields present in the body onto rec.
func (o *orgState) applyContact(in input, rec *contact) {
	if s, ok := in.oneOf("type", "company", "person"); ok {
		rec.Type = s
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"name", &rec.Name}, {"street", &rec.Street}, {"cityText", &rec.CityText}, {"zipcodeText", &rec.ZipcodeText},
		{"stateText", &rec.StateText}, {"contactNo", &rec.ContactNo}, {"phone", &rec.Phone}, {"fax", &rec.Fax},
		{"registrationNo", &rec.RegistrationNo}, {"ean", &rec.EAN}, {"emailAttachmentDeliveryMode", &rec.EmailAttachmentDeliveryMode}} {
		if s, ok := in.str(f.key); ok {
			*f.dst = strings.TrimSpace(s)
		}
	}
	if s, ok := in.str("countryId"); ok {
		if _, known := countryByID(s); !known && s != "" {
			in.fail("countryId", msgUnknown)
		}
		rec.CountryID = s
	}
	if p, ok := in.optStr("currencyId"); ok {
		if p != nil {
			if _, known := currencyByID(*p); !known {
				in.fail("currencyId", msgUnknown)
			}
		}
		rec.CurrencyID = p
	}
	if s, ok := in.str("localeId"); ok {
		if _, known := localeByID(s); !known {
			in.fail("localeId", msgUnknown)
		}
		rec.LocaleID = s
	}
	for _, f := range []struct {
		key string
		dst *bool
	}{{"isCustomer", &rec.IsCustomer}, {"isSupplier", &rec.IsSupplier}, {"isArchived", &rec.IsArchived}, {"isSalesTaxExempt", &rec.IsSalesTaxExempt}} {
		if b, ok := in.boolean(f.key); ok {
			*f.dst = b
		}
	}
	if s, ok := in.oneOf("paymentTermsMode", termsNet, termsNetEndOfMonth, termsDate); ok {
		rec.PaymentTermsMode = s
	}
	if n, ok := in.integer("paymentTermsDays"); ok {
		rec.PaymentTermsDays = n
	}
	if strings.TrimSpace(rec.Name) == "" {
		in.fail("name", msgBlank)
	}
	if rec.CountryID == "" {
		in.fail("countryId", msgBlank)
	}
}

// personsFrom builds embedded contactPersons (not stored yet).
func (o *orgState) personsFrom(items []input, contactID, created string) []*contactPerson {
	out := make([]*contactPerson, 0, len(items))
	for _, it := range items {
		p := &contactPerson{ID: o.ids.next(), OrganizationID: o.org.ID, ContactID: contactID, CreatedTime: created}
		applyPerson(it, p)
		out = append(out, p)
	}
	return out
}

func applyPerson(in input, p *contactPerson) {
	if s, ok := in.str("name"); ok {
		p.Name = strings.TrimSpace(s)
	}
	if s, ok := in.str("email"); ok {
		p.Email = strings.TrimSpace(s)
		if p.Email != "" && !strings.Contains(p.Email, "@") {
			in.fail("email", "This is not a valid email address.")
		}
	}
	if b, ok := in.boolean("isPrimary"); ok {
		p.IsPrimary = b
	}
	if in.has("phone") {
		// Billy has no phone on a contact person; phone belongs to the
		// contact (§7.2), and Billy rejected it there.
		in.fail("phone", "Contact persons have no phone; set it on the contact.")
	}
	if p.Name == "" && p.Email == "" {
		in.fail("name", "A contact person needs a name or an email.")
	}
}

func (o *orgState) attachPersons(c *contact, persons []*contactPerson, ch *changes) {
	for _, p := range persons {
		o.contactPersons.add(p.ID, p)
		c.personIDs = append(c.personIDs, p.ID)
		ch.add("contactPersons", p.ID, p)
	}
}

func createContact(c *call) (*result, error) {
	o := c.org
	v := newValidation("contact", "The contact is invalid.")
	in := newInput(c.body, v)
	rec := &contact{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(c.now), Type: "company",
		LocaleID: o.org.LocaleID, PaymentTermsMode: o.org.PaymentTermsMode, PaymentTermsDays: o.org.PaymentTermsDays,
		EmailAttachmentDeliveryMode: "link", AccessCode: accessCode(o.ids)}
	o.applyContact(in, rec)
	// Guess: a contact that says neither is a customer, the common case.
	if !in.has("isCustomer") && !in.has("isSupplier") {
		rec.IsCustomer = true
	}
	// Guess: Billy numbers contacts when contactNo is left out.
	if rec.ContactNo == "" {
		rec.ContactNo = strconv.Itoa(o.nextContactNo)
	}
	var persons []*contactPerson
	if items, ok := in.list("contactPersons"); ok {
		persons = o.personsFrom(items, rec.ID, rec.CreatedTime)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	o.nextContactNo++
	ch := newChanges()
	o.contacts.add(rec.ID, rec)
	ch.add("contacts", rec.ID, rec)
	o.attachPersons(rec, persons, ch)
	return written(ch), nil
}

func updateContact(c *call) (*result, error) {
	o := c.org
	cur, ok := o.contacts.get(c.id)
	if !ok {
		return nil, errNotFound("contact", c.id)
	}
	v := newValidation("contact", "The contact is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": cur.ID, "organizationId": cur.OrganizationID})
	rec := *cur
	o.applyContact(in, &rec)
	items, replace := in.list("contactPersons")
	var persons []*contactPerson
	if replace {
		persons = o.personsFrom(items, rec.ID, fmtDatetime(c.now))
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	*cur = rec
	ch := newChanges()
	ch.add("contacts", cur.ID, cur)
	if replace {
		// An embedded array replaces the existing children (§3).
		for _, id := range cur.personIDs {
			o.contactPersons.remove(id)
			ch.del("contactPersons", id)
		}
		cur.personIDs = nil
		o.attachPersons(cur, persons, ch)
	}
	return written(ch), nil
}

// deleteContact deletes a contact and its persons. Guess: a contact with
// invoices cannot be deleted (its invoices must keep their contact); archive
// it instead. DELETE of an unknown ID is 200, as Billy's is idempotent.
func deleteContact(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	cur, ok := o.contacts.get(c.id)
	if !ok {
		return written(ch), nil
	}
	for _, inv := range o.invoices.byID {
		if inv.ContactID == cur.ID {
			return nil, errRule("The contact has invoices and cannot be deleted; archive it instead (isArchived: true).")
		}
	}
	o.contacts.remove(cur.ID)
	ch.del("contacts", cur.ID)
	for _, id := range cur.personIDs {
		o.contactPersons.remove(id)
		ch.del("contactPersons", id)
	}
	return written(ch), nil
}

func createPerson(c *call) (*result, error) {
	o := c.org
	v := newValidation("contactPerson", "The contact person is invalid.")
	in := newInput(c.body, v)
	contactID, _ := in.str("contactId")
	ct, ok := o.contacts.get(contactID)
	switch {
	case contactID == "":
		v.field("contactId", msgBlank)
	case !ok:
		v.field("contactId", msgUnknown)
	}
	p := &contactPerson{ID: o.ids.next(), OrganizationID: o.org.ID, ContactID: contactID, CreatedTime: fmtDatetime(c.now)}
	applyPerson(in, p)
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	o.attachPersons(ct, []*contactPerson{p}, ch)
	return written(ch), nil
}

func updatePerson(c *call) (*result, error) {
	o := c.org
	cur, ok := o.contactPersons.get(c.id)
	if !ok {
		return nil, errNotFound("contactPerson", c.id)
	}
	v := newValidation("contactPerson", "The contact person is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": cur.ID, "contactId": cur.ContactID, "organizationId": cur.OrganizationID})
	rec := *cur
	applyPerson(in, &rec)
	if err := v.err(); err != nil {
		return nil, err
	}
	*cur = rec
	ch := newChanges()
	ch.add("contactPersons", cur.ID, cur)
	return written(ch), nil
}

func deletePerson(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	cur, ok := o.contactPersons.get(c.id)
	if !ok {
		return written(ch), nil
	}
	o.contactPersons.remove(cur.ID)
	if ct, ok := o.contacts.get(cur.ContactID); ok {
		ct.personIDs = removeID(ct.personIDs, cur.ID)
	}
	ch.del("contactPersons", cur.ID)
	return written(ch), nil
}

// checkImmutable fails fields that are present with a different value:
// IDs and IMM fields can be sent back unchanged but never changed (§2.2).
func checkImmutable(in input, fields map[string]string) {
	for k, cur := range fields {
		if s, ok := in.str(k); ok && s != "" && s != cur {
			in.fail(k, msgImmut)
		}
	}
}

func removeID(ids []string, id string) []string {
	out := ids[:0]
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// accessCode is the customer-portal code Billy generates, 16 characters
// such as "Kkg81pyyp9kZmra9".
func accessCode(g *idGen) string {
	return strings.NewReplacer("-", "x", "_", "y").Replace(g.next()[:16])
}
