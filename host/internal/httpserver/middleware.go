package httpserver

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/httpjson"
	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/hashicorp/go-hclog"
)

// isLoopbackHost reports whether host (no port) names this machine.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address binds only to loopback.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	return isLoopbackHost(host)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// rebindingGuard protects a server bound to loopback from DNS rebinding: a
// web page on evil.example that resolves its name to 127.0.0.1 still sends
// "Host: evil.example", and a browser always sends its Origin. Both must name
// this machine (or an operator-allowed name). MCP's transport spec requires
// the Origin check; the Host check closes the same hole for the REST API.
func rebindingGuard(loopback bool, allowedHosts, allowedOrigins []string, next http.Handler) http.Handler {
	hosts := map[string]bool{}
	for _, h := range allowedHosts {
		hosts[strings.ToLower(h)] = true
	}
	origins := map[string]bool{}
	for _, o := range allowedOrigins {
		origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopback {
			h := strings.ToLower(hostOnly(r.Host))
			if !isLoopbackHost(h) && !hosts[h] && !hosts[strings.ToLower(r.Host)] {
				httpjson.Error(w, errmodel.New(errmodel.Forbidden, "host_not_allowed",
					"Host %q is not allowed: this server listens on loopback and accepts only localhost names (add the name to http.allowed_hosts to allow it)", r.Host))
				return
			}
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" {
			u, err := url.Parse(o)
			// Same-origin requests (a page served from this host) are not
			// cross-site; on loopback any local origin is this machine.
			allowed := origins[strings.ToLower(strings.TrimSuffix(o, "/"))] ||
				(err == nil && loopback && isLoopbackHost(u.Hostname())) ||
				(err == nil && !loopback && strings.EqualFold(u.Host, r.Host))
			if !allowed {
				httpjson.Error(w, errmodel.New(errmodel.Forbidden, "origin_not_allowed",
					"Origin %q is not allowed (add it to http.allowed_origins to allow it)", o))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

var correlationPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newCorrelationID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// correlate takes the caller's X-Correlation-ID when it is well formed (so a
// client can follow its request through our logs) or makes one, and echoes
// it in the response.
func correlate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Correlation-ID")
		if !correlationPattern.MatchString(id) {
			id = newCorrelationID()
		}
		w.Header().Set("X-Correlation-ID", id)
		next.ServeHTTP(w, r.WithContext(dispatch.WithCorrelationID(r.Context(), id)))
	})
}

// continueTrace puts the client's trace context in the request's, so the
// spans of its calls join its trace (package tracing).
func continueTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(tracing.FromHTTP(r.Context(), r.Header)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs each request at debug level (info for errors): method,
// path, status, duration and correlation ID, never query strings (they may
// carry an API key) or bodies.
func accessLog(logger hclog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		level := hclog.Debug
		if rec.status >= 500 {
			level = hclog.Warn
		} else if rec.status >= 400 {
			level = hclog.Info
		}
		if logger.GetLevel() > level {
			return // most requests: not logged, so nothing is built for the line
		}
		logger.Log(level, "http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "correlation_id", w.Header().Get("X-Correlation-ID"))
	})
}

// UploadsPath is where the upload endpoint is served (package uploads).
const UploadsPath = "/uploads"

// limitBody bounds request bodies.
func limitBody(max int64, uploads bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The upload endpoint caps its body itself (uploads.max_bytes).
		if r.Body != nil && max > 0 && !(uploads && r.URL.Path == UploadsPath) {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}
