package sandbox

// bankPayments and balanceModifiers (billy-api.md §7.6, §10 item 8).

func paymentResources() []*resource {
	paymentsOf := func(o *orgState) *table[*bankPayment] { return o.bankPayments }
	modifiersOf := func(o *orgState) *table[*balanceModifier] { return o.balanceModifiers }
	return []*resource{
		{
			// DELETE answers 405 (seen live): cancel with PUT isVoided.
			plural: "bankPayments", singular: "bankPayment",
			list: listFrom("bankPayments", paymentsOf, func(c *call) listSpec[*bankPayment] {
				return listSpec[*bankPayment]{
					filters: map[string]filter[*bankPayment]{
						"contactId":       eqPtrFilter(func(x *bankPayment) *string { return x.ContactID }),
						"cashAccountId":   eqFilter(func(x *bankPayment) string { return x.CashAccountID }),
						"isVoided":        boolFilter(func(x *bankPayment) bool { return x.IsVoided }),
						"minEntryDate":    minDate(func(x *bankPayment) string { return x.EntryDate }),
						"maxEntryDate":    maxDate(func(x *bankPayment) string { return x.EntryDate }),
						"entryDatePeriod": periodFilter(c.org.org.FiscalYearEndMonth, func(x *bankPayment) string { return x.EntryDate }),
					},
					sorts: map[string]func(a, b *bankPayment) int{
						"entryDate":   byString(func(x *bankPayment) string { return x.EntryDate }),
						"createdTime": byString(func(x *bankPayment) string { return x.CreatedTime }),
						"cashAmount":  byNum(func(x *bankPayment) number { return x.CashAmount }),
					},
				}
			}),
			get:    getFrom("bankPayment", "bankPayments", paymentsOf),
			create: createBankPayment,
			update: updateBankPayment,
			lookup: lookupIn(paymentsOf),
			relations: map[string]relation{
				"contact":     belongsTo("contacts"),
				"cashAccount": belongsTo("accounts"),
				"feeAccount":  belongsTo("accounts"),
				"associations": hasMany("balanceModifiers", func(c *call, id string) []string {
					if bp, ok := c.org.bankPayments.get(id); ok {
						return bp.modifierIDs
					}
					return nil
				}),
			},
		},
		{
			// Read-only in practice (§6.2).
			plural: "balanceModifiers", singular: "balanceModifier",
			list: listFrom("balanceModifiers", modifiersOf, func(c *call) listSpec[*balanceModifier] {
				return listSpec[*balanceModifier]{filters: map[string]filter[*balanceModifier]{
					"modifierReference": eqFilter(func(x *balanceModifier) string { return x.ModifierReference }),
					"subjectReference":  eqFilter(func(x *balanceModifier) string { return x.SubjectReference }),
					"isVoided":          boolFilter(func(x *balanceModifier) bool { return x.IsVoided }),
				}}
			}),
			get:    getFrom("balanceModifier", "balanceModifiers", modifiersOf),
			lookup: lookupIn(modifiersOf),
		},
	}
}

func createBankPayment(c *call) (*result, error) {
	v := newValidation("bankPayment", "The bank payment is invalid.")
	in := newInput(c.body, v)
	var s paymentSpec
	s.EntryDate, _ = in.date("entryDate")
	s.CashAmount, _ = in.num("cashAmount")
	s.CashSide, _ = in.str("cashSide")
	s.CashAccountID, _ = in.str("cashAccountId")
	s.CashExchangeRate, _ = in.rate("cashExchangeRate")
	s.FeeAmount, _ = in.num("feeAmount")
	s.FeeAccountID, _ = in.str("feeAccountId")
	items, _ := in.list("associations")
	for _, it := range items {
		ref, _ := it.str("subjectReference")
		if ref == "" {
			it.fail("subjectReference", msgBlank)
		}
		s.Subjects = append(s.Subjects, ref)
		s.subjectKeys = append(s.subjectKeys, it.key)
	}
	ch := newChanges()
	if _, err := c.org.createBankPayment(s, v, c.now, ch); err != nil {
		return nil, err
	}
	return written(ch), nil
}

// updateBankPayment accepts only isVoided: true; every other field is
// immutable and voiding cannot be undone (§7.6).
func updateBankPayment(c *call) (*result, error) {
	o := c.org
	bp, ok := o.bankPayments.get(c.id)
	if !ok {
		return nil, errNotFound("bankPayment", c.id)
	}
	v := newValidation("bankPayment", "The bank payment is invalid.")
	in := newInput(c.body, v)
	current, _ := toMap(bp)
	for k := range in.raw {
		if k == "isVoided" || k == "_clientId" || k == "associations" {
			continue
		}
		var cur any = current[k]
		if !sameJSON(in.raw[k], cur) {
			v.field(k, msgImmut)
		}
	}
	voided, has := in.boolean("isVoided")
	if has && !voided && bp.IsVoided {
		v.field("isVoided", "A voided payment cannot be restored.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	ch.add("bankPayments", bp.ID, bp)
	if voided {
		o.voidBankPayment(bp, c.now, ch)
	}
	return written(ch), nil
}
