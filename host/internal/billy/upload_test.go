package billy

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestUpload: a file goes to POST /files as its raw bytes with its type in
// Content-Type and its name in X-Filename (billy-api.md § 7.8); anything
// else shaped as an upload is refused before it leaves the host.
func TestUpload(t *testing.T) {
	var got struct {
		method, path, ctype, name string
		body                      []byte
	}
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.ctype, got.name = r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("X-Filename")
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"meta":{"statusCode":200,"success":true},"files":[{"id":"f1"}]}`)
	}))
	g := newGateway(t, testOptions(srv.URL, newFakeClock()))
	pdf := []byte("%PDF-1.4\n\x00\xff binary")
	if _, err := g.Do(context.Background(), Request{OrganizationID: "o", Method: "POST", Path: "/files", Body: pdf,
		UploadType: "application/pdf", UploadName: "kvittering.pdf"}); err != nil {
		t.Fatal(err)
	}
	if got.method != "POST" || got.path != "/v2/files" || got.ctype != "application/pdf" || got.name != "kvittering.pdf" || !bytes.Equal(got.body, pdf) {
		t.Errorf("upstream saw %s %s type %q name %q body %q", got.method, got.path, got.ctype, got.name, got.body)
	}
	for name, req := range map[string]Request{
		"another path":    {Method: "POST", Path: "/invoices", Body: pdf, UploadType: "application/pdf", UploadName: "a.pdf"},
		"PUT":             {Method: "PUT", Path: "/files", Body: pdf, UploadType: "application/pdf", UploadName: "a.pdf"},
		"an executable":   {Method: "POST", Path: "/files", Body: pdf, UploadType: "application/x-msdownload", UploadName: "a.exe"},
		"no name":         {Method: "POST", Path: "/files", Body: pdf, UploadType: "application/pdf"},
		"a header inject": {Method: "POST", Path: "/files", Body: pdf, UploadType: "application/pdf", UploadName: "a.pdf\r\nX-Access-Token: x"},
		"no bytes":        {Method: "POST", Path: "/files", UploadType: "image/png", UploadName: "a.png"},
		"too large":       {Method: "POST", Path: "/files", Body: make([]byte, MaxUploadBytes+1), UploadType: "image/png", UploadName: "a.png"},
	} {
		req.OrganizationID = "o"
		got.method = ""
		_, err := g.Do(context.Background(), req)
		if e := asAppErr(t, err); e.Code != "invalid_billy_request" || got.method != "" {
			t.Errorf("%s: %v (upstream saw %q)", name, err, got.method)
		}
		if err != nil && strings.Contains(err.Error(), "X-Access-Token: x") {
			t.Errorf("%s: the error echoes the header", name)
		}
	}
}
