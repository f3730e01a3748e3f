package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// StatementInput names a bank statement file and how to read it.
type StatementInput struct {
	FileSource
	Profile  string   `json:"profile,omitempty" jsonschema:"the export's format when detection fails: danske_bank, danske_bank_6, nordea, jyske_bank, nykredit, sydbank, sydbank_underkategori, sydbank_saldo, lunar, lunar_legacy, bec, portalbank or camt053; default: detected"`
	Mapping  *Mapping `json:"mapping,omitempty" jsonschema:"generic column mapping, for an export no profile knows"`
	Currency string   `json:"currency,omitempty" jsonschema:"the account's currency for CSV files without one; default DKK"`
}

// MatchReport is the dry-run report of a statement against the open
// invoices.
type MatchReport struct {
	File      FileInfo  `json:"file"`
	Statement Statement `json:"statement"`
	Summary   Summary   `json:"summary"`
	Matched   []Match   `json:"matched"`
	Ambiguous []Match   `json:"ambiguous"`
	Unmatched []Match   `json:"unmatched"`
	Recorded  []Match   `json:"already_recorded" jsonschema:"lines recorded as payments by an earlier import"`
	Truncated bool      `json:"truncated,omitempty" jsonschema:"the lists were cut at 200 entries each; the summary counts all"`
	Next      string    `json:"next"`
}

// FileInfo says which file was read.
type FileInfo struct {
	Name   string `json:"name,omitempty"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// Summary counts the outcome.
type Summary struct {
	Lines          int    `json:"lines" jsonschema:"booked lines read"`
	Held           int    `json:"held" jsonschema:"pending or duplicate lines left out"`
	Matched        int    `json:"matched"`
	MatchedAmount  string `json:"matched_amount"`
	Ambiguous      int    `json:"ambiguous"`
	Unmatched      int    `json:"unmatched"`
	AlreadyDone    int    `json:"already_recorded"`
	OpenInvoices   int    `json:"open_invoices" jsonschema:"approved unpaid invoices considered"`
	StatementLines string `json:"text" jsonschema:"the outcome in one Danish sentence"`
}

const listCap = 200

// bankRun is a statement read and matched.
type bankRun struct {
	file    *loadedFile
	st      *Statement
	invs    []openInvoice
	matches []Match
	done    map[string]recordedLine
}

func (p *plugin) runBank(ctx context.Context, call *sdk.Call, in StatementInput) (*bankRun, error) {
	f, err := in.FileSource.load(ctx, call, &p.cfg, p.cfg.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	if in.Profile != "" && in.Mapping != nil {
		return nil, sdk.Invalid("profile", "give profile or mapping, not both")
	}
	cur := strings.ToUpper(in.Currency)
	if cur != "" && (len(cur) != 3 || !isUpperAlpha(cur)) {
		return nil, sdk.Invalid("currency", "must be an ISO currency code such as DKK, got %q", in.Currency)
	}
	st, err := parseStatement(f.data, parseOptions{profile: in.Profile, mapping: in.Mapping, currency: cur})
	if err != nil {
		return nil, refusal(err)
	}
	invs, err := readOpenInvoices(ctx, call)
	if err != nil {
		return nil, err
	}
	run := &bankRun{file: f, st: st, invs: invs, done: map[string]recordedLine{}}
	var fresh []BankLine
	for _, l := range st.Lines {
		if r, ok := p.ledger.get(call.Caller.OrganizationID, l.Key); ok {
			run.done[l.Key] = r
			continue
		}
		fresh = append(fresh, l)
	}
	run.matches = matchLines(fresh, invs)
	return run, nil
}

// refusal turns a file error into the error model: the whole file is
// refused, naming the line and the reason.
func refusal(err error) error {
	var fe *fileError
	if !errors.As(err, &fe) {
		return err
	}
	e := sdk.NewError(sdk.CategoryValidation, "bank_file_refused", "the file was refused whole and nothing was imported: %s", fe.Error())
	e.Fields = []sdk.FieldError{{Field: "file", Message: fe.Reason}}
	return e
}

func (p *plugin) report(run *bankRun) MatchReport {
	r := MatchReport{File: FileInfo{Name: run.file.name, Size: len(run.file.data), SHA256: run.file.sha256}, Statement: *run.st,
		Matched: []Match{}, Ambiguous: []Match{}, Unmatched: []Match{}, Recorded: []Match{}}
	r.Statement.Lines = nil // the lines are in the lists below
	total := decimal.Zero
	add := func(list *[]Match, m Match) {
		if len(*list) < listCap {
			*list = append(*list, m)
		} else {
			r.Truncated = true
		}
	}
	for _, m := range run.matches {
		switch m.Status {
		case matched:
			r.Summary.Matched++
			total = total.Add(decimal.RequireFromString(m.Amount))
			add(&r.Matched, m)
		case ambiguous:
			r.Summary.Ambiguous++
			add(&r.Ambiguous, m)
		default:
			r.Summary.Unmatched++
			add(&r.Unmatched, m)
		}
	}
	for _, l := range run.st.Lines {
		if d, ok := run.done[l.Key]; ok {
			r.Summary.AlreadyDone++
			add(&r.Recorded, Match{Key: l.Key, Line: l.Line, Date: l.Date, Amount: l.Amount, Currency: l.Currency, Text: l.Text,
				Status: "recorded", Reason: fmt.Sprintf("recorded as payment %s of invoice %s on %s", d.PaymentID, d.InvoiceID, d.At)})
		}
	}
	r.Summary.Lines, r.Summary.Held, r.Summary.OpenInvoices = len(run.st.Lines), len(run.st.Held), len(run.invs)
	r.Summary.MatchedAmount = total.StringFixed(2)
	r.Summary.StatementLines = fmt.Sprintf("%d linjer læst: %d matchet (%s %s), %d tvetydige, %d uden match, %d allerede bogført.",
		len(run.st.Lines), r.Summary.Matched, dkfmt.Amount(total), run.st.Currency, r.Summary.Ambiguous, r.Summary.Unmatched, r.Summary.AlreadyDone)
	switch {
	case r.Summary.Matched > 0:
		r.Next = "nothing was written. To record the matched lines as payments, call record_bank_payments with the same file (and keys to pick some); it asks for confirmation first. Resolve ambiguous lines with record_payment in the invoices plugin."
	default:
		r.Next = "nothing was written, and no line matched an open invoice on its own evidence."
	}
	return r
}

func (p *plugin) matchBankStatementTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "match_bank_statement",
		Title: "Match a bank statement to open invoices",
		Description: "Reads a bank statement (CSV exports of Danske Bank, Nordea, Jyske Bank, Nykredit, Sydbank, Lunar, BEC and Portalbank banks, " +
			"a generic column mapping, or ISO 20022 camt.053) and matches money in to open invoices by FIK +71 code, invoice number and customer, " +
			"never by amount alone. A dry run: it reports matched, ambiguous and unmatched lines with reasons and writes nothing. " +
			"A file with one unreadable line is refused whole, naming the line.",
		Effect: sdk.ReadOnly, Idempotent: true, Category: "integrations",
		Scopes: []string{"billy:read"},
		Examples: []sdk.Example{{Title: "A pasted Danske Bank export", Arguments: map[string]any{
			"text": "\"Dato\";\"Kategori\";\"Underkategori\";\"Tekst\";\"Beløb\";\"Saldo\";\"Status\";\"Afstemt\"\n\"03.11.2026\";\"\";\"\";\"Faktura 1042 Jensen ApS\";\"12.500,00\";\"40.125,00\";\"Udført\";\"Nej\"\n"}}},
	}, func(ctx context.Context, call *sdk.Call, in StatementInput) (MatchReport, error) {
		run, err := p.runBank(ctx, call, in)
		if err != nil {
			return MatchReport{}, err
		}
		return p.report(run), nil
	})
}

// RecordInput records matched lines as bank payments.
type RecordInput struct {
	StatementInput
	Keys              []string `json:"keys,omitempty" jsonschema:"the matched lines to record, by key from match_bank_statement; default every matched line"`
	CashAccountID     string   `json:"cash_account_id,omitempty" jsonschema:"the bank account the statement is of; default the organization's invoice bank account"`
	DryRun            bool     `json:"dry_run,omitempty"`
	ConfirmationToken string   `json:"confirmation_token,omitempty" jsonschema:"from a confirmation_required result"`
}

// PlannedPayment is one payment to record.
type PlannedPayment struct {
	Key       string `json:"key"`
	Line      int    `json:"line"`
	Date      string `json:"date"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	Text      string `json:"text"`
	InvoiceID string `json:"invoice_id"`
	InvoiceNo string `json:"invoice_no"`
	Customer  string `json:"customer"`
	Balance   string `json:"balance_before"`
	Rule      string `json:"rule"`
}

// RecordedPayment is one payment recorded, with the invoice as Billy now
// has it.
type RecordedPayment struct {
	PlannedPayment
	PaymentID    string `json:"payment_id"`
	BalanceAfter string `json:"balance_after"`
	IsPaid       bool   `json:"is_paid"`
}

// RecordResult is the output of record_bank_payments.
type RecordResult struct {
	Status            string            `json:"status" jsonschema:"done, confirmation_required (nothing written: show the preview; if the user agrees repeat the call with confirmation_token), dry_run, declined, cancelled, or unchanged (nothing to record)"`
	Message           string            `json:"message"`
	Account           string            `json:"account,omitempty"`
	Payments          []PlannedPayment  `json:"payments" jsonschema:"the payments planned (or recorded), one per bank line"`
	Recorded          []RecordedPayment `json:"recorded,omitempty"`
	Requests          []BillyCall       `json:"requests,omitempty"`
	ConfirmationToken string            `json:"confirmation_token,omitempty"`
	ExpiresAt         string            `json:"expires_at,omitempty"`
	FileSHA256        string            `json:"file_sha256"`
}

type recordPlan struct {
	payments []PlannedPayment
	requests []BillyCall
	account  billyAccount
}

func (p *plugin) recordBankPaymentsTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "record_bank_payments",
		Title: "Record matched bank lines as payments",
		Description: "Records the lines match_bank_statement matched (all, or those named by keys) as bank payments of their invoices in Billy, " +
			"one payment per line. It previews the exact payments and asks for confirmation first; a payment cannot be deleted, only voided in Billy.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes: []string{"payments:approve", "invoices:read"},
	}, func(ctx context.Context, call *sdk.Call, in RecordInput) (RecordResult, error) {
		return p.recordBankPayments(ctx, call, in)
	})
}

func (p *plugin) planRecord(ctx context.Context, call *sdk.Call, in RecordInput) (*bankRun, *recordPlan, error) {
	for i, k := range in.Keys {
		if slices.Index(in.Keys, k) != i {
			return nil, nil, sdk.Invalid(fmt.Sprintf("keys[%d]", i), "%s is listed twice", k)
		}
	}
	run, err := p.runBank(ctx, call, in.StatementInput)
	if err != nil {
		return nil, nil, err
	}
	byKey := map[string]Match{}
	for _, m := range run.matches {
		byKey[m.Key] = m
	}
	var pick []Match
	if len(in.Keys) == 0 {
		for _, m := range run.matches {
			if m.Status == matched {
				pick = append(pick, m)
			}
		}
	} else {
		for i, k := range in.Keys {
			m, ok := byKey[k]
			switch {
			case !ok && run.done[k] != (recordedLine{}):
				return nil, nil, sdk.NewError(sdk.CategoryConflict, "bank_line_already_recorded", "keys[%d]: line %s was recorded as payment %s already", i, k, run.done[k].PaymentID)
			case !ok:
				return nil, nil, sdk.Invalid(fmt.Sprintf("keys[%d]", i), "no line of this file has the key %q (keys come from match_bank_statement on the same file)", k)
			case m.Status != matched:
				return nil, nil, sdk.NewError(sdk.CategoryConflict, "bank_line_not_matched",
					"keys[%d]: line %d is %s (%s); only matched lines are recorded here, record the others with record_payment", i, m.Line, m.Status, m.Reason)
			}
			pick = append(pick, m)
		}
	}
	if len(pick) == 0 {
		return run, &recordPlan{}, nil
	}
	acct, err := p.cashAccount(ctx, call, in.CashAccountID, run.st.Currency)
	if err != nil {
		return nil, nil, err
	}
	pl := &recordPlan{account: acct}
	for _, m := range pick {
		pl.payments = append(pl.payments, PlannedPayment{Key: m.Key, Line: m.Line, Date: m.Date, Amount: m.Amount, Currency: m.Currency, Text: m.Text,
			InvoiceID: m.Invoice.InvoiceID, InvoiceNo: m.Invoice.InvoiceNo, Customer: m.Invoice.Customer, Balance: m.Invoice.Balance, Rule: m.Rule})
		pl.requests = append(pl.requests, BillyCall{Method: "POST", Path: "/bankPayments", Body: map[string]any{"bankPayment": map[string]any{
			"entryDate": m.Date, "cashAmount": json.Number(m.Amount), "cashSide": "debit", "cashAccountId": acct.ID,
			"associations": []map[string]string{{"subjectReference": "invoice:" + m.Invoice.InvoiceID}},
		}}})
	}
	return run, pl, nil
}

// cashAccount is the bank account given, or the organization's invoice
// bank account; it must take payments and be in the statement's currency.
func (p *plugin) cashAccount(ctx context.Context, call *sdk.Call, id, cur string) (billyAccount, error) {
	var acct billyAccount
	base := ""
	if id == "" {
		roots, err := billy(ctx, call, "GET", "/organization", nil, nil)
		if err != nil {
			return acct, withContext(err, "reading the organization")
		}
		var org struct {
			DefaultInvoiceBankAccountID string `json:"defaultInvoiceBankAccountId"`
			BaseCurrencyID              string `json:"baseCurrencyId"`
		}
		if err := decodeRoot(roots, "organization", &org); err != nil {
			return acct, err
		}
		if org.DefaultInvoiceBankAccountID == "" {
			return acct, sdk.Invalid("cash_account_id", "is required: the organization has no default bank account for invoices (list_accounts shows the bank accounts)")
		}
		id, base = org.DefaultInvoiceBankAccountID, org.BaseCurrencyID
	}
	roots, err := billy(ctx, call, "GET", "/accounts/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			return acct, sdk.NotFound("account_not_found", "there is no account %q in this Billy organization; check cash_account_id", id)
		}
		return acct, withContext(err, "reading account %s", id)
	}
	if err := decodeRoot(roots, "account", &acct); err != nil {
		return acct, err
	}
	if !acct.IsPaymentEnabled {
		return acct, sdk.Invalid("cash_account_id", "account %d %s does not take payments in Billy", acct.AccountNo, acct.Name)
	}
	acctCur := acct.CurrencyID
	if acctCur == "" {
		acctCur = base
	}
	if acctCur != "" && acctCur != cur {
		return acct, sdk.Invalid("cash_account_id", "account %d %s is in %s, the statement in %s; give the account the statement is of", acct.AccountNo, acct.Name, acctCur, cur)
	}
	return acct, nil
}

func (p *plugin) recordBankPayments(ctx context.Context, call *sdk.Call, in RecordInput) (RecordResult, error) {
	run, pl, err := p.planRecord(ctx, call, in)
	if err != nil {
		return RecordResult{}, err
	}
	out := RecordResult{Payments: pl.payments, Requests: pl.requests, FileSHA256: run.file.sha256}
	if out.Payments == nil {
		out.Payments = []PlannedPayment{}
	}
	if len(pl.payments) == 0 {
		if in.ConfirmationToken != "" && !in.DryRun && call.WritesMode != sdk.WritesDirect {
			// A token for a write that has nothing left to do was used
			// already or issued for another state: say which, rather
			// than quietly accepting it.
			b, err := p.binding(call, in, run, pl)
			if err != nil {
				return RecordResult{}, err
			}
			if err := p.tokens.Use(ctx, call.Host, in.ConfirmationToken, b); err != nil {
				return RecordResult{}, err
			}
		}
		out.Status, out.Message = "unchanged", "no line of the statement is matched to an open invoice (match_bank_statement says why); nothing was recorded"
		out.Requests = nil
		return out, nil
	}
	out.Account = fmt.Sprintf("%d %s", pl.account.AccountNo, pl.account.Name)
	total := decimal.Zero
	for _, pp := range pl.payments {
		total = total.Add(decimal.RequireFromString(pp.Amount))
	}
	action := fmt.Sprintf("Record %d bank payment(s), %s %s in all, on account %s", len(pl.payments), dkfmt.Amount(total), run.st.Currency, out.Account)
	b, err := p.binding(call, in, run, pl)
	if err != nil {
		return RecordResult{}, err
	}
	step, err := p.writePolicy(ctx, call, "record_bank_payments", in.DryRun, in.ConfirmationToken, b,
		action+".\nA payment cannot be deleted, only voided in Billy.", "Tick to record these payments in Billy now.")
	if err != nil {
		return RecordResult{}, err
	}
	if step == stepExecute {
		return p.executeRecord(ctx, call, run, pl, out, action)
	}
	h := p.hold(step, b, wording{Tool: "record_bank_payments", Action: action, Nothing: "written", Show: "the payments", Same: "the same arguments", DryRunTail: " would be sent as these requests"})
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt = h.Status, h.Message, h.Token, h.ExpiresAt
	if step == stepCancelled || step == stepDeclined {
		out.Requests = nil
	}
	return out, nil
}

// binding ties a token to the exact payments: the arguments (the file by
// its SHA-256, not its bytes), and the planned requests with the invoices'
// balances they were planned from. Another file, another selection, or an
// invoice paid meanwhile gives another binding, and the token is refused.
func (p *plugin) binding(call *sdk.Call, in RecordInput, run *bankRun, pl *recordPlan) (confirm.Binding, error) {
	args, err := json.Marshal(struct {
		File     string   `json:"file"`
		Profile  string   `json:"profile"`
		Mapping  *Mapping `json:"mapping"`
		Currency string   `json:"currency"`
		Keys     []string `json:"keys"`
		Account  string   `json:"account"`
	}{run.file.sha256, in.Profile, in.Mapping, in.Currency, in.Keys, in.CashAccountID})
	if err != nil {
		return confirm.Binding{}, err
	}
	state, err := json.Marshal(struct {
		Payments []PlannedPayment `json:"payments"`
		Requests []BillyCall      `json:"requests"`
	}{pl.payments, pl.requests})
	if err != nil {
		return confirm.Binding{}, err
	}
	return confirm.Binding{Tool: "record_bank_payments", Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: args, State: state}, nil
}

func (p *plugin) executeRecord(ctx context.Context, call *sdk.Call, run *bankRun, pl *recordPlan, out RecordResult, action string) (RecordResult, error) {
	org := call.Caller.OrganizationID
	for i, req := range pl.requests {
		pp := pl.payments[i]
		roots, err := billy(ctx, call, req.Method, req.Path, nil, req.Body)
		if err != nil {
			done := make([]string, 0, len(out.Recorded))
			for _, r := range out.Recorded {
				done = append(done, fmt.Sprintf("line %d → payment %s", r.Line, r.PaymentID))
			}
			prefix := fmt.Sprintf("record_bank_payments: payment %d of %d (line %d, invoice %s)", i+1, len(pl.requests), pp.Line, pp.InvoiceNo)
			if len(done) > 0 {
				prefix += fmt.Sprintf(" failed after %d were recorded (%s); a new match_bank_statement shows them as already recorded", len(done), strings.Join(done, ", "))
			} else {
				prefix += " failed; nothing was recorded"
			}
			return RecordResult{}, withContext(err, "%s", prefix)
		}
		var created []struct {
			ID string `json:"id"`
		}
		_ = decodeRoot(roots, "bankPayments", &created)
		rp := RecordedPayment{PlannedPayment: pp}
		if len(created) > 0 {
			rp.PaymentID = created[0].ID
		}
		if err := p.ledger.put(org, pp.Key, recordedLine{InvoiceID: pp.InvoiceID, PaymentID: rp.PaymentID, At: p.now().UTC().Format(time.RFC3339)}); err != nil {
			_ = call.Host.Log(ctx, sdk.LogWarning, "could not save the recorded-lines ledger", map[string]any{"error": err.Error()})
		}
		out.Recorded = append(out.Recorded, rp)
	}
	// Read the invoices back: the result is what Billy stored.
	for i := range out.Recorded {
		r := &out.Recorded[i]
		roots, err := billy(ctx, call, "GET", "/invoices/"+url.PathEscape(r.InvoiceID), nil, nil)
		if err != nil {
			out.Status = "done"
			out.Message = fmt.Sprintf("done: %s; reading invoice %s back failed (%v), check it with get_invoice", action, r.InvoiceNo, err)
			out.Requests = nil
			return out, nil
		}
		var inv billyInvoice
		if err := decodeRoot(roots, "invoice", &inv); err == nil {
			r.BalanceAfter, r.IsPaid = inv.Balance.StringFixed(2), inv.IsPaid
		}
	}
	out.Status, out.Message, out.Requests = "done", "done: "+action, nil
	return out, nil
}
