package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startAdmin serves Go's profiler on admin.addr (loopback only, checked by
// the config), so the host can be measured under load without exposing it:
// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10`.
func (a *App) startAdmin() error {
	addr := a.Config.Admin.Addr
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Logger.Warn("admin listener stopped", "error", err.Error())
		}
	}()
	a.Logger.Info("admin listener: profiler at /debug/pprof/", "addr", ln.Addr().String())
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return nil
}
