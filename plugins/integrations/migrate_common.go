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

// The migrations (migrate_from_dinero, migrate_from_economic) share what
// does not depend on the source: what Billy has (billyTarget), matching
// contacts by CVR then name (contactIndex), a source VAT code's Billy tax
// rate (matchTaxRate), the opening balance as one draft daybook
// transaction that a re-run finds by its apiType (planOpeningBalance), and
// the writes with a lease, progress and a stop-and-rerun-safe error
// (applyMigration).

// billyTarget is what the organization has that a migration matches
// against.
type billyTarget struct {
	BaseCurrencyID string
	Accounts       []billyAccountFull
	ByNo           map[int]billyAccountFull // not archived
	Rates          []billyTaxRateFull
	Contacts       []billyContactRef
	Products       []billyProductRef
}

func readBillyTarget(ctx context.Context, call *sdk.Call) (*billyTarget, error) {
	roots, err := billy(ctx, call, "GET", "/organization", nil, nil)
	if err != nil {
		return nil, withContext(err, "reading the organization")
	}
	var org struct {
		BaseCurrencyID string `json:"baseCurrencyId"`
	}
	if err := decodeRoot(roots, "organization", &org); err != nil {
		return nil, err
	}
	t := &billyTarget{BaseCurrencyID: org.BaseCurrencyID, ByNo: map[int]billyAccountFull{}}
	if t.Accounts, err = listAll[billyAccountFull](ctx, call, "/accounts", "accounts", nil, 5); err != nil {
		return nil, withContext(err, "reading the chart of accounts")
	}
	if t.Rates, err = listAll[billyTaxRateFull](ctx, call, "/taxRates", "taxRates", nil, 2); err != nil {
		return nil, withContext(err, "reading the tax rates")
	}
	if t.Contacts, err = listAll[billyContactRef](ctx, call, "/contacts", "contacts", nil, 50); err != nil {
		return nil, withContext(err, "reading the contacts")
	}
	if t.Products, err = listAll[billyProductRef](ctx, call, "/products", "products", nil, 50); err != nil {
		return nil, withContext(err, "reading the products")
	}
	for _, a := range t.Accounts {
		if !a.IsArchived {
			t.ByNo[a.AccountNo] = a
		}
	}
	return t, nil
}

// contactIndex matches a source contact to a Billy contact: by CVR
// (normalised, cvrFrom) first, else by name (case and spacing aside), as
// rentemester matches re-imports (integrations.md § 2.6).
type contactIndex struct{ byCVR, byName map[string]string }

func newContactIndex(contacts []billyContactRef) *contactIndex {
	x := &contactIndex{byCVR: map[string]string{}, byName: map[string]string{}}
	for _, c := range contacts {
		if cvr := cvrFrom(c.RegistrationNo); cvr != "" {
			x.byCVR[cvr] = c.ID
		}
		x.byName[nameKey(c.Name)] = c.ID
	}
	return x
}

// match returns the Billy contact's ID and "cvr" or "name"; ok is false
// when neither matches. cvr is normalised already.
func (x *contactIndex) match(cvr, name string) (id, by string, ok bool) {
	if id, ok := x.byCVR[cvr]; ok && cvr != "" {
		return id, "cvr", true
	}
	if id, ok := x.byName[nameKey(name)]; ok {
		return id, "name", true
	}
	return "", "", false
}

// reserve makes a contact about to be created match later ones of the same
// CVR or name in the same source, so that they are not created twice.
func (x *contactIndex) reserve(cvr, name string) {
	if cvr != "" {
		x.byCVR[cvr] = ""
	}
	x.byName[nameKey(name)] = ""
}

// matchTaxRate finds the active Billy tax rate of want (predefined tag,
// abbreviation): by tag first, then by abbreviation.
func matchTaxRate(want [2]string, rates []billyTaxRateFull) (id, name, basis string) {
	for _, b := range []string{"predefined tag", "abbreviation"} {
		for _, r := range rates {
			if !r.IsActive {
				continue
			}
			if (b == "predefined tag" && r.PredefinedTag != "" && r.PredefinedTag == want[0]) || (b == "abbreviation" && want[1] != "" && strings.EqualFold(r.Abbreviation, want[1])) {
				return r.ID, r.Name, b
			}
		}
	}
	return "", "", ""
}

// Kinds of a source account's balance in the opening balance.
const (
	openingSheet  = "sheet"  // a balance-sheet account: a line of its own
	openingResult = "result" // income or expense: carried to the result account
	openingOther  = "other"  // neither (a heading or sum with a balance): blocks
)

// openingBalanceLine is one source account's closing balance, positive
// debit, with its Billy account when it is mapped.
type openingBalanceLine struct {
	No      int
	Name    string
	Type    string // the source's account type, for messages
	Kind    string // openingSheet, openingResult or openingOther
	Amount  decimal.Decimal
	Mapped  bool
	BillyID string
	Reason  string // why not mapped
}

// openingSpec is what planOpeningBalance needs: the balances, the Billy
// result account, the key re-runs find the transaction by (its apiType),
// its date, description and daybook, and the words for a source that
// does not balance.
type openingSpec struct {
	Skip            bool
	Lines           []openingBalanceLine
	ResultAccountNo int
	ResultText      string // the result line's text
	ByNo            map[int]billyAccountFull
	Key, Date       string
	Description     string
	DaybookID       string
	Unbalanced      string // e.g. "SaldoBalance.csv of 2025 does not balance"
}

// planOpeningBalance plans the opening balance: "exists" when a daybook
// transaction that is not voided carries the key as apiType, "skipped",
// "blocked" (with the reasons) or "create" (with the request body).
func planOpeningBalance(ctx context.Context, call *sdk.Call, s openingSpec) (*DineroOpening, error) {
	ob := &DineroOpening{Key: s.Key, Date: s.Date, Lines: []DayLine{}}
	if s.Skip {
		ob.Status = "skipped"
		return ob, nil
	}
	txs, err := listAll[billyDaybookTx](ctx, call, "/daybookTransactions", "daybookTransactions",
		url.Values{"apiType": {s.Key}, "minEntryDate": {s.Date}, "maxEntryDate": {s.Date}}, 5)
	if err != nil {
		return nil, withContext(err, "looking for an opening balance migrated before")
	}
	for _, t := range txs {
		if t.APIType == s.Key && t.State != "voided" {
			ob.Status, ob.TransactionID = "exists", t.ID
			return ob, nil
		}
	}
	debit, credit, result := decimal.Zero, decimal.Zero, decimal.Zero
	add := func(text, accountID string, amt decimal.Decimal) {
		side := "debit"
		if amt.IsNegative() {
			side = "credit"
			credit = credit.Add(amt.Neg())
		} else {
			debit = debit.Add(amt)
		}
		ob.Lines = append(ob.Lines, DayLine{Text: text, AccountID: accountID, Side: side, Amount: amt.Abs().StringFixed(2)})
	}
	bals := append([]openingBalanceLine(nil), s.Lines...)
	sort.Slice(bals, func(i, j int) bool { return bals[i].No < bals[j].No })
	year := s.Date[:4]
	for _, b := range bals {
		if b.Amount.IsZero() {
			continue
		}
		if !b.Amount.Equal(b.Amount.Round(2)) {
			ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("account %d's balance %s is not in whole øre", b.No, b.Amount))
			continue
		}
		switch b.Kind {
		case openingResult:
			result = result.Add(b.Amount)
		case openingSheet:
			if !b.Mapped {
				ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("account %d %s (balance %s): %s", b.No, b.Name, b.Amount.StringFixed(2), b.Reason))
				continue
			}
			add(fmt.Sprintf("Primo %s: %d %s", year, b.No, b.Name), b.BillyID, b.Amount)
		default:
			ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("account %d %s has the balance %s and the type %q, neither balance sheet nor result", b.No, b.Name, b.Amount.StringFixed(2), b.Type))
		}
	}
	ob.Result = result.StringFixed(2)
	if !result.IsZero() {
		ra, ok := s.ByNo[s.ResultAccountNo]
		switch {
		case s.ResultAccountNo == 0:
			ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("the year's income and expenses come to %s: give result_account_no, the Billy equity account the result is carried to", result.StringFixed(2)))
		case !ok:
			ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("result_account_no: Billy has no account %d", s.ResultAccountNo))
		case ra.NatureID != "equity" && ra.NatureID != "liability":
			ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("result_account_no: account %d %s is %s, not equity", ra.AccountNo, ra.Name, ra.NatureID))
		default:
			add(fmt.Sprintf("Primo %s: %s", year, s.ResultText), ra.ID, result)
		}
	}
	ob.Debit, ob.Credit, ob.Difference = debit.StringFixed(2), credit.StringFixed(2), debit.Sub(credit).StringFixed(2)
	if len(ob.BlockedBy) == 0 && !debit.Equal(credit) {
		ob.BlockedBy = append(ob.BlockedBy, fmt.Sprintf("%s: debit %s, credit %s", s.Unbalanced, debit.StringFixed(2), credit.StringFixed(2)))
	}
	if len(ob.Lines) == 0 && len(ob.BlockedBy) == 0 {
		ob.Status = "skipped"
		return ob, nil
	}
	if len(ob.BlockedBy) > 0 {
		ob.Status = "blocked"
		return ob, nil
	}
	ob.Status = "create"
	var lines []map[string]any
	for _, l := range ob.Lines {
		lines = append(lines, map[string]any{"text": l.Text, "accountId": l.AccountID, "side": l.Side, "amount": json.Number(l.Amount)})
	}
	ob.body = map[string]any{"entryDate": s.Date, "apiType": s.Key, "state": "draft", "description": s.Description, "lines": lines}
	if s.DaybookID != "" {
		ob.body["daybookId"] = s.DaybookID
	}
	return ob, nil
}

// migrationWrite is one record a migration creates: its kind (contacts,
// products, daybook_transactions: the Created counter and Billy's root
// key), its label for progress and errors, its body, and what to do with
// the new ID.
type migrationWrite struct {
	Kind    string
	Label   string
	Body    map[string]any
	Created func(id string)
}

var migrationPaths = map[string][3]string{ // kind → path, singular root, plural root
	"contacts":             {"/contacts", "contact", "contacts"},
	"products":             {"/products", "product", "products"},
	"daybook_transactions": {"/daybookTransactions", "daybookTransaction", "daybookTransactions"},
}

// applyMigration takes the lease against two runs at once (ConsumeOnce on
// the lease key, held for leaseFor), then creates the records in order
// with progress. On a failure it stops and says what was created and
// that a re-run after the lease matches what exists; created counts per
// kind come back either way. company names the source company in the
// conflict message; code prefixes the error codes ("dinero" →
// "dinero_migration_in_progress").
func applyMigration(ctx context.Context, call *sdk.Call, now time.Time, tool, code, company, leaseKey string, leaseFor time.Duration, writes []migrationWrite) (map[string]int, error) {
	first, err := call.Host.ConsumeOnce(ctx, leaseKey, now.Add(leaseFor))
	switch {
	case errors.Is(err, sdk.ErrHostFeatureMissing):
	case err != nil:
		return nil, withContext(err, "nothing was written: whether another migration of %s is running cannot be checked right now; try again in a moment", company)
	case !first:
		return nil, sdk.NewError(sdk.CategoryConflict, code+"_migration_in_progress",
			"nothing was written: a migration of %s was started by another call less than %d minutes ago; call again later with dry_run to see what it left to do", company, int(leaseFor.Minutes()))
	}
	created := map[string]int{"contacts": 0, "products": 0, "daybook_transactions": 0}
	for i, w := range writes {
		pr := migrationPaths[w.Kind]
		roots, err := billy(ctx, call, "POST", pr[0], nil, map[string]any{pr[1]: w.Body})
		var recs []struct {
			ID string `json:"id"`
		}
		if err == nil {
			if derr := decodeRoot(roots, pr[2], &recs); derr != nil || len(recs) == 0 || recs[0].ID == "" {
				err = unexpected("POST " + pr[0] + " returned no record")
			}
		}
		if err != nil {
			return created, withContext(err, "%s stopped at %s after %d of %d records (created %d contacts, %d products); run it again after %d minutes (the lease against two runs at once holds until then): what exists is matched, not created twice",
				tool, w.Label, i, len(writes), created["contacts"], created["products"], int(leaseFor.Minutes()))
		}
		created[w.Kind]++
		if w.Created != nil {
			w.Created(recs[0].ID)
		}
		_ = call.Host.Progress(ctx, float64(i+1), float64(len(writes)), w.Label)
	}
	return created, nil
}

// leaseKeyFor is the ConsumeOnce key of a migration of one organization
// from one source company.
func leaseKeyFor(prefix, org, key string) string {
	return prefix + ":" + confirm.Digest([]byte(org+"\x00"+key))
}

// migrationRun is a migration tool's plan at the point of writing: the
// records to create in order, the opening balance among them, and what
// binds the confirmation to (the arguments as read; the requests are
// bound as well).
type migrationRun struct {
	Tool    string // migrate_from_dinero
	Code    string // dinero: error codes and the lease key start with it
	Source  string // Dinero, for people
	Company string
	Opening *DineroOpening
	Writes  []migrationWrite
	Args    any
	Lease   time.Duration
	DryRun  bool
	Token   string
	// DoneNote follows "done: <action>; " when everything was created.
	DoneNote string
}

// migrationOutcome is what a migration run reports besides its plan.
type migrationOutcome struct {
	Status, Message, Token, ExpiresAt string
	Created                           map[string]int
}

// runMigration takes a planned migration through the same steps for every
// source: a dry run or a blocked opening balance writes nothing, nothing
// to create is done, then the confirmation (writePolicy, hold), then the
// writes under the lease (applyMigration). An error after some records
// were created comes with the outcome's Created filled.
func (p *plugin) runMigration(ctx context.Context, call *sdk.Call, m migrationRun) (migrationOutcome, error) {
	nc, np := 0, 0
	requests := make([]BillyCall, 0, len(m.Writes))
	for _, w := range m.Writes {
		switch w.Kind {
		case "contacts":
			nc++
		case "products":
			np++
		}
		pr := migrationPaths[w.Kind]
		requests = append(requests, BillyCall{Method: "POST", Path: pr[0], Body: map[string]any{pr[1]: w.Body}})
	}
	action := fmt.Sprintf("Migrate %s from %s: create %d contact(s), %d product(s)", m.Company, m.Source, nc, np)
	if m.Opening.Status == "create" {
		action += fmt.Sprintf(" and the opening balance of %s as a draft daybook transaction (%d lines, %s each side)", dkfmt.DateISO(m.Opening.Date), len(m.Opening.Lines), krText(m.Opening.Debit))
	}
	if m.DryRun {
		return migrationOutcome{Status: "dry_run", Message: "dry run: nothing was written; " + action}, nil
	}
	if m.Opening.Status == "blocked" {
		return migrationOutcome{}, sdk.NewError(sdk.CategoryValidation, m.Code+"_opening_blocked",
			"nothing was written: the opening balance is blocked (%s); map the accounts (account_map, result_account_no), or give skip_opening_balance to move contacts and products only. Run with dry_run for the whole report",
			strings.Join(m.Opening.BlockedBy, "; "))
	}
	if len(m.Writes) == 0 {
		return migrationOutcome{Status: "done", Message: "nothing to do: every contact and product is in Billy already, and the opening balance is " + m.Opening.Status}, nil
	}
	args, err := json.Marshal(m.Args)
	if err != nil {
		return migrationOutcome{}, err
	}
	state, err := json.Marshal(requests)
	if err != nil {
		return migrationOutcome{}, err
	}
	b := confirm.Binding{Tool: m.Tool, Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: args, State: state}
	step, err := p.writePolicy(ctx, call, m.Tool, false, m.Token, b, action+".", "Tick to create these records in Billy now.")
	if err != nil {
		return migrationOutcome{}, err
	}
	if step != stepExecute {
		h := p.hold(step, b, wording{Tool: m.Tool, Action: action, Nothing: "written", Show: "the report", Same: "the same arguments"})
		return migrationOutcome{Status: h.Status, Message: h.Message, Token: h.Token, ExpiresAt: h.ExpiresAt}, nil
	}
	created, err := applyMigration(ctx, call, p.now(), m.Tool, m.Code, m.Company, leaseKeyFor(m.Code, call.Caller.OrganizationID, m.Opening.Key), m.Lease, m.Writes)
	if err != nil {
		return migrationOutcome{Created: created}, err
	}
	return migrationOutcome{Status: "done", Message: "done: " + action + "; " + m.DoneNote, Created: created}, nil
}

// krText is a decimal amount held as text, in kroner for people; text
// that is no number comes back as it is.
func krText(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return dkfmt.Kr(d)
}
