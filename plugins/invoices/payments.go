package invoices

import (
	"context"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// In Billy an invoice is paid by a bank payment (bankPayments) whose
// associations name the invoices it settles; Billy then lowers their
// balance and sets isPaid (billy-api.md §7.6). There is no "paid" state,
// which is what v1's mark_invoice_paid tried to set.
//
// Two currencies meet in a payment: the invoices' (what is settled) and the
// bank account's (what arrives). Billy reads cashAmount in the account's
// currency and cashExchangeRate as account-currency units per invoice-
// currency unit, so the tools take the amount in the invoices' currency, as
// a user thinks of it ("the 1.195,31 EUR invoice was paid"), and convert:
// cashAmount = amount × rate, rounded to the account currency's minor unit.
// The rate is the one given (what the bank used) or Billy's current rate;
// an account in the invoices' own currency needs none.

// Payment is a bank payment as the tools show it.
type Payment struct {
	ID               string        `json:"id"`
	EntryDate        string        `json:"entryDate" jsonschema:"payment date, YYYY-MM-DD"`
	Direction        string        `json:"direction" jsonschema:"in (customer paid an invoice) or out (refund of a credit note)"`
	CashAmount       Number        `json:"cashAmount" jsonschema:"on the bank account, in cashCurrency"`
	CashCurrency     string        `json:"cashCurrency" jsonschema:"the bank account's currency"`
	CashAccountID    string        `json:"cashAccountId"`
	Amount           Number        `json:"amount" jsonschema:"what it settled, in currency"`
	Currency         string        `json:"currency" jsonschema:"currency of the invoices it settles"`
	CashExchangeRate Number        `json:"cashExchangeRate,omitempty" jsonschema:"cashCurrency units per unit of currency, when they differ"`
	FeeAmount        Number        `json:"feeAmount,omitempty" jsonschema:"bank fee, in cashCurrency"`
	ContactID        string        `json:"contactId,omitempty"`
	IsVoided         bool          `json:"isVoided"`
	Invoices         []PaymentPart `json:"invoices" jsonschema:"what it settled"`
}

// PaymentPart is the share of a payment that settled one invoice.
type PaymentPart struct {
	InvoiceID string `json:"invoiceId"`
	Amount    Number `json:"amount" jsonschema:"settled, in the invoice's currency"`
	IsVoided  bool   `json:"isVoided,omitempty"`
}

// paymentOf shows a bank payment; cashCur is its bank account's currency.
func paymentOf(bp billyBankPayment, cashCur string) Payment {
	out := Payment{ID: bp.ID, EntryDate: bp.EntryDate, Direction: "in", CashAmount: numberOf(bp.CashAmount), CashCurrency: cashCur,
		CashAccountID: bp.CashAccountID, Currency: bp.SubjectCurrencyID, FeeAmount: numberOf(bp.FeeAmount), ContactID: bp.ContactID,
		IsVoided: bp.IsVoided, Invoices: []PaymentPart{}}
	if bp.CashSide == "credit" {
		out.Direction = "out"
	}
	if !bp.CashExchangeRate.IsZero() && !bp.CashExchangeRate.Equal(decOne) {
		out.CashExchangeRate = numberOf(bp.CashExchangeRate)
	}
	settled := decimal.Zero
	for _, a := range bp.Associations {
		if typ, id := splitRef(a.SubjectReference); typ == "invoice" {
			out.Invoices = append(out.Invoices, PaymentPart{InvoiceID: id, Amount: numberOf(a.Amount.Abs()), IsVoided: a.IsVoided})
			if !a.IsVoided || bp.IsVoided {
				settled = settled.Add(a.Amount.Abs())
			}
		}
	}
	out.Amount = numberOf(settled)
	return out
}

// cashCurrencies returns each payment's bank-account currency. A payment
// at rate 1 is in its invoices' currency; only for the others are the
// accounts read, once.
func cashCurrencies(ctx context.Context, call *sdk.Call, bps []billyBankPayment) (func(billyBankPayment) string, error) {
	need := slices.ContainsFunc(bps, func(bp billyBankPayment) bool {
		return !bp.CashExchangeRate.IsZero() && !bp.CashExchangeRate.Equal(decOne)
	})
	byAccount := map[string]string{}
	if need {
		env, err := listPage(ctx, call, "/accounts", url.Values{"isBankAccount": {"true"}}, 1, 1000)
		if err != nil {
			return nil, err
		}
		var accts []billyAccount
		if err := env.decodeRoot("accounts", &accts); err != nil {
			return nil, err
		}
		base := ""
		for _, a := range accts {
			cur := a.CurrencyID
			if cur == "" {
				if base == "" {
					if base, err = baseCurrency(ctx, call); err != nil {
						return nil, err
					}
				}
				cur = base
			}
			byAccount[a.ID] = cur
		}
	}
	return func(bp billyBankPayment) string {
		if cur, ok := byAccount[bp.CashAccountID]; ok {
			return cur
		}
		return bp.SubjectCurrencyID
	}, nil
}

const paymentIncludes = "bankPayment.associations:embed"

// ---- record_payment and mark_invoice_paid ----

// paymentArgs is what both payment tools need, aliases resolved.
type paymentArgs struct {
	InvoiceIDs       []string `json:"invoiceIds"`
	PaymentDate      string   `json:"paymentDate"`
	Amount           *Number  `json:"amount"`
	CashAccountID    string   `json:"cashAccountId"`
	FeeAmount        *Number  `json:"feeAmount"`
	CashExchangeRate *Number  `json:"cashExchangeRate"`
}

// bankPaymentBody is a bankPayment as Billy takes it.
type bankPaymentBody struct {
	EntryDate        string            `json:"entryDate"`
	CashAmount       Exact             `json:"cashAmount"`
	CashSide         string            `json:"cashSide"`
	CashAccountID    string            `json:"cashAccountId"`
	CashExchangeRate *Exact            `json:"cashExchangeRate,omitempty"`
	FeeAmount        *Exact            `json:"feeAmount,omitempty"`
	Associations     []associationBody `json:"associations"`
}

type associationBody struct {
	SubjectReference string `json:"subjectReference"`
}

// PaymentRecorded is the result of a payment tool: the payment and the
// invoices it settled, as Billy now has them.
type PaymentRecorded struct {
	Payment  Payment          `json:"payment"`
	Invoices []InvoiceSummary `json:"invoices"`
}

func (a paymentArgs) validate() error {
	if a.PaymentDate == "" {
		return sdk.Invalid("paymentDate", "is required: the date the money arrived, YYYY-MM-DD")
	}
	if err := firstErr(checkDate("paymentDate", a.PaymentDate), checkOptionalID("cashAccountId", a.CashAccountID)); err != nil {
		return err
	}
	if len(a.InvoiceIDs) == 0 {
		return sdk.Invalid("invoiceIds", "at least one invoice is required")
	}
	if len(a.InvoiceIDs) > 50 {
		return sdk.Invalid("invoiceIds", "at most 50 invoices per payment, got %d", len(a.InvoiceIDs))
	}
	for i, id := range a.InvoiceIDs {
		if err := checkID(fmt.Sprintf("invoiceIds[%d]", i), id); err != nil {
			return err
		}
		if slices.Index(a.InvoiceIDs, id) != i {
			return sdk.Invalid(fmt.Sprintf("invoiceIds[%d]", i), "%s is listed twice", id)
		}
	}
	if a.Amount != nil {
		// Its decimals are checked against the invoices' currency once the
		// invoices are read.
		if d := a.Amount.Dec(); !d.IsPositive() || d.GreaterThanOrEqual(maxAmount) {
			return sdk.Invalid("amount", "must be greater than 0 and below 1.000.000.000.000, got %s", plain(d))
		}
	}
	if a.FeeAmount != nil {
		if err := checkAmount("feeAmount", a.FeeAmount.Dec(), "", false); err != nil {
			return err
		}
	}
	if a.CashExchangeRate != nil {
		r := a.CashExchangeRate.Dec()
		if !r.IsPositive() || r.GreaterThanOrEqual(decimal.New(1, 6)) || !hasPlaces(r, ratePlaces) {
			return sdk.Invalid("cashExchangeRate", "must be a positive rate with at most %d decimals, got %s", ratePlaces, plain(r))
		}
	}
	return nil
}

// planPayment reads the invoices and the cash account and plans the
// bankPayment. Money in (cashSide debit) pays invoices; money out (credit)
// refunds credit notes; Billy wants one currency per payment.
func (p *plugin) planPayment(ctx context.Context, call *sdk.Call, a paymentArgs) (*plan, error) {
	invs := make([]billyInvoice, 0, len(a.InvoiceIDs))
	for _, id := range a.InvoiceIDs {
		inv, err := readInvoice(ctx, call, id)
		if err != nil {
			return nil, err
		}
		if inv.State != "approved" {
			return nil, sdk.NewError(sdk.CategoryConflict, "invoice_not_approved",
				"%s %s is %s; only approved invoices can be paid (approve it first)", kindWord(inv), displayNo(inv), inv.State)
		}
		if len(invs) > 0 && inv.Type != invs[0].Type {
			return nil, sdk.Invalid("invoiceIds", "mixes invoices and credit notes; a payment either receives money for invoices or refunds credit notes")
		}
		if len(invs) > 0 && inv.CurrencyID != invs[0].CurrencyID {
			return nil, sdk.Invalid("invoiceIds", "mixes currencies (%s and %s); Billy settles one currency per payment", invs[0].CurrencyID, inv.CurrencyID)
		}
		if inv.IsPaid || !inv.Balance.IsPositive() {
			return nil, sdk.NewError(sdk.CategoryConflict, "invoice_already_paid",
				"%s %s is already settled (balance %s); nothing is owed", kindWord(inv), displayNo(inv), money(inv.Balance, inv.CurrencyID))
		}
		invs = append(invs, inv)
	}
	cur := invs[0].CurrencyID
	owed := decimal.Zero
	for _, inv := range invs {
		owed = owed.Add(inv.Balance)
	}
	amount := owed
	if a.Amount != nil {
		amount = a.Amount.Dec()
		if err := checkAmount("amount", amount, cur, true); err != nil {
			return nil, err
		}
	}
	acct, acctCur, err := p.cashAccount(ctx, call, a.CashAccountID, cur)
	if err != nil {
		return nil, err
	}
	rate, rateSource, err := paymentRate(ctx, call, cur, acctCur, a.CashExchangeRate, acct)
	if err != nil {
		return nil, err
	}
	fee := decimal.Zero
	if a.FeeAmount != nil {
		fee = a.FeeAmount.Dec()
		if err := checkAmount("feeAmount", fee, acctCur, false); err != nil {
			return nil, err
		}
	}

	side, verb, noun, full, part := "debit", "received", "payment", "paid in full", "partly paid"
	refund := invs[0].Type == "creditNote"
	if refund {
		side, verb, noun, full, part = "credit", "paid out", "refund", "refunded in full", "partly refunded"
	}
	// What crosses the bank account: the settled amount in its currency,
	// less the fee the bank keeps (money in) or plus the fee it charges
	// (money out); Billy settles the invoices gross of the fee (§7.6).
	converted := roundAmount(amount.Mul(rate), acctCur)
	cash := converted.Sub(fee)
	if refund {
		cash = converted.Add(fee)
	}
	if !cash.IsPositive() {
		return nil, sdk.Invalid("feeAmount", "the fee (%s) takes all of the %s; nothing would reach the bank account", money(fee, acctCur), money(converted, acctCur))
	}
	body := bankPaymentBody{EntryDate: a.PaymentDate, CashAmount: exact(cash), CashSide: side, CashAccountID: acct.ID}
	if acctCur != cur {
		body.CashExchangeRate = exactPtr(rate)
	}
	if fee.IsPositive() {
		body.FeeAmount = exactPtr(fee)
	}

	bank := fmt.Sprintf("%d %s (%s)", acct.AccountNo, acct.Name, acctCur)
	changes := []string{fmt.Sprintf("a bank payment: %s %s on %s, account %s", money(cash, acctCur), verb, dkfmt.DateISO(a.PaymentDate), bank)}
	if acctCur != cur {
		changes = append(changes, fmt.Sprintf("it settles %s at %s %s per %s (%s): %s", money(amount, cur),
			danishDecimal(rate, 2), acctCur, cur, rateSource, money(converted, acctCur)))
	}
	if fee.IsPositive() {
		changes = append(changes, fmt.Sprintf("bank fee %s, booked as an expense; the %s settle %s all the same", money(fee, acctCur), kindWord(invs[0])+"s", money(amount, cur)))
	}
	current := make([]InvoiceSummary, 0, len(invs))
	today := p.today()
	left := amount
	for _, inv := range invs {
		body.Associations = append(body.Associations, associationBody{SubjectReference: "invoice:" + inv.ID})
		current = append(current, summaryOf(inv, "", today))
		settle := decimal.Min(left, inv.Balance)
		left = left.Sub(settle)
		after := inv.Balance.Sub(settle)
		status := full
		if after.IsPositive() {
			status = part
		}
		changes = append(changes, fmt.Sprintf("%s %s: balance %s → %s (%s)", kindWord(inv), displayNo(inv),
			money(inv.Balance, cur), money(after, cur), status))
	}
	if left.IsPositive() {
		changes = append(changes, fmt.Sprintf("%s more than is owed; Billy keeps the excess as the customer's balance", money(left, cur)))
	}
	ids := make([]string, len(invs))
	for i, inv := range invs {
		ids[i] = displayNo(inv)
	}
	action := fmt.Sprintf("Record a %s of %s on %s for %s %s", noun, money(cash, acctCur), dkfmt.DateISO(a.PaymentDate), kindWord(invs[0]), strings.Join(ids, ", "))
	if acctCur != cur {
		action += fmt.Sprintf(", settling %s", money(amount, cur))
	}
	return &plan{
		requests: []BillyCall{{Method: "POST", Path: "/bankPayments", Body: map[string]any{"bankPayment": body}}},
		preview: Preview{
			Action: action, Current: current, Changes: changes,
			Undo: "A bank payment cannot be deleted; it can only be voided in Billy, which restores the balance.",
		},
	}, nil
}

// paymentRate is how many units of the bank account's currency one unit of
// the invoices' currency is worth: 1 in the same currency (a rate given
// then is a mistake), the rate given, or Billy's current rate from its
// currency table (base-currency units per unit), crossed through the base
// currency when neither side is it.
func paymentRate(ctx context.Context, call *sdk.Call, cur, acctCur string, given *Number, acct billyAccount) (decimal.Decimal, string, error) {
	if acctCur == cur {
		if given != nil && !given.Dec().Equal(decOne) {
			return decimal.Zero, "", sdk.Invalid("cashExchangeRate", "the bank account %d %s is in %s like the invoices, so no exchange rate applies; leave cashExchangeRate out",
				acct.AccountNo, acct.Name, cur)
		}
		return decOne, "", nil
	}
	if given != nil {
		return given.Dec(), "the rate given", nil
	}
	base, err := baseCurrency(ctx, call)
	if err != nil {
		return decimal.Zero, "", err
	}
	perUnit := func(c string) (decimal.Decimal, error) {
		if c == base {
			return decOne, nil
		}
		var bc billyCurrency
		if _, err := getOne(ctx, call, kind{"currencies", "currency", "currency", "currencyId", "currency"}, c, nil, &bc); err != nil {
			return decimal.Zero, err
		}
		if !bc.ExchangeRate.IsPositive() {
			return decimal.Zero, sdk.Invalid("cashExchangeRate", "is required: Billy has no exchange rate for %s; give how many %s one %s was worth", c, acctCur, cur)
		}
		return bc.ExchangeRate, nil
	}
	from, err := perUnit(cur)
	if err != nil {
		return decimal.Zero, "", err
	}
	to, err := perUnit(acctCur)
	if err != nil {
		return decimal.Zero, "", err
	}
	return divRound(from, to, ratePlaces), "Billy's current rate; give cashExchangeRate for the rate the bank used", nil
}

// cashAccount resolves the bank account and its currency: the one given,
// else the organization's default invoice bank account, else the first
// payment-enabled bank account in the invoices' currency. An account
// without a currency is in the organization's base currency.
func (p *plugin) cashAccount(ctx context.Context, call *sdk.Call, id, cur string) (billyAccount, string, error) {
	var acct billyAccount
	var org *billyOrganization
	if id == "" {
		o, err := readOrganization(ctx, call)
		if err != nil {
			return acct, "", err
		}
		org, id = &o, o.DefaultInvoiceBankAccountID
	}
	currencyOf := func(a billyAccount) (string, error) {
		if a.CurrencyID != "" {
			return a.CurrencyID, nil
		}
		if org != nil && org.BaseCurrencyID != "" {
			return org.BaseCurrencyID, nil
		}
		return baseCurrency(ctx, call)
	}
	if id != "" {
		if _, err := getOne(ctx, call, kindAccount, id, nil, &acct); err != nil {
			return acct, "", err
		}
		if !acct.IsPaymentEnabled {
			return acct, "", sdk.Invalid("cashAccountId", "account %d %s does not accept payments in Billy; list_accounts with bankAccountsOnly shows the ones that do", acct.AccountNo, acct.Name)
		}
		c, err := currencyOf(acct)
		return acct, c, err
	}
	env, err := listPage(ctx, call, "/accounts", url.Values{"isBankAccount": {"true"}}, 1, 100)
	if err != nil {
		return acct, "", err
	}
	var accts []billyAccount
	if err := env.decodeRoot("accounts", &accts); err != nil {
		return acct, "", err
	}
	for _, a := range accts {
		if !a.IsPaymentEnabled || a.IsArchived {
			continue
		}
		if c, err := currencyOf(a); err == nil && c == cur {
			return a, c, nil
		}
	}
	return acct, "", sdk.Invalid("cashAccountId", "is required: the organization has no default bank account for invoices and no payment-enabled bank account in %s; list_accounts shows the accounts", cur)
}

func (p *plugin) runPayment(ctx context.Context, call *sdk.Call, tool string, a paymentArgs, c Confirmable) (WriteResult[PaymentRecorded], error) {
	if err := a.validate(); err != nil {
		return WriteResult[PaymentRecorded]{}, err
	}
	return runWrite(ctx, p, call, writeSpec[PaymentRecorded]{
		tool: tool, effect: sdk.Destructive, dryRun: c.DryRun, token: c.ConfirmationToken, args: a,
		plan: func(ctx context.Context) (*plan, error) { return p.planPayment(ctx, call, a) },
		readBack: func(ctx context.Context, answers []*envelope) (*PaymentRecorded, error) {
			id, err := answers[0].createdID("bankPayments", nil)
			if err != nil {
				return nil, err
			}
			var bp billyBankPayment
			if _, err := getOne(ctx, call, kindBankPayment, id, url.Values{"include": {paymentIncludes}}, &bp); err != nil {
				return nil, err
			}
			cashCur, err := cashCurrencies(ctx, call, []billyBankPayment{bp})
			if err != nil {
				return nil, err
			}
			out := &PaymentRecorded{Payment: paymentOf(bp, cashCur(bp)), Invoices: []InvoiceSummary{}}
			today := p.today()
			for _, invID := range a.InvoiceIDs {
				inv, err := readInvoice(ctx, call, invID)
				if err != nil {
					return nil, err
				}
				out.Invoices = append(out.Invoices, summaryOf(inv, "", today))
			}
			return out, nil
		},
	})
}

// MarkInvoicePaidInput records a payment of one invoice (v1's tool).
type MarkInvoicePaidInput struct {
	InvoiceID        string  `json:"invoiceId"`
	PaymentDate      string  `json:"paymentDate,omitempty" jsonschema:"required"`
	PaidDate         string  `json:"paidDate,omitempty" jsonschema:"alias of paymentDate"`
	Amount           *Number `json:"amount,omitempty" jsonschema:"invoice currency; default the balance"`
	AmountPaid       *Number `json:"amountPaid,omitempty" jsonschema:"alias of amount"`
	CashAccountID    string  `json:"cashAccountId,omitempty" jsonschema:"bank account; default the invoice one"`
	FeeAmount        *Number `json:"feeAmount,omitempty" jsonschema:"bank fee, in the account's currency"`
	CashExchangeRate *Number `json:"cashExchangeRate,omitempty" jsonschema:"account currency per invoice currency unit; default Billy's"`
	Confirmable
}

func (p *plugin) markInvoicePaidTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "mark_invoice_paid",
		Title: "Register an invoice payment",
		Description: "Records a bank payment of one approved invoice, in full or in part. For one payment covering several invoices use record_payment. " +
			"It cannot be undone, only voided in Billy." + confirmNote,
		Category: "invoices",
		Scopes:   []string{"payments:approve"},
		Examples: []sdk.Example{{Title: "Paid in full", Arguments: MarkInvoicePaidInput{InvoiceID: "GJj2Kr8vQ3mmuWn30VT5lw", PaymentDate: "2025-04-02"}}},
	}), func(ctx context.Context, call *sdk.Call, in MarkInvoicePaidInput) (WriteResult[PaymentRecorded], error) {
		date, err := alias("paymentDate", in.PaymentDate, "paidDate", in.PaidDate)
		if err != nil {
			return WriteResult[PaymentRecorded]{}, err
		}
		amount, err := aliasPtr("amount", in.Amount, "amountPaid", in.AmountPaid)
		if err != nil {
			return WriteResult[PaymentRecorded]{}, err
		}
		if err := checkID("invoiceId", in.InvoiceID); err != nil {
			return WriteResult[PaymentRecorded]{}, err
		}
		return p.runPayment(ctx, call, "mark_invoice_paid", paymentArgs{InvoiceIDs: []string{in.InvoiceID}, PaymentDate: date, Amount: amount,
			CashAccountID: in.CashAccountID, FeeAmount: in.FeeAmount, CashExchangeRate: in.CashExchangeRate}, in.Confirmable)
	})
}

// RecordPaymentInput records one bank payment settling one or more
// invoices, or refunding credit notes.
type RecordPaymentInput struct {
	InvoiceIDs       []string `json:"invoiceIds" jsonschema:"settled in this order"`
	PaymentDate      string   `json:"paymentDate"`
	Amount           *Number  `json:"amount,omitempty" jsonschema:"invoice currency; default all owed"`
	CashAccountID    string   `json:"cashAccountId,omitempty" jsonschema:"bank account; default the invoice one"`
	FeeAmount        *Number  `json:"feeAmount,omitempty" jsonschema:"bank fee, in the account's currency"`
	CashExchangeRate *Number  `json:"cashExchangeRate,omitempty" jsonschema:"account currency per invoice currency unit; default Billy's"`
	Confirmable
}

func (p *plugin) recordPaymentTool() sdk.Tool {
	return sdk.NewTool(destructiveSpec(sdk.ToolSpec{
		Name:  "record_payment",
		Title: "Record a bank payment",
		Description: "Records one bank payment that settles approved invoices of one currency, or refunds credit notes. " +
			"It cannot be undone, only voided in Billy." + confirmNote,
		Category: "payments",
		Scopes:   []string{"payments:approve"},
		Examples: []sdk.Example{{Title: "One transfer for two invoices", Arguments: RecordPaymentInput{
			InvoiceIDs: []string{"GJj2Kr8vQ3mmuWn30VT5lw", "PGKzNtzARISFRfQy0KkoLQ"}, PaymentDate: "2025-04-02", Amount: ptr(Number(15625))}}},
	}), func(ctx context.Context, call *sdk.Call, in RecordPaymentInput) (WriteResult[PaymentRecorded], error) {
		return p.runPayment(ctx, call, "record_payment", paymentArgs{InvoiceIDs: in.InvoiceIDs, PaymentDate: in.PaymentDate, Amount: in.Amount,
			CashAccountID: in.CashAccountID, FeeAmount: in.FeeAmount, CashExchangeRate: in.CashExchangeRate}, in.Confirmable)
	})
}
