package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
)

// shutdownGrace bounds how long ListenAndServe waits for requests in flight
// once its context is cancelled.
const shutdownGrace = 5 * time.Second

// ListenAndServe runs a standalone sandbox on addr (e.g. "127.0.0.1:8081")
// until ctx is cancelled, then shuts down gracefully. It logs the address
// and the seeded organizations with their tokens, so that other clients and
// hosts know what to use. A nil Options.Logger logs to stderr.
func ListenAndServe(ctx context.Context, addr string, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = hclog.New(&hclog.LoggerOptions{Name: "sandbox", Output: os.Stderr, Level: hclog.Info})
	}
	s, err := New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves the sandbox on ln until ctx is cancelled.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String() + "/v2"
	s.log.Info("sandbox Billy API listening", "url", base, "token_required", s.opts.Token != "")
	for _, o := range s.Organizations() {
		// The company tokens are sandbox-only and do not reveal
		// Options.Token, which is never logged.
		args := []any{"id", o.ID, "name", o.Name, "business", o.Business, "default", o.IsDefault}
		if s.opts.LogTokens {
			args = append(args, "access_token", o.AccessToken)
		}
		s.log.Info("sandbox organization", args...)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	s.log.Info("sandbox stopped")
	return err
}
