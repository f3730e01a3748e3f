package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/billy-mcp/billy-mcp/sandbox/economic"
	"github.com/google/go-cmp/cmp"
)

// matrixClients are the MCP client implementations the matrix runs, each
// pinned (Go ones in host/go.mod, npm ones in tools/node/package-lock.json)
// and each over both transports: users run these, not our own client code.
var matrixClients = []struct {
	name    string
	library func() string
	connect func(ctx context.Context, t *testing.T, target serverTarget) (*clientSession, error)
}{
	{
		name:    "mcp-go",
		library: goLibrary("github.com/mark3labs/mcp-go"),
		connect: func(ctx context.Context, _ *testing.T, target serverTarget) (*clientSession, error) {
			return connectMCPGo(ctx, target)
		},
	},
	{
		name:    "go-sdk",
		library: goLibrary("github.com/modelcontextprotocol/go-sdk"),
		connect: func(ctx context.Context, _ *testing.T, target serverTarget) (*clientSession, error) {
			return connectGoSDK(ctx, target)
		},
	},
	{
		name:    "ts-sdk",
		library: npmLibrary("@modelcontextprotocol/sdk"),
		connect: viaNodeDriver("ts-sdk"),
	},
	{
		// The v2 line, pinned to 2026-07-28, beside the v1 SDK, which
		// negotiates 2025-11-25: the matrix runs on both revisions.
		name:    "ts-sdk-v2",
		library: npmLibrary("@modelcontextprotocol/client"),
		connect: viaNodeDriver("ts-sdk-v2"),
	},
	{
		name:    "ai-sdk",
		library: npmLibrary("@ai-sdk/mcp"),
		connect: viaNodeDriver("ai-sdk"),
	},
	{
		name:    "inspector",
		library: npmLibrary("@modelcontextprotocol/inspector"),
		connect: func(_ context.Context, t *testing.T, target serverTarget) (*clientSession, error) {
			return connectInspector(target, t.TempDir())
		},
	},
}

// goLibrary and npmLibrary name a pinned library and its version for the
// summary, read when the table is built.
func goLibrary(module string) func() string {
	return func() string { return strings.TrimPrefix(module, "github.com/") + " " + goModuleVersion(module) }
}

func npmLibrary(pkg string) func() string {
	return func() string { return pkg + " " + npmVersion(pkg) }
}

// viaNodeDriver connects one of the libraries host/e2e/clients/driver.mjs
// drives.
func viaNodeDriver(library string) func(context.Context, *testing.T, serverTarget) (*clientSession, error) {
	return func(_ context.Context, _ *testing.T, target serverTarget) (*clientSession, error) {
		return connectNode(library, target)
	}
}

var matrixTransports = []string{"http", "stdio"}

// matrixConfig is the host config every cell runs: the shipped plugins
// (invoices, moms, presets, integrations), the sandbox, and destructive
// writes behind a confirmation. migrate_from_economic reads the e-conomic
// fake at economicURL, as the sandbox organization's agreement.
func matrixConfig(m *matrixData, economicURL, org string) string {
	cfg := "mode: sandbox\nwrites:\n  mode: confirm\nplugins:\n  invoices: {path: billy-mcp-plugin-invoices}\n  moms: {path: billy-mcp-plugin-moms}\n  presets: {path: billy-mcp-plugin-presets}\n" +
		"  integrations:\n    path: billy-mcp-plugin-integrations\n    config:\n      economic: {base_url: " + economicURL + ", app_secret_token: matrix-app-secret, agreement_grant_tokens: {" + strconv.Quote(org) + ": matrix-grant}}\n"
	if m.SandboxBusiness != "" {
		cfg += "sandbox:\n  business: " + m.SandboxBusiness + "\n"
	}
	return cfg
}

// economicFake serves e-conomic's demo agreement for the matrix's hosts
// and returns its URL and the organization (the sandbox's default, the
// same in every host: the default seed) whose agreement it is.
func economicFake(t *testing.T, m *matrixData) (url, org string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Seed: 1, Business: m.SandboxBusiness})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(economic.New(economic.Options{AppSecretToken: "matrix-app-secret", Agreements: map[string]*economic.Agreement{"matrix-grant": economic.Demo()}}))
	t.Cleanup(srv.Close)
	return srv.URL, sb.DefaultOrganizationID()
}

// TestClientMatrix runs real MCP clients written by others against the
// real host (plugin subprocesses, sandbox Billy), over Streamable HTTP and
// stdio: each lists the tools, calls every tool of the shipped plugins with
// valid arguments, calls some with invalid arguments and unknown IDs and
// checks the error the user sees, and confirms destructive writes with the
// token a preview returns. The cases are data (testdata/client-matrix.yaml).
// A client's own exception fails its check with the client's message.
func TestClientMatrix(t *testing.T) {
	m, err := loadMatrix()
	if err != nil {
		t.Fatal(err)
	}
	economicURL, org := economicFake(t, m)
	cfg := matrixConfig(m, economicURL, org)

	// The server's own tool list, through the baseline client: what the
	// data file must cover and what every client must list.
	ref := startHost(t, cfg)
	ref.waitReady(15 * time.Second)
	serverTools := toolNames(t, ref.mcpHTTP())
	sort.Strings(serverTools)
	ref.stop()
	t.Run("coverage", func(t *testing.T) {
		var inFile []string
		for _, tc := range m.Tools {
			inFile = append(inFile, tc.Name)
		}
		for _, name := range serverTools {
			if !slices.Contains(inFile, name) {
				t.Errorf("the server lists %s, but %s has no entry for it: add one with valid arguments (and errors worth showing)", name, matrixFile)
			}
		}
		for _, name := range inFile {
			if !slices.Contains(serverTools, name) {
				t.Errorf("%s has an entry for %s, which the server does not list", matrixFile, name)
			}
		}
	})

	var reports []*cellReport
	for _, mc := range matrixClients {
		for _, transport := range matrixTransports {
			report := &cellReport{client: mc.name, library: mc.library(), transport: transport}
			reports = append(reports, report)
			t.Run(mc.name+"/"+transport, func(t *testing.T) {
				var target serverTarget
				if transport == "http" {
					h := startHost(t, cfg)
					h.waitReady(15 * time.Second)
					target.url = h.url("/mcp")
				} else {
					target.cfg = writeConfig(t, cfg)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				t.Cleanup(cancel)
				sess, err := mc.connect(ctx, t, target)
				report.record("connect", err)
				if err != nil {
					t.Fatalf("%s over %s: connecting: %v", mc.name, transport, err)
				}
				report.protocol = sess.protocol
				t.Cleanup(func() {
					if err := sess.client.Close(); err != nil {
						t.Logf("closing the client: %v", err)
					}
					if t.Failed() && sess.logs.String() != "" {
						t.Logf("client and stdio server stderr:\n%s", clip(sess.logs.String(), 6000))
					}
				})
				(&cellRun{m: m, reference: serverTools, sess: sess, report: report}).run(t)
			})
		}
	}
	t.Log("\n" + matrixSummary(m, reports))
}

// matrixSummary is the compact table: one row per client × transport, then
// the failed checks of each, one line each.
func matrixSummary(m *matrixData, reports []*cellReport) string {
	cases := 0
	for _, tc := range m.Tools {
		cases += len(tc.Errors)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "client matrix: %d tools, %d error cases, writes.mode confirm, sandbox business %q\n", len(m.Tools), cases, m.SandboxBusiness)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CLIENT\tLIBRARY\tTRANSPORT\tPROTOCOL\tPASSED\tFAILED\tRESULT")
	for _, r := range reports {
		result := "pass"
		switch {
		case len(r.failures) > 0:
			result = "FAIL"
		case r.passed == 0:
			result = "not run" // -run left it out
		}
		protocol := r.protocol
		if protocol == "" {
			protocol = "-" // the library does not say what it negotiated
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.client, r.library, r.transport, protocol, r.passed, len(r.failures), result)
	}
	w.Flush()
	for _, r := range reports {
		for _, n := range r.notes {
			fmt.Fprintf(&b, "  %s/%s: %s\n", r.client, r.transport, n)
		}
		for _, f := range r.failures {
			fmt.Fprintf(&b, "  %s/%s FAIL %s\n", r.client, r.transport, clip(strings.ReplaceAll(f, "\n", " "), 220))
		}
	}
	return b.String()
}

// TestClientMatrixFile checks the data file on its own, so that a mistake
// in it shows as one, without starting any client.
func TestClientMatrixFile(t *testing.T) {
	m, err := loadMatrix()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tools) == 0 || len(m.Placeholders) == 0 {
		t.Fatalf("%s has %d tools and %d placeholders", matrixFile, len(m.Tools), len(m.Placeholders))
	}
}

func TestMatrixSubstitute(t *testing.T) {
	values := map[string]any{"invoice": "inv1", "n": 3, "amount": 4482.5}
	failed := map[string]error{"gone": fmt.Errorf("list_invoices failed")}
	tests := []struct {
		name    string
		in      map[string]any
		want    map[string]any
		wantErr string
	}{
		{"nil arguments", nil, map[string]any{}, ""},
		{"whole values only", map[string]any{"a": "$invoice", "b": "x $invoice", "c": "$n"}, map[string]any{"a": "inv1", "b": "x $invoice", "c": 3}, ""},
		{"nested", map[string]any{"ids": []any{"$invoice", map[string]any{"k": "$n"}}}, map[string]any{"ids": []any{"inv1", map[string]any{"k": 3}}}, ""},
		{"failed placeholder", map[string]any{"a": "$gone"}, nil, "placeholder $gone: list_invoices failed"},
		{"unknown placeholder", map[string]any{"a": "$nope"}, nil, "placeholder $nope was not resolved"},
		{"inline", map[string]any{"text": "Faktura ${invoice}, ${n} stk, ${amount} kr."}, map[string]any{"text": "Faktura inv1, 3 stk, 4482.5 kr."}, ""},
		{"inline failed placeholder", map[string]any{"text": "x ${gone}"}, nil, "placeholder $gone: list_invoices failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := substituteArgs(tt.in, values, failed)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatrixPick(t *testing.T) {
	doc := map[string]any{"invoices": []any{map[string]any{"id": "a"}, map[string]any{"id": "b"}}}
	tests := []struct {
		path    string
		want    any
		wantErr bool
	}{
		{"invoices.1.id", "b", false},
		{"invoices.2.id", nil, true},
		{"invoices.x", nil, true},
		{"customers.0.id", nil, true},
		{"invoices.0.id.more", nil, true},
		{"invoices.#", 2, false},
		{"invoices.0.#", nil, true},
	}
	for _, tt := range tests {
		got, err := pick(doc, tt.path)
		if (err != nil) != tt.wantErr {
			t.Errorf("pick(%q): error %v, want error %v", tt.path, err, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("pick(%q) (-want +got):\n%s", tt.path, diff)
		}
	}
}

func TestMatrixExpect(t *testing.T) {
	out := map[string]any{"status": "done", "total": "395.00", "delivery": map[string]any{"state": "received"},
		"lines": []any{map[string]any{"product_id": "p1"}}, "n": float64(2)}
	c := &cellRun{values: map[string]any{"product": "p1"}, failed: map[string]error{}}
	tests := []struct {
		name    string
		expect  map[string]any
		wantErr string
	}{
		{"none", nil, ""},
		{"all hold", map[string]any{"total": "395.00", "delivery.state": "received", "lines.#": 1, "lines.0.product_id": "$product", "n": 2}, ""},
		{"a value differs", map[string]any{"total": "395.00", "delivery.state": "rejected"}, "the answer differs: delivery.state = received, want rejected"},
		{"a length differs", map[string]any{"lines.#": 2}, "the answer differs: lines.# = 1, want 2"},
		{"a missing path", map[string]any{"credit_note_id": "x"}, `the answer differs: credit_note_id: no key "credit_note_id"`},
		{"an unresolved placeholder", map[string]any{"total": "$nope"}, "placeholder $nope was not resolved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.checkExpect(toolCases{Expect: tt.expect}, out)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("checkExpect: %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestMatrixErrorObject(t *testing.T) {
	obj := map[string]any{"code": "bank_file_refused", "message": "the file was refused whole: line 2: the booking date is not a date",
		"fields": []any{map[string]any{"field": "file", "message": "date"}}}
	tests := []struct {
		name    string
		obj     map[string]any
		ec      errorCase
		wantErr string
	}{
		{"code only", obj, errorCase{Code: "bank_file_refused"}, ""},
		{"code, field and message", obj, errorCase{Code: "bank_file_refused", Field: "file", Says: "line 2"}, ""},
		{"another code", obj, errorCase{Code: "invalid_arguments"}, "error code bank_file_refused, want invalid_arguments: the file was refused whole: line 2: the booking date is not a date"},
		{"another field", obj, errorCase{Code: "bank_file_refused", Field: "content"}, "error bank_file_refused names the fields [file], want content among them: the file was refused whole: line 2: the booking date is not a date"},
		{"another line", obj, errorCase{Code: "bank_file_refused", Says: "line 3"}, `error bank_file_refused: the message does not say "line 3": the file was refused whole: line 2: the booking date is not a date`},
		{"no message", map[string]any{"code": "x"}, errorCase{Code: "x"}, "error x has no message for the user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := checkErrorObject(tt.ec, tt.obj); err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("checkErrorObject: %q, want %q", got, tt.wantErr)
			}
		})
	}
}
