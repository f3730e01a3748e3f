package hostsvc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/hostsvc"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeUploads holds one upload of key:1234 in org-A and records who asked.
type fakeUploads struct {
	asked []string
	err   error
}

func (f *fakeUploads) ReadUpload(_ context.Context, handle, principal, org string) (*hostsvc.Upload, error) {
	f.asked = append(f.asked, handle+" "+principal+" "+org)
	if f.err != nil {
		return nil, f.err
	}
	if handle != "upl_1" || principal != "key:1234" || org != "org-A" {
		return nil, hostsvc.ErrUploadNotFound
	}
	return &hostsvc.Upload{FileName: "r.pdf", MIME: "application/pdf", SHA256: "abc", Expires: time.Unix(1800000000, 0), Data: []byte("%PDF")}, nil
}

// TestReadUpload: the principal and organization are the call's, not the
// plugin's to name; another caller's call gets upload_not_found.
func TestReadUpload(t *testing.T) {
	up := &fakeUploads{}
	srv := func(plugin string) pluginv1.HostServicesServer {
		return hostsvc.Factory(hostsvc.Deps{Dispatcher: setup(nil, ""), Uploads: up})(plugin)
	}
	resp, err := srv("invoices").ReadUpload(context.Background(), &pluginv1.ReadUploadRequest{CallId: "call-1", Handle: "upl_1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Data) != "%PDF" || resp.Mime != "application/pdf" || resp.FileName != "r.pdf" || resp.ExpiresUnix != 1800000000 {
		t.Errorf("%+v", resp)
	}
	_, err = srv("moms").ReadUpload(context.Background(), &pluginv1.ReadUploadRequest{CallId: "call-2", Handle: "upl_1"})
	if e, _ := errmodel.FromStatus(err); e == nil || e.Code != "upload_not_found" || e.Category != errmodel.NotFound {
		t.Errorf("another caller: %v", err)
	}
	// A call of another plugin is not this plugin's to name.
	if _, err := srv("moms").ReadUpload(context.Background(), &pluginv1.ReadUploadRequest{CallId: "call-1", Handle: "upl_1"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("someone else's call: %v", err)
	}
	if diff := cmp.Diff([]string{"upl_1 key:1234 org-A", "upl_1 other org-B"}, up.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	up.err = errors.New("db down")
	_, err = srv("invoices").ReadUpload(context.Background(), &pluginv1.ReadUploadRequest{CallId: "call-1", Handle: "upl_1"})
	if e, _ := errmodel.FromStatus(err); e == nil || e.Code != hostsvc.CodeStoreUnavailable || !e.Retryable {
		t.Errorf("store down: %v", err)
	}
	if _, err := hostsvc.Factory(hostsvc.Deps{Dispatcher: setup(nil, "")})("invoices").ReadUpload(context.Background(),
		&pluginv1.ReadUploadRequest{CallId: "call-1", Handle: "upl_1"}); status.Code(err) != codes.Unimplemented {
		t.Errorf("no uploads: %v", err)
	}
}
