package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// Receipts and vouchers (integrations.md § 5; billy-api.md § 7.8). A file
// is uploaded to Billy as raw bytes (POST /files, through the host's
// upload) and linked to its owner by an attachment (POST /attachments with
// ownerReference bill:<id>, invoice:<id> or daybookTransaction:<id>).
// Billy can never delete a file once uploaded, so both tools are
// destructive: they preview the file (name, type read from the bytes, size,
// SHA-256) and the target, and write only after a confirmation bound to
// that SHA-256. The same file twice is recognised by its SHA-256 (the
// plugin's voucher register) or, for files uploaded some other way, by an
// attachment of the same name and size on the record.

// maxVoucherBytes bounds a voucher: the host's upload limit.
const maxVoucherBytes = 15 << 20

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// VoucherFile describes the file as read.
type VoucherFile struct {
	Name   string `json:"name"`
	Type   string `json:"type" jsonschema:"read from the bytes: application/pdf, image/jpeg, image/png or image/heic"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// PlannedRequest is one request to Billy as a preview shows it; an upload
// shows the file, not its bytes.
type PlannedRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
}

// VoucherResult is the output of attach_voucher and receipt_to_bill.
type VoucherResult struct {
	Status            string           `json:"status" jsonschema:"done, confirmation_required (nothing written: show the preview; if the user agrees repeat the call with confirmation_token), dry_run, declined, cancelled, or unchanged (the file is attached already)"`
	Message           string           `json:"message"`
	File              VoucherFile      `json:"file"`
	Target            string           `json:"target,omitempty" jsonschema:"the record the file is attached to: bill:<id>, invoice:<id> or daybookTransaction:<id>"`
	Requests          []PlannedRequest `json:"requests,omitempty"`
	FileID            string           `json:"file_id,omitempty"`
	AttachmentID      string           `json:"attachment_id,omitempty"`
	BillID            string           `json:"bill_id,omitempty"`
	ConfirmationToken string           `json:"confirmation_token,omitempty"`
	ExpiresAt         string           `json:"expires_at,omitempty"`
}

// loadVoucher reads and checks a voucher file.
func (p *plugin) loadVoucher(ctx context.Context, call *sdk.Call, src FileSource) (*loadedFile, VoucherFile, error) {
	if src.Text != "" {
		return nil, VoucherFile{}, sdk.Invalid("text", "a voucher is a PDF or a photo: send it as content (base64 or a data: URI), upload (a handle from POST /uploads) or path, not text")
	}
	f, err := src.load(ctx, call, &p.cfg, min(p.cfg.MaxFileBytes, maxVoucherBytes))
	if err != nil {
		return nil, VoucherFile{}, err
	}
	typ, why := sniffVoucher(f.data)
	if typ == "" {
		e := sdk.NewError(sdk.CategoryValidation, "voucher_not_accepted", "the file was refused and nothing was uploaded: %s; a voucher must be a PDF, JPEG, PNG or HEIC file", why)
		e.Fields = []sdk.FieldError{{Field: "content", Message: why}}
		return nil, VoucherFile{}, e
	}
	if f.declared != "" && f.declared != typ && !(f.declared == "image/jpg" && typ == "image/jpeg") {
		return nil, VoucherFile{}, sdk.Invalid("content", "the data: URI says %s, but the bytes are %s; nothing was uploaded", f.declared, typ)
	}
	name := f.name
	if name == "" {
		name = "bilag-" + f.sha256[:8] + extensionFor(typ)
	}
	if len(name) > 200 || strings.ContainsAny(name, "\r\n\x00") {
		return nil, VoucherFile{}, sdk.Invalid("file_name", "must be one line of at most 200 characters")
	}
	return f, VoucherFile{Name: name, Type: typ, Size: len(f.data), SHA256: f.sha256}, nil
}

func checkID(field, id string) error {
	if !idPattern.MatchString(id) {
		return sdk.Invalid(field, "must be a Billy ID (letters, digits, - and _), got %q", id)
	}
	return nil
}

// readOwner checks that the record exists and can take a voucher.
func readOwner(ctx context.Context, call *sdk.Call, typ, id, field string) error {
	plural := map[string]string{"bill": "bills", "invoice": "invoices", "daybookTransaction": "daybookTransactions"}[typ]
	roots, err := billy(ctx, call, "GET", "/"+plural+"/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			out := sdk.NotFound(typ+"_not_found", "there is no %s with ID %q in this Billy organization; check %s", typ, id, field)
			out.Fields = []sdk.FieldError{{Field: field, Message: "not found"}}
			return out
		}
		return withContext(err, "reading %s %s", typ, id)
	}
	var rec struct {
		State string `json:"state"`
	}
	_ = decodeRoot(roots, typ, &rec)
	if rec.State == "voided" {
		return sdk.NewError(sdk.CategoryConflict, "owner_voided", "%s %s is voided; attach the voucher to the record that replaced it", typ, id)
	}
	return nil
}

// attachedAlready looks for the file among the record's attachments: by
// the register's file ID, or by an attachment of the same name and size
// (a file uploaded some other way).
func attachedAlready(ctx context.Context, call *sdk.Call, owner string, vf VoucherFile, known *uploadedFile) (string, error) {
	type att struct {
		ID     string `json:"id"`
		FileID string `json:"fileId"`
	}
	atts, err := listAll[att](ctx, call, "/attachments", "attachments", url.Values{"ownerReference": {owner}}, 2)
	if err != nil {
		return "", withContext(err, "listing the attachments of %s", owner)
	}
	for _, a := range atts {
		if known != nil && a.FileID == known.FileID {
			return fmt.Sprintf("this file (SHA-256 %s…) is attached to %s already, as attachment %s", vf.SHA256[:12], owner, a.ID), nil
		}
		roots, err := billy(ctx, call, "GET", "/files/"+url.PathEscape(a.FileID), nil, nil)
		if err != nil {
			continue // a file we cannot read tells us nothing either way
		}
		var f struct {
			FileName string `json:"fileName"`
			FileSize int    `json:"fileSize"`
		}
		if decodeRoot(roots, "file", &f) == nil && f.FileName == vf.Name && f.FileSize == vf.Size {
			return fmt.Sprintf("%s has an attachment with the same name and size (%s, %d bytes: attachment %s), most likely this file", owner, f.FileName, f.FileSize, a.ID), nil
		}
	}
	return "", nil
}

// AttachInput attaches a voucher to one record.
type AttachInput struct {
	FileSource
	BillID               string `json:"bill_id,omitempty"`
	InvoiceID            string `json:"invoice_id,omitempty"`
	DaybookTransactionID string `json:"daybook_transaction_id,omitempty"`
	AllowDuplicate       bool   `json:"allow_duplicate,omitempty" jsonschema:"attach even though the same file is a voucher of another record"`
	DryRun               bool   `json:"dry_run,omitempty"`
	ConfirmationToken    string `json:"confirmation_token,omitempty" jsonschema:"from a confirmation_required result"`
}

func (in AttachInput) owner() (typ, id, field string, err error) {
	var got []string
	for _, c := range []struct{ typ, id, field string }{
		{"bill", in.BillID, "bill_id"}, {"invoice", in.InvoiceID, "invoice_id"}, {"daybookTransaction", in.DaybookTransactionID, "daybook_transaction_id"},
	} {
		if c.id != "" {
			got = append(got, c.field)
			typ, id, field = c.typ, c.id, c.field
		}
	}
	if len(got) != 1 {
		return "", "", "", sdk.Invalid("bill_id", "give exactly one of bill_id, invoice_id and daybook_transaction_id")
	}
	return typ, id, field, checkID(field, id)
}

func (p *plugin) attachVoucherTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "attach_voucher",
		Title: "Attach a receipt or voucher",
		Description: "Uploads a PDF or photo (JPEG, PNG, HEIC) to Billy and attaches it to a bill, invoice or daybook transaction as its voucher (bilag). " +
			"The type is read from the bytes; the same file twice is recognised by its SHA-256. Billy keeps uploaded files for good, so it asks for confirmation first.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes: []string{"billy:write"},
	}, func(ctx context.Context, call *sdk.Call, in AttachInput) (VoucherResult, error) {
		typ, id, field, err := in.owner()
		if err != nil {
			return VoucherResult{}, err
		}
		f, vf, err := p.loadVoucher(ctx, call, in.FileSource)
		if err != nil {
			return VoucherResult{}, err
		}
		if err := readOwner(ctx, call, typ, id, field); err != nil {
			return VoucherResult{}, err
		}
		owner := typ + ":" + id
		org := call.Caller.OrganizationID
		out := VoucherResult{File: vf, Target: owner}
		known, seen := p.vouchers.get(org, vf.SHA256)
		var kp *uploadedFile
		if seen {
			kp = &known
		}
		why, err := attachedAlready(ctx, call, owner, vf, kp)
		if err != nil {
			return VoucherResult{}, err
		}
		if why != "" {
			// Nothing to do; a confirmation token sent along is not used.
			out.Status, out.Message = "unchanged", why+"; nothing was uploaded"
			return out, nil
		}
		if seen && len(known.Owners) > 0 && !in.AllowDuplicate {
			return VoucherResult{}, duplicateVoucher(vf, known)
		}
		steps := []voucherStep{}
		if !seen {
			steps = append(steps, uploadStep(f, vf))
		}
		steps = append(steps, attachStep(owner, known.FileID))
		action := fmt.Sprintf("Upload %s (%s, %s) and attach it to %s", vf.Name, vf.Type, sizeText(vf.Size), owner)
		if seen {
			action = fmt.Sprintf("Attach the already uploaded %s (file %s) to %s", vf.Name, known.FileID, owner)
		}
		args := map[string]any{"sha256": vf.SHA256, "name": vf.Name, "owner": owner, "allow_duplicate": in.AllowDuplicate}
		return p.runVoucher(ctx, call, "attach_voucher", in.DryRun, in.ConfirmationToken, args, action, out, steps)
	})
}

func duplicateVoucher(vf VoucherFile, known uploadedFile) error {
	return sdk.NewError(sdk.CategoryConflict, "voucher_already_used",
		"this file (%s, SHA-256 %s…) was uploaded on %s as Billy file %s and is the voucher of %s; one receipt is one voucher, so nothing was uploaded. If it really belongs here too, call again with allow_duplicate: true",
		vf.Name, vf.SHA256[:12], known.At, known.FileID, strings.Join(known.Owners, ", "))
}

// ReceiptBillInput creates a draft bill from a receipt.
type ReceiptBillInput struct {
	FileSource
	SupplierID         string `json:"supplier_id" jsonschema:"the supplier's contact ID"`
	EntryDate          string `json:"entry_date" jsonschema:"the receipt's date, YYYY-MM-DD"`
	Amount             string `json:"amount" jsonschema:"the receipt's total including VAT, a decimal such as 1250.00"`
	AccountID          string `json:"account_id" jsonschema:"the expense account"`
	TaxRateID          string `json:"tax_rate_id" jsonschema:"the purchase VAT rate (list_tax_rates)"`
	Description        string `json:"description"`
	SuppliersInvoiceNo string `json:"suppliers_invoice_no,omitempty"`
	DueDate            string `json:"due_date,omitempty" jsonschema:"YYYY-MM-DD; default the entry date"`
	AllowDuplicate     bool   `json:"allow_duplicate,omitempty" jsonschema:"create the bill even though the same file is a voucher already"`
	DryRun             bool   `json:"dry_run,omitempty"`
	ConfirmationToken  string `json:"confirmation_token,omitempty" jsonschema:"from a confirmation_required result"`
}

func (p *plugin) receiptToBillTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "receipt_to_bill",
		Title: "Create a draft bill from a receipt",
		Description: "Creates a draft bill (one line, the receipt's total including VAT) for a supplier and attaches the receipt (PDF, JPEG, PNG or HEIC) as its voucher. " +
			"The bill stays a draft for review. The same receipt twice is recognised by its SHA-256. Asks for confirmation first.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes: []string{"bills:write", "billy:write"},
	}, func(ctx context.Context, call *sdk.Call, in ReceiptBillInput) (VoucherResult, error) {
		for _, c := range []struct{ field, id string }{{"supplier_id", in.SupplierID}, {"account_id", in.AccountID}, {"tax_rate_id", in.TaxRateID}} {
			if err := checkID(c.field, c.id); err != nil {
				return VoucherResult{}, err
			}
		}
		for _, c := range []struct{ field, v string }{{"entry_date", in.EntryDate}, {"due_date", in.DueDate}} {
			if c.v == "" && c.field == "due_date" {
				continue
			}
			if _, err := time.Parse(dateISO, c.v); err != nil {
				return VoucherResult{}, sdk.Invalid(c.field, "must be a date YYYY-MM-DD, got %q", c.v)
			}
		}
		amount, err := decimal.NewFromString(strings.TrimSpace(in.Amount))
		if err != nil || !amount.IsPositive() || amount.Exponent() < -2 || amount.GreaterThan(decimal.New(1, 10)) {
			return VoucherResult{}, sdk.Invalid("amount", "must be a positive amount with at most two decimals, such as 1250.00, got %q", in.Amount)
		}
		desc := strings.TrimSpace(in.Description)
		if desc == "" || len(desc) > 500 {
			return VoucherResult{}, sdk.Invalid("description", "is required, at most 500 characters")
		}
		f, vf, err := p.loadVoucher(ctx, call, in.FileSource)
		if err != nil {
			return VoucherResult{}, err
		}
		org := call.Caller.OrganizationID
		out := VoucherResult{File: vf}
		known, seen := p.vouchers.get(org, vf.SHA256)
		if seen && len(known.Owners) > 0 && !in.AllowDuplicate {
			return VoucherResult{}, duplicateVoucher(vf, known)
		}
		roots, err := billy(ctx, call, "GET", "/contacts/"+url.PathEscape(in.SupplierID), nil, nil)
		if err != nil {
			var e *sdk.Error
			if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
				return VoucherResult{}, sdk.NotFound("contact_not_found", "there is no contact with ID %q in this Billy organization; check supplier_id", in.SupplierID)
			}
			return VoucherResult{}, withContext(err, "reading the supplier")
		}
		var supplier struct {
			Name string `json:"name"`
		}
		_ = decodeRoot(roots, "contact", &supplier)
		due := in.DueDate
		if due == "" {
			due = in.EntryDate
		}
		bill := map[string]any{"contactId": in.SupplierID, "entryDate": in.EntryDate, "dueDate": due, "taxMode": "incl", "state": "draft",
			"lines": []map[string]any{{"accountId": in.AccountID, "taxRateId": in.TaxRateID, "description": desc, "amount": json.Number(amount.StringFixed(2))}}}
		if in.SuppliersInvoiceNo != "" {
			bill["suppliersInvoiceNo"] = in.SuppliersInvoiceNo
		}
		steps := []voucherStep{{req: PlannedRequest{Method: "POST", Path: "/bills", Body: map[string]any{"bill": bill}}, created: "bills"}}
		if !seen {
			steps = append(steps, uploadStep(f, vf))
		}
		steps = append(steps, attachStep("bill:<the bill created by request 1>", known.FileID))
		action := fmt.Sprintf("Create a draft bill from %s of %s incl. VAT, dated %s, with %s (%s, %s) attached as its voucher",
			supplier.Name, dkfmt.Kr(amount), dkfmt.DateISO(in.EntryDate), vf.Name, vf.Type, sizeText(vf.Size))
		args := map[string]any{"sha256": vf.SHA256, "name": vf.Name, "bill": bill, "allow_duplicate": in.AllowDuplicate}
		return p.runVoucher(ctx, call, "receipt_to_bill", in.DryRun, in.ConfirmationToken, args, action, out, steps)
	})
}

// voucherStep is one planned request; created names the plural root its
// answer's new record is read from (its ID feeds the later steps).
type voucherStep struct {
	req     PlannedRequest
	upload  *sdk.BillyUpload
	created string
}

func uploadStep(f *loadedFile, vf VoucherFile) voucherStep {
	return voucherStep{
		req:     PlannedRequest{Method: "POST", Path: "/files", Body: map[string]any{"upload": vf}},
		upload:  &sdk.BillyUpload{ContentType: vf.Type, FileName: vf.Name, Data: f.data},
		created: "files",
	}
}

// attachStep links the file (fileID, or the one uploaded before it) to
// owner (or the bill created before it).
func attachStep(owner, fileID string) voucherStep {
	if fileID == "" {
		fileID = "<the file uploaded by the request before>"
	}
	return voucherStep{req: PlannedRequest{Method: "POST", Path: "/attachments",
		Body: map[string]any{"attachment": map[string]any{"ownerReference": owner, "fileId": fileID}}}, created: "attachments"}
}

// runVoucher applies the write policy and, when allowed, sends the steps.
func (p *plugin) runVoucher(ctx context.Context, call *sdk.Call, tool string, dryRun bool, token string, args map[string]any, action string, out VoucherResult, steps []voucherStep) (VoucherResult, error) {
	for _, s := range steps {
		out.Requests = append(out.Requests, s.req)
	}
	a, err := json.Marshal(args)
	if err != nil {
		return VoucherResult{}, err
	}
	st, err := json.Marshal(out.Requests)
	if err != nil {
		return VoucherResult{}, err
	}
	b := confirm.Binding{Tool: tool, Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: a, State: st}
	step, err := p.writePolicy(ctx, call, tool, dryRun, token, b, action+".\nBilly keeps an uploaded file for good.", "Tick to upload this file to Billy now.")
	if err != nil {
		return VoucherResult{}, err
	}
	if step == stepExecute {
		return p.sendVoucher(ctx, call, action, out, steps)
	}
	h := p.hold(step, b, wording{Tool: tool, Action: action, Nothing: "uploaded", Show: "this", Same: "the same arguments", DryRunTail: " would be sent as these requests"})
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt = h.Status, h.Message, h.Token, h.ExpiresAt
	return out, nil
}

// sendVoucher sends the steps in order, feeding each created ID to the
// next, and registers the file by its SHA-256 as soon as it is uploaded.
func (p *plugin) sendVoucher(ctx context.Context, call *sdk.Call, action string, out VoucherResult, steps []voucherStep) (VoucherResult, error) {
	org := call.Caller.OrganizationID
	var billID, fileID string
	if kf, ok := p.vouchers.get(org, out.File.SHA256); ok {
		fileID = kf.FileID
	}
	done := []string{}
	for i, s := range steps {
		req := sdk.BillyRequest{Method: s.req.Method, Path: s.req.Path, Body: s.req.Body}
		switch {
		case s.upload != nil:
			req.Body, req.Upload = nil, s.upload
		case s.req.Path == "/attachments":
			owner := out.Target
			if billID != "" {
				owner = "bill:" + billID
			}
			req.Body = map[string]any{"attachment": map[string]any{"ownerReference": owner, "fileId": fileID}}
			out.Target = owner
		}
		resp, err := call.Host.Billy(ctx, req)
		if err == nil && (resp.Status < 200 || resp.Status > 299) {
			err = &sdk.Error{Code: "billy_request_rejected", Category: sdk.CategoryValidation, Message: fmt.Sprintf("Billy answered HTTP %d: %s", resp.Status, truncate(string(resp.Body), 300))}
		}
		if err != nil {
			msg := fmt.Sprintf("request %d of %d (%s %s) failed", i+1, len(steps), s.req.Method, s.req.Path)
			if len(done) > 0 {
				msg += "; already done: " + strings.Join(done, ", ") + ". Check the record before trying again"
			} else {
				msg += "; nothing was written"
			}
			return VoucherResult{}, withContext(err, "%s", msg)
		}
		var roots map[string]json.RawMessage
		_ = json.Unmarshal(resp.Body, &roots)
		var recs []struct {
			ID string `json:"id"`
		}
		_ = decodeRoot(roots, s.created, &recs)
		id := ""
		if len(recs) > 0 {
			id = recs[0].ID
		}
		switch s.created {
		case "bills":
			billID, out.BillID = id, id
			done = append(done, "draft bill "+id)
		case "files":
			fileID = id
			done = append(done, "file "+id+" uploaded")
			p.register(ctx, call, out.File, fileID, "")
		case "attachments":
			out.AttachmentID = id
			p.register(ctx, call, out.File, fileID, out.Target)
		}
	}
	out.FileID = fileID
	out.Status, out.Message, out.Requests = "done", "done: "+action, nil
	return out, nil
}

// register remembers the file by its SHA-256, and the record it became the
// voucher of.
func (p *plugin) register(ctx context.Context, call *sdk.Call, vf VoucherFile, fileID, owner string) {
	org := call.Caller.OrganizationID
	u, _ := p.vouchers.get(org, vf.SHA256)
	u.FileID, u.FileName, u.Size, u.Type = fileID, vf.Name, vf.Size, vf.Type
	if u.At == "" {
		u.At = p.now().UTC().Format(time.RFC3339)
	}
	if owner != "" && !slices.Contains(u.Owners, owner) {
		u.Owners = append(u.Owners, owner)
	}
	if u.Owners == nil {
		u.Owners = []string{}
	}
	if err := p.vouchers.put(org, vf.SHA256, u); err != nil {
		_ = call.Host.Log(ctx, sdk.LogWarning, "could not save the voucher register", map[string]any{"error": err.Error()})
	}
}
