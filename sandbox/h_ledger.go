package sandbox

// transactions and postings: read-only, written by approvals and payments
// (billy-api.md §7.9).

func ledgerResources() []*resource {
	txOf := func(o *orgState) *table[*transaction] { return o.transactions }
	postingsOf := func(o *orgState) *table[*posting] { return o.postings }
	return []*resource{
		{
			plural: "transactions", singular: "transaction",
			list: listFrom("transactions", txOf, func(c *call) listSpec[*transaction] {
				// Billy ignores transactionNo and voucherNo here (§4.2), and
				// so does the sandbox.
				return listSpec[*transaction]{
					filters: map[string]filter[*transaction]{
						"originatorReference": eqFilter(func(x *transaction) string { return x.OriginatorReference }),
						"entryDate":           eqFilter(func(x *transaction) string { return x.EntryDate }),
						"minEntryDate":        minDate(func(x *transaction) string { return x.EntryDate }),
						"maxEntryDate":        maxDate(func(x *transaction) string { return x.EntryDate }),
						"isVoided":            boolFilter(func(x *transaction) bool { return x.IsVoided }),
					},
					sorts: map[string]func(a, b *transaction) int{
						"entryDate":     byString(func(x *transaction) string { return x.EntryDate }),
						"transactionNo": byInt(func(x *transaction) int { return x.TransactionNo }),
						"createdTime":   byString(func(x *transaction) string { return x.CreatedTime }),
					},
				}
			}),
			get:    getFrom("transaction", "transactions", txOf),
			lookup: lookupIn(txOf),
			relations: map[string]relation{
				"postings": hasMany("postings", func(c *call, id string) []string {
					if tx, ok := c.org.transactions.get(id); ok {
						return tx.postingIDs
					}
					return nil
				}),
			},
		},
		{
			plural: "postings", singular: "posting",
			list: listFrom("postings", postingsOf, func(c *call) listSpec[*posting] {
				return listSpec[*posting]{
					filters: map[string]filter[*posting]{
						"accountId":     eqFilter(func(x *posting) string { return x.AccountID }),
						"transactionId": eqFilter(func(x *posting) string { return x.TransactionID }),
						"minEntryDate":  minDate(func(x *posting) string { return x.EntryDate }),
						"maxEntryDate":  maxDate(func(x *posting) string { return x.EntryDate }),
						"isBankMatched": boolFilter(func(x *posting) bool { return x.IsBankMatched }),
						"isVoided":      boolFilter(func(x *posting) bool { return x.IsVoided }),
					},
					sorts: map[string]func(a, b *posting) int{
						"entryDate": byString(func(x *posting) string { return x.EntryDate }),
						"priority":  byInt(func(x *posting) int { return x.Priority }),
						"amount":    byNum(func(x *posting) number { return x.Amount }),
					},
				}
			}),
			get:    getFrom("posting", "postings", postingsOf),
			lookup: lookupIn(postingsOf),
			relations: map[string]relation{
				"transaction": belongsTo("transactions"),
				"account":     belongsTo("accounts"),
			},
		},
	}
}
