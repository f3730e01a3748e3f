package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// migrate_from_dinero moves a Dinero data export (dinero_parse.go) into a
// Billy organization: contacts and products it does not have yet, and the
// opening balance as one draft daybook transaction, after a report of the
// chart-of-accounts mapping and the VAT-code map (integrations.md § 2.1,
// § 2.7).
//
// Idempotency is by matching, so a second run creates nothing: a contact
// is present when Billy has one with its CVR number, else one with its
// name (case and spacing aside), as rentemester matches re-imports
// (§ 2.6); a product when Billy has its product number; the opening
// balance when a daybook transaction that is not voided carries its key
// "dinero-opening:<cvr>:<date>" as apiType (Billy's free tag, § 7.9).
//
// Open items are not moved: the export folder has no invoice register
// (its receivables are balances in SaldoBalance.csv and travel in the
// opening balance). Standard cut-over books open items only after the
// opening balance, one by one, or the receivable counts twice (§ 2.7).

const (
	dineroAsset     = "Aktiv"
	dineroLiability = "Passiv"
	dineroIncome    = "Indtægt"
	dineroExpense   = "Udgift"

	dineroKeyPrefix = "dinero-opening:"
	dineroLease     = 10 * time.Minute
)

// DineroInput is the input of migrate_from_dinero.
type DineroInput struct {
	Export             FileSource        `json:"export,omitzero"`
	Files              map[string]string `json:"files,omitempty"`
	Folder             string            `json:"folder,omitempty"`
	Year               int               `json:"year,omitempty"`
	OpeningDate        string            `json:"opening_date,omitempty"`
	AccountMap         map[string]int    `json:"account_map,omitempty"`
	ResultAccountNo    int               `json:"result_account_no,omitempty"`
	SkipOpeningBalance bool              `json:"skip_opening_balance,omitempty"`
	DaybookID          string            `json:"daybook_id,omitempty"`
	DryRun             bool              `json:"dry_run,omitempty"`
	ConfirmationToken  string            `json:"confirmation_token,omitempty"`
}

var dineroInputSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{
"export":{"type":"object","additionalProperties":false,"description":"the export folder zipped: content (base64 or a data: URI), upload (the handle POST /uploads answered, HTTP clients) or path (a .zip in the server's inbox directory, stdio deployments)","properties":{
 "content":{"type":"string"},"upload":{"type":"string"},"path":{"type":"string"},"file_name":{"type":"string"}}},
"files":{"type":"object","additionalProperties":{"type":"string"},"description":"instead of export: the export's CSV files as text by their path in the folder, {\"Firmaoplysninger.csv\": \"...\", \"2025/Kontoplan.csv\": \"...\"}"},
"folder":{"type":"string","description":"instead of export: the export folder unzipped, a directory in the server's inbox directory (stdio deployments only)"},
"year":{"type":"integer","description":"the Dinero year whose closing balance (SaldoBalance.csv) becomes Billy's opening balance; default the latest year with one"},
"opening_date":{"type":"string","description":"the opening balance's entry date, YYYY-MM-DD; default the first day after that year"},
"account_map":{"type":"object","additionalProperties":{"type":"integer"},"description":"Dinero account number → Billy account number, for accounts whose number differs; default the same number"},
"result_account_no":{"type":"integer","description":"the Billy equity account the year's result (the income and expense balances) is carried to in the opening balance"},
"skip_opening_balance":{"type":"boolean","description":"move contacts and products only"},
"daybook_id":{"type":"string","description":"the daybook (kassekladde) of the opening balance; default Billy's first"},
"dry_run":{"type":"boolean","description":"only the report; nothing is written"},
"confirmation_token":{"type":"string","description":"from a confirmation_required result"}}}`)

// DineroContact is a contact of the export and what becomes of it.
type DineroContact struct {
	Line          int    `json:"line"`
	Name          string `json:"name"`
	CVR           string `json:"cvr,omitempty"`
	Type          string `json:"type" jsonschema:"company or person"`
	Customer      bool   `json:"customer"`
	Supplier      bool   `json:"supplier"`
	Action        string `json:"action" jsonschema:"create, or exists (matched by CVR, else name)"`
	MatchedBy     string `json:"matched_by,omitempty"`
	BillyID       string `json:"billy_id,omitempty"`
	body          map[string]any
	normalisedCVR string
}

// DineroProduct is a product of the export and what becomes of it.
type DineroProduct struct {
	Line      int    `json:"line"`
	Number    string `json:"number"`
	Name      string `json:"name"`
	Price     string `json:"price,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Action    string `json:"action" jsonschema:"create, or exists (matched by product number)"`
	BillyID   string `json:"billy_id,omitempty"`
	body      map[string]any
}

// DineroAccountMap is one Dinero account's Billy account.
type DineroAccountMap struct {
	DineroNo    int    `json:"dinero_no"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Balance     string `json:"balance,omitempty" jsonschema:"closing balance of the year, positive debit"`
	BillyNo     int    `json:"billy_no,omitempty"`
	BillyID     string `json:"billy_id,omitempty"`
	BillyName   string `json:"billy_name,omitempty"`
	Status      string `json:"status" jsonschema:"mapped, unmapped (no Billy account of that number), or mismatch (the Billy account is of another kind)"`
	Reason      string `json:"reason,omitempty"`
	NeededByOB  bool   `json:"needed_by_opening_balance"`
	billyNature string
}

// DineroVAT is one Momstype code in use and its Billy tax rate.
type DineroVAT struct {
	Code      string `json:"code"`
	Meaning   string `json:"meaning"`
	Used      int    `json:"used" jsonschema:"accounts and postings of the year carrying it"`
	TaxRateID string `json:"tax_rate_id,omitempty"`
	TaxRate   string `json:"tax_rate,omitempty"`
	Basis     string `json:"basis,omitempty" jsonschema:"how it was matched: predefined tag or abbreviation"`
	Status    string `json:"status" jsonschema:"mapped or unmapped"`
}

// DineroOpening is the opening balance as a draft daybook transaction.
type DineroOpening struct {
	Status        string    `json:"status" jsonschema:"create, exists, blocked or skipped"`
	Key           string    `json:"key"`
	Date          string    `json:"date"`
	Lines         []DayLine `json:"lines"`
	Debit         string    `json:"debit"`
	Credit        string    `json:"credit"`
	Difference    string    `json:"difference"`
	Result        string    `json:"result" jsonschema:"the year's income and expense balances, carried to result_account_no (positive: a loss)"`
	BlockedBy     []string  `json:"blocked_by,omitempty"`
	TransactionID string    `json:"transaction_id,omitempty"`
	body          map[string]any
}

// DineroResult is the output of migrate_from_dinero.
type DineroResult struct {
	Status            string             `json:"status" jsonschema:"done, confirmation_required, dry_run, declined or cancelled"`
	Message           string             `json:"message"`
	Company           string             `json:"company"`
	CVR               string             `json:"cvr,omitempty"`
	Year              int                `json:"year"`
	Files             []string           `json:"files"`
	Contacts          []DineroContact    `json:"contacts"`
	Products          []DineroProduct    `json:"products"`
	Accounts          []DineroAccountMap `json:"accounts"`
	VATCodes          []DineroVAT        `json:"vat_codes"`
	OpenItems         string             `json:"open_items"`
	OpeningBalance    DineroOpening      `json:"opening_balance"`
	Created           map[string]int     `json:"created,omitempty"`
	Warnings          []string           `json:"warnings,omitempty"`
	ConfirmationToken string             `json:"confirmation_token,omitempty"`
	ExpiresAt         string             `json:"expires_at,omitempty"`
}

func (p *plugin) migrateFromDineroTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "migrate_from_dinero",
		Title: "Migrate from a Dinero export",
		Description: "Moves a Dinero data export (the folder zipped, or its CSV files) into Billy: contacts and products Billy does not have yet " +
			"(matched by CVR, then name; products by number), and the chosen year's closing balance as the opening balance in one draft daybook transaction. " +
			"Reports first the chart-of-accounts mapping (Dinero → Billy by number and kind; unmapped accounts named), the VAT-code map to the organization's tax rates, " +
			"and what would be created; asks for confirmation before writing; a second run creates nothing. Open items are not in the export: book them after the opening balance.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes:      []string{"billy:write"},
		InputSchema: dineroInputSchema,
	}, func(ctx context.Context, call *sdk.Call, in DineroInput) (DineroResult, error) {
		return p.migrateFromDinero(ctx, call, in)
	})
}

// loadDinero reads the export from the input.
func (p *plugin) loadDinero(ctx context.Context, call *sdk.Call, in DineroInput) (*dineroExport, string, error) {
	max := p.cfg.MaxFileBytes
	var files map[string][]byte
	h := sha256.New()
	given := 0
	for _, ok := range []bool{len(in.Files) > 0, in.Folder != "", in.Export != FileSource{}} {
		if ok {
			given++
		}
	}
	switch {
	case given > 1:
		return nil, "", sdk.Invalid("files", "give one of export (a zip), files or folder")
	case in.Folder != "":
		var err error
		if files, err = readDineroFolder(&p.cfg, call.Caller.Transport, in.Folder, max); err != nil {
			return nil, "", err
		}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(h, "%s\x00%d\x00%s", n, len(files[n]), files[n])
		}
	case len(in.Files) > 0:
		files = map[string][]byte{}
		total := 0
		names := make([]string, 0, len(in.Files))
		for n := range in.Files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			total += len(in.Files[n])
			if total > max {
				return nil, "", tooLarge("files", total, max)
			}
			files[n] = []byte(in.Files[n])
			fmt.Fprintf(h, "%s\x00%d\x00%s", n, len(in.Files[n]), in.Files[n])
		}
	case in.Export.Text != "":
		return nil, "", sdk.Invalid("export", "export takes the folder as a zip (content or path); for CSV text give files, one entry per file")
	default:
		f, err := in.Export.load(ctx, call, &p.cfg, max)
		if err != nil {
			return nil, "", withContext(err, "export")
		}
		h.Write(f.data)
		if files, err = readDineroZip(f.data, max); err != nil {
			return nil, "", dineroRefusal(err)
		}
	}
	x, err := parseDineroExport(files)
	if err != nil {
		return nil, "", dineroRefusal(err)
	}
	return x, hex.EncodeToString(h.Sum(nil)), nil
}

func dineroRefusal(err error) error {
	var de *dineroError
	if errors.As(err, &de) {
		return sdk.NewError(sdk.CategoryValidation, "dinero_"+de.Reason, "the Dinero export was refused whole, nothing was read into Billy: %s", de.Error())
	}
	return err
}

type billyAccountFull struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	AccountNo  int    `json:"accountNo"`
	NatureID   string `json:"natureId"`
	IsArchived bool   `json:"isArchived"`
}

type billyTaxRateFull struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Abbreviation       string `json:"abbreviation"`
	PredefinedTag      string `json:"predefinedTag"`
	AppliesToSales     bool   `json:"appliesToSales"`
	AppliesToPurchases bool   `json:"appliesToPurchases"`
	IsActive           bool   `json:"isActive"`
}

type billyContactRef struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	RegistrationNo string `json:"registrationNo"`
}

type billyProductRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ProductNo string `json:"productNo"`
}

// dineroVATTargets: each Momstype code's Billy tax rate, by predefined tag
// first and abbreviation second (the sandbox's names; Billy's own tags
// are an open question, billy-api.md § 10 item 8). IVV → import VAT and
// IVY → reverse-charge services are [GUESS]es from the VAT rules.
var dineroVATTargets = map[string][2]string{
	"U25":   {"dk_sales_25", "S25"},
	"I25":   {"dk_purchase_25", "K25"},
	"IEUV":  {"dk_purchase_eu_goods", "UV"},
	"IEUY":  {"dk_purchase_eu_services", "UY"},
	"IVV":   {"dk_purchase_import", "IMP"},
	"IVY":   {"dk_purchase_eu_services", "UY"},
	"OBPK":  {"dk_purchase_domestic_reverse_charge", "OBK"},
	"UEUV":  {"dk_sales_eu_goods", "EUV"},
	"UEUV2": {"dk_sales_eu_goods", "EUV"},
	"UEUY":  {"dk_sales_eu_services", "EUY"},
	"UVV":   {"dk_sales_world", "EXP"},
	"UVY":   {"dk_sales_world", "EXP"},
	"REP":   {"dk_purchase_representation", "REP"},
}

// natureFits says whether a Billy account nature suits a Dinero type. On
// the balance sheet any balance-sheet nature does: Billy keeps input VAT
// (købsmoms) under liability, where Dinero's chart has it as Aktiv, and a
// debit balance on a liability account is an ordinary thing.
func natureFits(dineroType, nature string) bool {
	switch dineroType {
	case dineroAsset, dineroLiability:
		return nature == "asset" || nature == "liability" || nature == "equity"
	case dineroIncome:
		return nature == "revenue"
	case dineroExpense:
		return nature == "expense"
	}
	return false
}

type dineroPlan struct {
	out    DineroResult
	digest string
}

func (p *plugin) planDinero(ctx context.Context, call *sdk.Call, in DineroInput) (*dineroPlan, error) {
	x, sum, err := p.loadDinero(ctx, call, in)
	if err != nil {
		return nil, err
	}
	out := DineroResult{Company: x.Company.Name, CVR: cvrFrom(x.Company.CVR), Files: x.Files, Contacts: []DineroContact{}, Products: []DineroProduct{},
		Accounts: []DineroAccountMap{}, VATCodes: []DineroVAT{},
		OpenItems: "not moved: a Dinero export folder has no invoice register; the receivables and payables travel as balances in the opening balance. Book open invoices and bills one by one after it, or they count twice"}
	// The year.
	var year *dineroYear
	for _, y := range x.Years {
		if (in.Year == 0 && y.Balance != nil) || y.Year == in.Year {
			year = y
		}
	}
	if year == nil {
		if in.Year != 0 {
			return nil, sdk.Invalid("year", "the export has no year %d", in.Year)
		}
		return nil, sdk.NewError(sdk.CategoryValidation, "dinero_no_balance", "the export has no year with a SaldoBalance.csv; without a closing balance there is no opening balance")
	}
	out.Year = year.Year
	date := in.OpeningDate
	if date == "" {
		date = fmt.Sprintf("%d-01-01", year.Year+1)
	} else if !isDate(date) {
		return nil, sdk.Invalid("opening_date", "must be a date as YYYY-MM-DD, got %q", date)
	}

	// What Billy has.
	target, err := readBillyTarget(ctx, call)
	if err != nil {
		return nil, err
	}
	byNo, rates := target.ByNo, target.Rates
	org := struct{ BaseCurrencyID string }{target.BaseCurrencyID}

	// Chart mapping.
	balances := map[int]decimal.Decimal{}
	for _, b := range year.Balance {
		balances[b.Account] = b.Amount
	}
	mapped := map[int]*DineroAccountMap{}
	for _, a := range year.Accounts {
		m := DineroAccountMap{DineroNo: a.No, Name: a.Name, Type: a.Type}
		bal, hasBal := balances[a.No]
		if hasBal && !bal.IsZero() {
			m.Balance = bal.String()
			m.NeededByOB = a.Type == dineroAsset || a.Type == dineroLiability
		}
		target := a.No
		if t, ok := in.AccountMap[strconv.Itoa(a.No)]; ok {
			target = t
		}
		ba, ok := byNo[target]
		switch {
		case !ok:
			m.Status, m.Reason = "unmapped", fmt.Sprintf("Billy has no account %d; map it in account_map", target)
		case !natureFits(a.Type, ba.NatureID):
			m.Status, m.Reason = "mismatch", fmt.Sprintf("Billy's account %d %s is %s, the Dinero account is %s", ba.AccountNo, ba.Name, ba.NatureID, a.Type)
			m.BillyNo, m.BillyName = ba.AccountNo, ba.Name
		default:
			m.Status, m.BillyNo, m.BillyID, m.BillyName, m.billyNature = "mapped", ba.AccountNo, ba.ID, ba.Name, ba.NatureID
		}
		out.Accounts = append(out.Accounts, m)
	}
	for i := range out.Accounts {
		mapped[out.Accounts[i].DineroNo] = &out.Accounts[i]
	}
	// The postings should add up to the closing balance per account; an
	// export where they do not was cut short or edited, and its balance
	// is the user's to check before it becomes Billy's opening balance.
	if year.Postings != nil {
		sums := map[int]decimal.Decimal{}
		for _, ps := range year.Postings {
			sums[ps.Account] = sums[ps.Account].Add(ps.Amount)
		}
		for _, a := range year.Accounts {
			if s, b := sums[a.No], balances[a.No]; !s.Equal(b) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("account %d %s: the postings of %d add up to %s, SaldoBalance.csv says %s", a.No, a.Name, year.Year, s.StringFixed(2), b.StringFixed(2)))
			}
		}
	}
	for k := range in.AccountMap {
		n, err := strconv.Atoi(k)
		if err != nil || mapped[n] == nil {
			return nil, sdk.Invalid("account_map", "key %q is not an account of the %d chart of accounts", k, year.Year)
		}
	}

	// VAT codes in use.
	used := map[string]int{}
	for _, a := range year.Accounts {
		if a.VATCode != "" {
			used[a.VATCode]++
		} else if a.VATRaw != "" && !strings.EqualFold(a.VATRaw, "Momsfri") && !strings.EqualFold(a.VATRaw, "Ingen moms") {
			out.Warnings = append(out.Warnings, fmt.Sprintf("account %d has the Momstype %q, which is not a Dinero code this migration knows", a.No, a.VATRaw))
		}
	}
	for _, ps := range year.Postings {
		if ps.VATCode != "" {
			used[ps.VATCode]++
		}
	}
	codes := make([]string, 0, len(used))
	for c := range used {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		v := DineroVAT{Code: c, Meaning: dineroVATCodes[c], Used: used[c], Status: "unmapped"}
		if id, name, basis := matchTaxRate(dineroVATTargets[c], rates); id != "" {
			v.TaxRateID, v.TaxRate, v.Basis, v.Status = id, name, basis, "mapped"
		}
		out.VATCodes = append(out.VATCodes, v)
	}

	// Contacts.
	index := newContactIndex(target.Contacts)
	for _, c := range x.Contacts {
		dc := DineroContact{Line: c.Line, Name: c.Name, CVR: c.CVR, Type: "company"}
		kind := strings.ToLower(c.Type)
		switch {
		case strings.Contains(kind, "privat") || strings.Contains(kind, "person"):
			dc.Type, dc.Customer = "person", true
		case strings.Contains(kind, "leverandør") || strings.Contains(kind, "kreditor"):
			dc.Supplier = true
		case strings.Contains(kind, "kunde") || strings.Contains(kind, "debitor"):
			dc.Customer = true
		default:
			dc.Customer, dc.Supplier = true, true
		}
		dc.normalisedCVR = cvrFrom(c.CVR)
		if id, by, ok := index.match(dc.normalisedCVR, c.Name); ok {
			dc.Action, dc.MatchedBy, dc.BillyID = "exists", by, id
		} else {
			dc.Action = "create"
			country, warn := countryID(c.Country)
			if warn != "" {
				out.Warnings = append(out.Warnings, fmt.Sprintf("contact %s (line %d): %s", c.Name, c.Line, warn))
			}
			body := map[string]any{"name": c.Name, "type": dc.Type, "countryId": country, "isCustomer": dc.Customer, "isSupplier": dc.Supplier}
			for k, v := range map[string]string{"street": c.Address, "zipcodeText": c.Zip, "cityText": c.City, "phone": c.Ph} {
				if v != "" {
					body[k] = v
				}
			}
			if dc.normalisedCVR != "" {
				body["registrationNo"] = dc.normalisedCVR
			} else if c.CVR != "" {
				body["registrationNo"] = strings.ToUpper(strings.ReplaceAll(c.CVR, " ", ""))
			}
			dc.body = body
			// A second contact of the same CVR or name in the export
			// matches this one, not a second creation.
			index.reserve(dc.normalisedCVR, c.Name)
		}
		out.Contacts = append(out.Contacts, dc)
	}

	// Products.
	billyByNo := map[string]string{}
	for _, pr := range target.Products {
		if pr.ProductNo != "" {
			billyByNo[pr.ProductNo] = pr.ID
		}
	}
	for _, pr := range x.Products {
		dp := DineroProduct{Line: pr.Line, Number: pr.Number, Name: pr.Name}
		if pr.HasPrice {
			dp.Price = pr.Price.StringFixed(2)
			if !pr.Price.Equal(pr.Price.Round(2)) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("product %s: the price %s is rounded to %s", pr.Number, pr.Price, dp.Price))
			}
		}
		if id, ok := billyByNo[pr.Number]; ok {
			dp.Action, dp.BillyID = "exists", id
			out.Products = append(out.Products, dp)
			continue
		}
		dp.Action = "create"
		body := map[string]any{"name": pr.Name, "productNo": pr.Number}
		if pr.AccountNo != 0 {
			if m := mapped[pr.AccountNo]; m != nil && m.Status == "mapped" && m.billyNature == "revenue" {
				dp.AccountID, body["accountId"] = m.BillyID, m.BillyID
			} else {
				out.Warnings = append(out.Warnings, fmt.Sprintf("product %s: its account %d has no Billy revenue account; it gets the organization's default sales account", pr.Number, pr.AccountNo))
			}
		}
		if pr.HasPrice {
			body["prices"] = []any{map[string]any{"unitPrice": json.Number(dp.Price), "currencyId": org.BaseCurrencyID}}
		}
		if pr.Unit != "" {
			body["description"] = pr.Unit
		}
		dp.body = body
		out.Products = append(out.Products, dp)
	}

	// Opening balance.
	key := dineroKeyPrefix + out.CVR + ":" + date
	if out.CVR == "" {
		key = dineroKeyPrefix + confirm.Digest([]byte(nameKey(x.Company.Name)))[:12] + ":" + date
	}
	ob, err := planOpening(ctx, call, in, year, mapped, byNo, key, date)
	if err != nil {
		return nil, err
	}
	out.OpeningBalance = *ob
	return &dineroPlan{out: out, digest: sum}, nil
}

func planOpening(ctx context.Context, call *sdk.Call, in DineroInput, year *dineroYear, mapped map[int]*DineroAccountMap, byNo map[int]billyAccountFull, key, date string) (*DineroOpening, error) {
	spec := openingSpec{Skip: in.SkipOpeningBalance, ResultAccountNo: in.ResultAccountNo, ResultText: fmt.Sprintf("resultat %d", year.Year), ByNo: byNo,
		Key: key, Date: date, Description: fmt.Sprintf("Åbningsbalance fra Dinero (saldobalance %d)", year.Year), DaybookID: in.DaybookID,
		Unbalanced: fmt.Sprintf("SaldoBalance.csv of %d does not balance", year.Year)}
	for _, b := range year.Balance {
		m := mapped[b.Account]
		l := openingBalanceLine{No: m.DineroNo, Name: m.Name, Type: m.Type, Amount: b.Amount, Mapped: m.Status == "mapped", BillyID: m.BillyID, Reason: m.Reason, Kind: openingOther}
		switch m.Type {
		case dineroIncome, dineroExpense:
			l.Kind = openingResult
		case dineroAsset, dineroLiability:
			l.Kind = openingSheet
		}
		spec.Lines = append(spec.Lines, l)
	}
	return planOpeningBalance(ctx, call, spec)
}

// nameKey compares names case- and spacing-blind.
func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// countryID reads Dinero's Land ("Danmark", or a code) as an ISO-2 code.
func countryID(s string) (string, string) {
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "", "danmark", "denmark", "dk":
		return "DK", ""
	case "sverige", "sweden":
		return "SE", ""
	case "norge", "norway":
		return "NO", ""
	case "tyskland", "germany":
		return "DE", ""
	default:
		if len(k) == 2 {
			return strings.ToUpper(k), ""
		}
		return "DK", fmt.Sprintf("the country %q is not known; the contact is created in DK, correct it in Billy", s)
	}
}

func (p *plugin) migrateFromDinero(ctx context.Context, call *sdk.Call, in DineroInput) (DineroResult, error) {
	pl, err := p.planDinero(ctx, call, in)
	if err != nil {
		return DineroResult{}, err
	}
	out := pl.out
	var writes []migrationWrite
	for i := range out.Contacts {
		if c := &out.Contacts[i]; c.Action == "create" {
			writes = append(writes, migrationWrite{Kind: "contacts", Label: "contact " + c.Name, Body: c.body, Created: func(id string) { c.BillyID, c.Action = id, "created" }})
		}
	}
	for i := range out.Products {
		if pr := &out.Products[i]; pr.Action == "create" {
			writes = append(writes, migrationWrite{Kind: "products", Label: "product " + pr.Number, Body: pr.body, Created: func(id string) { pr.BillyID, pr.Action = id, "created" }})
		}
	}
	if o := &out.OpeningBalance; o.Status == "create" {
		writes = append(writes, migrationWrite{Kind: "daybook_transactions", Label: "opening balance", Body: o.body, Created: func(id string) { o.TransactionID, o.Status = id, "created" }})
	}
	res, err := p.runMigration(ctx, call, migrationRun{Tool: "migrate_from_dinero", Code: "dinero", Source: "Dinero", Company: out.Company,
		Opening: &out.OpeningBalance, Writes: writes, Lease: dineroLease, DryRun: in.DryRun, Token: in.ConfirmationToken,
		Args: struct {
			Digest string         `json:"digest"`
			Year   int            `json:"year"`
			Date   string         `json:"date"`
			Map    map[string]int `json:"map"`
			Result int            `json:"result"`
			Skip   bool           `json:"skip"`
			Book   string         `json:"book"`
		}{pl.digest, out.Year, out.OpeningBalance.Date, in.AccountMap, in.ResultAccountNo, in.SkipOpeningBalance, in.DaybookID},
		DoneNote: "the opening balance is a draft: review and approve it in Billy's kassekladde, then book open items"})
	if err != nil {
		return DineroResult{}, err
	}
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt, out.Created = res.Status, res.Message, res.Token, res.ExpiresAt, res.Created
	return out, nil
}
