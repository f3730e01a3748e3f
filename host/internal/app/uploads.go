package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/hostsvc"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/host/internal/uploads"
)

// The upload endpoint (POST /uploads) and the host service that reads
// uploads for plugins, both on the durable store.

func (d *durable) PutUpload(ctx context.Context, u *store.Upload) error {
	s := d.get()
	if s == nil {
		return errStoreNotOpen
	}
	return s.PutUpload(ctx, u)
}

func (d *durable) GetUpload(ctx context.Context, handle string, now time.Time) (*store.Upload, error) {
	s := d.get()
	if s == nil {
		return nil, errStoreNotOpen
	}
	return s.GetUpload(ctx, handle, now)
}

func (d *durable) UploadBytes(ctx context.Context, principal string, now time.Time) (int64, error) {
	s := d.get()
	if s == nil {
		return 0, errStoreNotOpen
	}
	return s.UploadBytes(ctx, principal, now)
}

// uploadReader serves hostsvc.Uploads from the upload service.
type uploadReader struct{ s *uploads.Service }

func (r uploadReader) ReadUpload(ctx context.Context, handle, principal, organization string) (*hostsvc.Upload, error) {
	u, err := r.s.Read(ctx, handle, principal, organization)
	if errors.Is(err, uploads.ErrNotFound) {
		return nil, hostsvc.ErrUploadNotFound
	}
	if err != nil {
		return nil, err
	}
	return &hostsvc.Upload{FileName: u.FileName, MIME: u.MIME, SHA256: u.SHA256, Expires: u.Expires, Data: u.Data}, nil
}

func (a *App) uploadsHandler() http.Handler {
	if a.uploads == nil {
		return nil
	}
	return a.uploads
}
