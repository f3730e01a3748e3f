package sandbox

import "slices"

// invoiceLines written one by one. Guess: only a draft's lines can change
// (§6.2). Each write also answers the parent invoice, whose amounts changed
// (§2.2).

func draftOf(o *orgState, invoiceID string) (*invoice, error) {
	inv, ok := o.invoices.get(invoiceID)
	if !ok {
		return nil, errNotFound("invoice", invoiceID)
	}
	if inv.State != stateDraft {
		return nil, errRule("The lines of an %s invoice cannot be changed.", inv.State)
	}
	return inv, nil
}

func createInvoiceLine(c *call) (*result, error) {
	o := c.org
	v := newValidation("invoiceLine", "The invoice line is invalid.")
	in := newInput(c.body, v)
	invoiceID, _ := in.str("invoiceId")
	if invoiceID == "" {
		v.field("invoiceId", msgBlank)
		return nil, v.err()
	}
	inv, ok := o.invoices.get(invoiceID)
	if !ok {
		v.field("invoiceId", msgUnknown)
		return nil, v.err()
	}
	if _, err := draftOf(o, invoiceID); err != nil {
		return nil, err
	}
	ct, _ := o.contacts.get(inv.ContactID)
	spec := lineSpecFrom(in)
	spec.key = ""
	lines := o.buildLines(inv, ct, []lineSpec{spec}, v)
	if v.ok() {
		o.checkTotals(inv, append(o.invoiceLines.pick(inv.lineIDs), lines[0]), v, "", "amount")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	l := lines[0]
	if p, ok := in.integer("priority"); ok {
		l.Priority = p
	} else {
		l.Priority = len(inv.lineIDs) + 1
	}
	ch := newChanges()
	o.invoiceLines.add(l.ID, l)
	inv.lineIDs = append(inv.lineIDs, l.ID)
	o.recomputeTotals(inv)
	ch.add("invoiceLines", l.ID, l)
	ch.add("invoices", inv.ID, inv)
	return written(ch), nil
}

func updateInvoiceLine(c *call) (*result, error) {
	o := c.org
	cur, ok := o.invoiceLines.get(c.id)
	if !ok {
		return nil, errNotFound("invoiceLine", c.id)
	}
	inv, err := draftOf(o, cur.InvoiceID)
	if err != nil {
		return nil, err
	}
	v := newValidation("invoiceLine", "The invoice line is invalid.")
	in := newInput(c.body, v)
	checkImmutable(in, map[string]string{"id": cur.ID, "invoiceId": cur.InvoiceID})
	// Rebuild the line from its current values overlaid with the body, so
	// the same validation and tax derivation apply.
	spec := lineSpec{ProductID: cur.ProductID, Description: &cur.Description, Unit: cur.Unit,
		Quantity: &cur.Quantity.v, UnitPrice: &cur.UnitPrice.v, DiscountText: cur.DiscountText,
		DiscountMode: cur.DiscountMode}
	if cur.DiscountValue != nil {
		spec.DiscountValue = &cur.DiscountValue.v
	}
	given := lineSpecFrom(in)
	if in.has("productId") {
		spec.ProductID = given.ProductID
	}
	if given.Description != nil {
		spec.Description = given.Description
	}
	if in.has("unit") {
		spec.Unit = given.Unit
	}
	if given.Quantity != nil {
		spec.Quantity = given.Quantity
	}
	if given.UnitPrice != nil {
		spec.UnitPrice = given.UnitPrice
	}
	if in.has("discountText") {
		spec.DiscountText = given.DiscountText
	}
	if in.has("discountMode") {
		spec.DiscountMode = given.DiscountMode
	}
	if in.has("discountValue") {
		spec.DiscountValue = given.DiscountValue
	}
	ct, _ := o.contacts.get(inv.ContactID)
	built := o.buildLines(inv, ct, []lineSpec{spec}, v)
	if v.ok() {
		all := o.invoiceLines.pick(inv.lineIDs)
		for i, l := range all {
			if l.ID == cur.ID {
				all[i] = built[0]
			}
		}
		o.checkTotals(inv, all, v, "", "amount")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	next := built[0]
	next.ID, next.Priority = cur.ID, cur.Priority
	if p, ok := in.integer("priority"); ok {
		next.Priority = p
	}
	*cur = *next
	o.recomputeTotals(inv)
	ch := newChanges()
	ch.add("invoiceLines", cur.ID, cur)
	ch.add("invoices", inv.ID, inv)
	return written(ch), nil
}

func deleteInvoiceLine(c *call) (*result, error) {
	o := c.org
	ch := newChanges()
	cur, ok := o.invoiceLines.get(c.id)
	if !ok {
		return written(ch), nil
	}
	inv, err := draftOf(o, cur.InvoiceID)
	if err != nil {
		return nil, err
	}
	if len(inv.lineIDs) == 1 {
		return nil, errRule("An invoice must have at least one line.")
	}
	o.invoiceLines.remove(cur.ID)
	inv.lineIDs = slices.DeleteFunc(inv.lineIDs, func(id string) bool { return id == cur.ID })
	o.recomputeTotals(inv)
	ch.del("invoiceLines", cur.ID)
	ch.add("invoices", inv.ID, inv)
	return written(ch), nil
}
