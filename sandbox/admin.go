package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
)

// serveAdmin is the sandbox's own surface, reachable without a Billy token
// (it only exists on the sandbox):
//
//	POST /_sandbox/reset          back to the seeded state
//	GET  /_sandbox/faults         the injected faults (JSON Faults)
//	PUT  /_sandbox/faults         replace them
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
		writeJSON(w, http.StatusNotFound, errBody{"unknown sandbox endpoint; see /_sandbox/organizations, /_sandbox/faults, /_sandbox/reset"})
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
