package hostsvc

import (
	"context"
	"errors"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Upload is a file a client uploaded (POST /uploads), as a plugin gets it.
type Upload struct {
	FileName string
	MIME     string
	SHA256   string
	Expires  time.Time
	Data     []byte
}

// ErrUploadNotFound is what Uploads.ReadUpload answers for a handle that
// is unknown, expired, or another principal's: they are one answer, so a
// handle tells nothing about anyone else's files.
var ErrUploadNotFound = errors.New("hostsvc: no such upload for this principal")

// Uploads reads an upload on behalf of a principal (package uploads, via
// app).
type Uploads interface {
	ReadUpload(ctx context.Context, handle, principal, organization string) (*Upload, error)
}

// ReadUpload gives the plugin an upload of the call's caller. The
// principal and organization are the call's, which the host knows; the
// plugin names only the handle.
func (s *server) ReadUpload(ctx context.Context, req *pluginv1.ReadUploadRequest) (*pluginv1.ReadUploadResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if s.deps.Uploads == nil {
		return nil, status.Error(codes.Unimplemented, "this host keeps no uploads")
	}
	caller := c.Op.Caller
	u, err := s.deps.Uploads.ReadUpload(ctx, req.Handle, caller.Subject, caller.OrganizationID)
	switch {
	case errors.Is(err, ErrUploadNotFound):
		return nil, toStatus(errmodel.New(errmodel.NotFound, "upload_not_found",
			"upload: there is no upload %q for you: the handle is mistyped, has expired (uploads live for uploads.ttl), or was made by another principal; upload the file again with POST /uploads", clip(req.Handle)))
	case err != nil:
		s.logger.Error("store: cannot read an upload", "error", err.Error(), "correlation_id", c.Op.CorrelationID)
		e := errmodel.New(errmodel.UpstreamUnavailable, CodeStoreUnavailable,
			"the host's database did not answer, so the upload cannot be read now; try again in a moment (operators: the host's log says why)")
		e.Retryable = true
		return nil, toStatus(e)
	}
	return &pluginv1.ReadUploadResponse{Data: u.Data, Mime: u.MIME, Sha256: u.SHA256, FileName: u.FileName,
		ExpiresUnix: u.Expires.Unix()}, nil
}

// clip keeps a client's handle short in a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
