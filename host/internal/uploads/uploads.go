package uploads

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/hashicorp/go-hclog"
)

// Path is where the endpoint is served.
const Path = "/uploads"

// Store keeps uploads (store.Store, through app's durable wrapper).
type Store interface {
	PutUpload(ctx context.Context, u *store.Upload) error
	GetUpload(ctx context.Context, handle string, now time.Time) (*store.Upload, error)
	UploadBytes(ctx context.Context, principal string, now time.Time) (int64, error)
}

// Options configure the endpoint and the reads.
type Options struct {
	Store Store
	// MaxBytes is the largest body taken (uploads.max_bytes).
	MaxBytes int64
	// TTL is how long a handle lives (uploads.ttl).
	TTL time.Duration
	// MaxConcurrent is how many bodies are read at once
	// (uploads.max_concurrent; 0: one).
	MaxConcurrent int
	// MaxBytesPerPrincipal bounds what a principal keeps in unexpired
	// uploads (uploads.max_bytes_per_principal; 0: no bound).
	MaxBytesPerPrincipal int64
	Now                  func() time.Time
	Logger               hclog.Logger
}

// Service serves POST /uploads and reads uploads for hostsvc.
type Service struct {
	o Options
	// slots holds one token per body being read: a body is in memory
	// whole until it is stored, so the slots bound the memory uploads
	// take to MaxConcurrent × MaxBytes.
	slots chan struct{}
}

// New returns the service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.MaxConcurrent < 1 {
		o.MaxConcurrent = 1
	}
	return &Service{o: o, slots: make(chan struct{}, o.MaxConcurrent)}
}

// Answer is the endpoint's 201 body.
type Answer struct {
	Handle    string `json:"handle"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MIME      string `json:"mime"`
	FileName  string `json:"file_name,omitempty"`
	ExpiresAt string `json:"expires_at"`
}

// ServeHTTP takes the raw body (any Content-Type; the MIME type is
// sniffed from the bytes, not taken from the client) and answers 201 with
// the handle. The caller comes from the guard in front (dispatch.Caller).
// The file name, for the record, comes from ?name= or a
// Content-Disposition filename.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	corr := dispatch.CorrelationIDFrom(r.Context())
	fail := func(e *errmodel.Error) { httpjson.Error(w, e.WithCorrelation(corr)) }
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		e := errmodel.New(errmodel.Validation, "method_not_allowed", "%s %s: only POST uploads a file", r.Method, Path)
		httpjson.Write(w, http.StatusMethodNotAllowed, map[string]any{"success": false, "error": e.WithCorrelation(corr)})
		return
	}
	caller := dispatch.CallerFrom(r.Context())
	if caller.Subject == "" {
		fail(errmodel.New(errmodel.Unauthorized, "unauthenticated", "uploading needs credentials"))
		return
	}
	if s.o.Store == nil {
		fail(errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable", "uploads need the durable store, which is not open"))
		return
	}
	if r.ContentLength > s.o.MaxBytes {
		s.tooLarge(w, corr, r.ContentLength)
		return
	}
	// Refused at once rather than queued: a queued body would hold its
	// connection open for as long as the others take, and a client told
	// 429 with Retry-After comes back.
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		e := errmodel.New(errmodel.RateLimited, "uploads_busy",
			"this instance is receiving %d uploads already (uploads.max_concurrent); send the file again in a moment", s.o.MaxConcurrent)
		e.Retryable, e.RetryAfterSeconds = true, 1
		fail(e)
		return
	}
	// What the principal keeps already is checked before the body is read
	// when its length is declared, so an over-quota client does not send
	// megabytes to be refused; and again with the real size below.
	if r.ContentLength > 0 && !s.withinQuota(w, r, corr, caller.Subject, r.ContentLength) {
		return
	}
	// MaxBytesReader rather than a LimitReader alone: past the cap the
	// server closes the connection instead of reading the rest.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(w, corr, -1)
			return
		}
		fail(errmodel.New(errmodel.Validation, "body_unreadable", "the request body could not be read: %v", err))
		return
	}
	if int64(len(data)) > s.o.MaxBytes {
		s.tooLarge(w, corr, -1)
		return
	}
	if len(data) == 0 {
		fail(errmodel.New(errmodel.Validation, errmodel.CodeInvalidArguments, "body: the file is empty; send its bytes as the request body"))
		return
	}
	if !s.withinQuota(w, r, corr, caller.Subject, int64(len(data))) {
		return
	}
	sum := sha256.Sum256(data)
	now := s.o.Now()
	u := &store.Upload{Handle: newHandle(), Principal: caller.Subject, Organization: caller.OrganizationID,
		FileName: fileName(r), MIME: Sniff(data), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)),
		Created: now, Expires: now.Add(s.o.TTL), Data: data}
	if err := s.o.Store.PutUpload(r.Context(), u); err != nil {
		s.o.Logger.Warn("storing an upload failed", "error", err.Error(), "correlation_id", corr)
		e := errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable", "the upload could not be stored; try again")
		e.Retryable = true
		fail(e)
		return
	}
	s.o.Logger.Info("upload stored", "principal", caller.Subject, "organization", caller.OrganizationID,
		"size", u.Size, "mime", u.MIME, "sha256", u.SHA256, "correlation_id", corr)
	httpjson.Write(w, http.StatusCreated, Answer{Handle: u.Handle, SHA256: u.SHA256, Size: u.Size, MIME: u.MIME,
		FileName: u.FileName, ExpiresAt: u.Expires.UTC().Format(time.RFC3339)})
}

// withinQuota reports whether principal may store n more bytes; if not, it
// has answered 429. The sum is read from the shared store, so the bound
// holds across instances, give or take uploads stored at the same moment.
func (s *Service) withinQuota(w http.ResponseWriter, r *http.Request, corr, principal string, n int64) bool {
	if s.o.MaxBytesPerPrincipal <= 0 {
		return true
	}
	used, err := s.o.Store.UploadBytes(r.Context(), principal, s.o.Now())
	if err != nil {
		s.o.Logger.Warn("summing a principal's uploads failed", "error", err.Error(), "correlation_id", corr)
		e := errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable", "the upload could not be checked against uploads.max_bytes_per_principal; try again")
		e.Retryable = true
		httpjson.Error(w, e.WithCorrelation(corr))
		return false
	}
	if used+n <= s.o.MaxBytesPerPrincipal {
		return true
	}
	e := errmodel.New(errmodel.RateLimited, "upload_quota_exceeded",
		"you keep %s in uploads that have not expired, and this file (%s) would pass uploads.max_bytes_per_principal, %s; uploads expire %d minutes after they were made; use the handles you have, or send it again then",
		sizeText(used), sizeText(n), sizeText(s.o.MaxBytesPerPrincipal), int(s.o.TTL.Minutes()))
	e.Retryable, e.RetryAfterSeconds = true, 60
	httpjson.Error(w, e.WithCorrelation(corr))
	return false
}

func (s *Service) tooLarge(w http.ResponseWriter, corr string, n int64) {
	what := "the body is larger"
	if n > 0 {
		what = "the body is " + sizeText(n) + ", more"
	}
	e := errmodel.New(errmodel.Validation, "upload_too_large",
		"%s than uploads.max_bytes allows: at most %s (%d bytes)", what, sizeText(s.o.MaxBytes), s.o.MaxBytes)
	httpjson.Write(w, http.StatusRequestEntityTooLarge, map[string]any{"success": false, "error": e.WithCorrelation(corr)})
}

// Errors of Read. The host service maps them to the error model; "not
// yours" answers as "not found", so a handle of another principal's tells
// nothing about it.
var (
	ErrNotFound = errors.New("uploads: no such upload, or it has expired, or it is another principal's")
)

// Read returns the upload under handle if it belongs to principal (and to
// organization, when the upload was made for one). An upload is reusable
// until it expires: a tool reads it at its preview and again at its
// confirmed execution.
func (s *Service) Read(ctx context.Context, handle, principal, organization string) (*store.Upload, error) {
	if s.o.Store == nil {
		return nil, errors.New("uploads: the durable store is not open")
	}
	if !validHandle(handle) || principal == "" {
		return nil, ErrNotFound
	}
	u, err := s.o.Store.GetUpload(ctx, handle, s.o.Now())
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, ErrNotFound
	}
	if u.Principal != principal || (u.Organization != "" && u.Organization != organization) {
		s.o.Logger.Warn("an upload was asked for by another principal; refused", "principal", principal,
			"organization", organization, "owner", u.Principal)
		return nil, ErrNotFound
	}
	return u, nil
}

const handlePrefix = "upl_"

// newHandle is 128 random bits: a handle is bound to its principal, so it
// need not be a secret, but it must not be guessable either.
func newHandle() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return handlePrefix + hex.EncodeToString(b)
}

func validHandle(h string) bool {
	rest, ok := strings.CutPrefix(h, handlePrefix)
	if !ok || len(rest) != 32 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

// Sniff is the file's MIME type as its bytes say (WHATWG sniffing, as
// net/http does it), without parameters: the client's Content-Type is not
// trusted.
func Sniff(data []byte) string {
	t := http.DetectContentType(data)
	if m, _, err := mime.ParseMediaType(t); err == nil {
		return m
	}
	return t
}

// fileName is the name the client gave, base name only, or "".
func fileName(r *http.Request) string {
	name := r.URL.Query().Get("name")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	name = filepath.Base(strings.TrimSpace(strings.ReplaceAll(name, "\\", "/")))
	if name == "." || name == "/" || !utf8.ValidString(name) || len(name) > 255 {
		return ""
	}
	return name
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
