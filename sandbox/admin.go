package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// serveAdmin is the sandbox's own surface, reachable without a Billy token
// (it only exists on the sandbox):
//
//	POST /_sandbox/reset          back to the seeded state
//	GET  /_sandbox/faults         the injected faults (JSON Faults: latency, jitter,
//	                              errorRate, rateLimitRate, retryAfter, outage,
//	                              slowRate, slowBy, dropAfterCommitRate,
//	                              slowCommitRate, slowCommitBy, partialPageRate)
//	PUT  /_sandbox/faults         replace them (400 when Validate refuses them)
//	GET  /_sandbox/stats          requests and injected faults so far (JSON Stats)
//	POST /_sandbox/restart        go down like a crashed server for {"down":"2s"}
//	                              (default 1s, at most 60s), then come back on the
//	                              same address with the same data; answered 202
//	                              before going down, 409 when the sandbox does not
//	                              own its listener (an http.Handler in another server)
//	GET  /_sandbox/organizations  the seeded organizations, with their IDs and tokens
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	type errBody struct {
		Error string `json:"error"`
	}
	allow := func(methods string) {
		w.Header().Set("Allow", methods)
		writeJSON(w, http.StatusMethodNotAllowed, errBody{"method not allowed; use " + methods})
	}
	switch r.URL.Path {
	case "/_sandbox/reset":
		if r.Method != http.MethodPost {
			allow(http.MethodPost)
			return
		}
		s.Reset()
		s.log.Info("sandbox reset to its seeded state")
		writeJSON(w, http.StatusOK, map[string]any{"reset": true, "organizations": s.Organizations()})
	case "/_sandbox/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Faults())
		case http.MethodPut:
			var f Faults
			b, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if err == nil {
				err = json.Unmarshal(b, &f)
			}
			if err == nil {
				err = f.Validate()
			}
			if err != nil {
				writeJSON(w, http.StatusBadRequest, errBody{"invalid faults: " + err.Error()})
				return
			}
			s.SetFaults(f)
			s.log.Info("sandbox faults changed", "faults", string(mustJSON(f)))
			writeJSON(w, http.StatusOK, f)
		default:
			allow("GET, PUT")
		}
	case "/_sandbox/stats":
		if r.Method != http.MethodGet {
			allow(http.MethodGet)
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	case "/_sandbox/restart":
		if r.Method != http.MethodPost {
			allow(http.MethodPost)
			return
		}
		down, err := restartDown(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errBody{"invalid restart: " + err.Error()})
			return
		}
		l := lifeOf(r.Context())
		if l == nil {
			writeJSON(w, http.StatusConflict, errBody{"this sandbox cannot restart: it is an http.Handler inside another server, " +
				"not serving on a listener of its own; run it with billy-sandbox (or sandbox.Serve, Listen or Start) to restart it"})
			return
		}
		// The answer goes out in full before the connection is closed
		// with all the others: a fixed length, flushed, then the restart.
		b := mustJSON(map[string]any{"restarting": true, "down": jsonDuration(down), "addr": l.inst.Addr()})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b)
		_ = http.NewResponseController(w).Flush()
		go func() {
			if err := l.inst.Restart(down); err != nil && !errors.Is(err, ErrStopped) {
				s.log.Error("sandbox restart failed", "error", err)
			}
		}()
	case "/_sandbox/organizations":
		if r.Method != http.MethodGet {
			allow(http.MethodGet)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"organizations":         s.Organizations(),
			"defaultOrganizationId": s.DefaultOrganizationID(),
		})
	default:
		writeJSON(w, http.StatusNotFound, errBody{"unknown sandbox endpoint; see /_sandbox/organizations, /_sandbox/faults, /_sandbox/stats, /_sandbox/restart, /_sandbox/reset"})
	}
}

// restartDown reads POST /_sandbox/restart's optional body {"down":"2s"}.
func restartDown(r *http.Request) (time.Duration, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<12))
	if err != nil {
		return 0, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return DefaultRestartDown, nil
	}
	var body struct {
		Down *jsonDuration `json:"down"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return 0, err
	}
	if body.Down == nil {
		return DefaultRestartDown, nil
	}
	d := time.Duration(*body.Down)
	if d < 0 || d > MaxRestartDown {
		return 0, fmt.Errorf("down must be between 0s and %v", MaxRestartDown)
	}
	return d, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
