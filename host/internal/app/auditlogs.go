package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// list_audit_logs is v1's name for reading the audit log (v1: sinceDate,
// limit 1–500 default 50, newest first). It reads the store's log, and only
// the caller's organization's entries (the tenancy stage has made the
// caller's organization the one the call may act on): an audit query never
// shows another organization's.

const listAuditLogsName = "list_audit_logs"

const listAuditLogsInput = `{"type":"object","properties":{` +
	`"sinceDate":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","description":"first day, YYYY-MM-DD (UTC); default today"},` +
	`"untilDate":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","description":"last day, inclusive"},` +
	`"tool":{"type":"string","maxLength":100,"description":"only calls of this tool"},` +
	`"outcome":{"type":"string","enum":["ok","error","tool_error"]},` +
	`"principal":{"type":"string","maxLength":200,"description":"only this caller's entries"},` +
	`"limit":{"type":"integer","minimum":1,"maximum":500,"default":50},` +
	`"cursor":{"type":"string","pattern":"^[0-9]{1,19}$","description":"next_cursor of the previous page"}` +
	`},"additionalProperties":false}`

func listAuditLogsTool() (*registry.Tool, error) {
	in := json.RawMessage(listAuditLogsInput)
	s, err := schema.Compile(listAuditLogsName, in)
	if err != nil {
		return nil, err
	}
	yes, no := true, false
	return &registry.Tool{
		Name: listAuditLogsName, Title: "Audit log", Category: "admin",
		Description: "Auditors: this organization's audit log, newest first: who called which tool when, from where, the outcome and error code, " +
			"the writes to Billy, and a hash of the arguments (never the arguments). Entries past the retention period show no personal fields.",
		InputSchema: in, Input: s, Scopes: []string{scopes.AuditRead},
		Annotations: registry.Annotations{ReadOnly: &yes, OpenWorld: &no},
	}, nil
}

// auditEntry is one entry as list_audit_logs shows it.
type auditEntry struct {
	Seq           int64           `json:"seq"`
	Time          string          `json:"time"`
	Op            string          `json:"op"`
	Tool          string          `json:"tool,omitempty"`
	Plugin        string          `json:"plugin,omitempty"`
	Organization  string          `json:"organization"`
	Principal     string          `json:"principal,omitempty"`
	ClientAddr    string          `json:"client_addr,omitempty"`
	Transport     string          `json:"transport,omitempty"`
	Auth          string          `json:"auth,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	Outcome       string          `json:"outcome"`
	Code          string          `json:"code,omitempty"`
	Category      string          `json:"category,omitempty"`
	DurationMS    float64         `json:"duration_ms"`
	ArgsHash      string          `json:"args_hash,omitempty"`
	Writes        json.RawMessage `json:"writes,omitempty"`
	Replayed      bool            `json:"replayed,omitempty"`
	Approval      string          `json:"approval,omitempty"`
	Note          string          `json:"note,omitempty"`
	Anonymized    bool            `json:"anonymized,omitempty"`
}

type auditPage struct {
	Entries    []auditEntry `json:"entries"`
	Count      int          `json:"count"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func listAuditLogs(ctx context.Context, s *store.Store, org string, args json.RawMessage, now time.Time) (*auditPage, error) {
	var in struct {
		SinceDate, UntilDate, Tool, Outcome, Principal, Cursor string
		Limit                                                  int
	}
	if len(args) > 0 {
		if err := json.Unmarshal(args, &in); err != nil {
			return nil, errmodel.Invalid("the arguments are not an object: " + err.Error())
		}
	}
	q := store.AuditQuery{Organizations: []string{org}, Name: in.Tool, Outcome: in.Outcome, Principal: in.Principal, Limit: in.Limit}
	if q.Limit == 0 {
		q.Limit = 50
	}
	day := func(field, v string) (time.Time, error) {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return t, errmodel.Invalid(field+" is not a date", errmodel.FieldError{Field: field, Message: "use YYYY-MM-DD, e.g. 2026-11-27"})
		}
		return t, nil
	}
	var err error
	if in.SinceDate == "" {
		q.Since = now.UTC().Truncate(24 * time.Hour)
	} else if q.Since, err = day("sinceDate", in.SinceDate); err != nil {
		return nil, err
	}
	if in.UntilDate != "" {
		if q.Until, err = day("untilDate", in.UntilDate); err != nil {
			return nil, err
		}
		q.Until = q.Until.AddDate(0, 0, 1)
	}
	if in.Cursor != "" {
		if q.Before, err = strconv.ParseInt(in.Cursor, 10, 64); err != nil {
			return nil, errmodel.Invalid("cursor is not one of this tool's", errmodel.FieldError{Field: "cursor", Message: "pass next_cursor as it came"})
		}
	}
	rows, err := s.QueryAudit(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &auditPage{Entries: make([]auditEntry, 0, len(rows))}
	for _, r := range rows {
		e := auditEntry{Seq: r.Seq, Time: r.At.UTC().Format(time.RFC3339Nano), Op: r.Op, Tool: r.Name, Plugin: r.Plugin,
			Organization: r.Organization, Principal: r.Principal, ClientAddr: r.ClientAddr, Transport: r.Transport, Auth: r.Auth,
			CorrelationID: r.CorrelationID, Outcome: r.Outcome, Code: r.Code, Category: r.Category,
			DurationMS: float64(r.Duration.Microseconds()) / 1000, ArgsHash: r.ArgsHash, Replayed: r.Replayed, Approval: r.Approval,
			Anonymized: !r.Anonymized.IsZero()}
		if r.Writes != "" && r.Writes != "[]" {
			e.Writes = json.RawMessage(r.Writes)
		}
		var d struct {
			Note string `json:"note"`
		}
		if json.Unmarshal([]byte(r.Detail), &d) == nil {
			e.Note = d.Note
		}
		page.Entries = append(page.Entries, e)
	}
	page.Count = len(page.Entries)
	if len(rows) == q.Limit && len(rows) > 0 {
		page.NextCursor = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	return page, nil
}

// callListAuditLogs answers list_audit_logs for the call's organization.
func callListAuditLogs(ctx context.Context, open func() (*store.Store, error), req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	org := req.GetContext().GetCaller().GetOrganizationId()
	if strings.TrimSpace(org) == "" {
		return nil, errmodel.New(errmodel.Forbidden, "organization_required", "list_audit_logs reads one organization's log, and this call has none")
	}
	s, err := open()
	if err != nil {
		return nil, errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable", "the audit log's store is not open yet; try again shortly")
	}
	page, err := listAuditLogs(ctx, s, org, json.RawMessage(req.ArgumentsJson), time.Now())
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(page)
	if err != nil {
		return nil, fmt.Errorf("encoding the audit log: %w", err)
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: string(b), TextFromStructured: true}, nil
}
