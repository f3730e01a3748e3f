package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Server is the sandbox Billy. It is an http.Handler serving Billy's API
// under /v2 and the admin surface under /_sandbox, and is safe for
// concurrent use.
type Server struct {
	opts   Options
	log    hclog.Logger
	anchor time.Time // the day the generated history ends
	secret []byte    // signs download links

	// mu guards the organizations' data: reads take it shared, writes
	// exclusively, so a write with embedded children is atomic as in Billy.
	mu    sync.RWMutex
	orgs  []*orgState
	byID  map[string]*orgState
	users *userRecord

	faultMu  sync.Mutex
	faults   Faults
	faultRng *rand.Rand
	stats    faultStats

	// instances are the listeners serving the sandbox that it owns, for
	// Restart.
	instMu    sync.Mutex
	instances map[*Instance]struct{}

	// journal is every committed write since the seeded state, kept only
	// with Options.StateFile (state_file.go); mu guards it.
	journal []journalEntry

	downloadSeq atomic.Uint64
}

// New generates the seeded organizations and returns the sandbox.
func New(opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, instances: map[*Instance]struct{}{}}
	day := opts.Today
	if day.IsZero() {
		day = opts.Now().UTC()
	}
	s.anchor = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	sum := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("billy-mcp sandbox download links"), uint64(opts.Seed)))
	s.secret = sum[:]
	if opts.StateFile != "" {
		st, err := readStateFile(opts.StateFile)
		if err != nil {
			return nil, err
		}
		if st != nil {
			if err := s.checkState(st); err != nil {
				return nil, err
			}
			// The seeded history ends where it ended when the state was
			// saved, so the records and IDs are the same ones.
			s.anchor = st.anchor
		}
		s.Reset()
		if st != nil {
			if err := s.replay(st.Writes); err != nil {
				return nil, fmt.Errorf("sandbox: state file %s: %w", opts.StateFile, err)
			}
			s.log.Info("sandbox state loaded", "file", opts.StateFile, "writes", len(st.Writes))
		}
		return s, nil
	}
	s.Reset()
	return s, nil
}

// Reset puts the sandbox back into its seeded state: the generated data, no
// faults and a freshly seeded dice. The request and fault counters (Stats)
// keep counting.
func (s *Server) Reset() {
	kinds := businesses
	if s.opts.Business != "" {
		kinds = []string{s.opts.Business}
	}
	orgs := make([]*orgState, 0, len(kinds))
	byID := map[string]*orgState{}
	for _, kind := range kinds {
		o := generate(s.opts.Seed, kind, s.anchor)
		o.accessToken = s.companyToken(o)
		orgs = append(orgs, o)
		byID[o.org.ID] = o
	}
	user := newUser(s.opts.Seed, orgs[0])

	s.mu.Lock()
	s.orgs, s.byID, s.users = orgs, byID, user
	s.journal = nil
	s.mu.Unlock()

	s.faultMu.Lock()
	s.faults = Faults{}
	s.faultRng = rand.New(rand.NewPCG(uint64(s.opts.Seed), hashString("faults")))
	s.faultMu.Unlock()
}

// companyToken is an organization's own token: "sbx-<business>-" and 24 hex
// digits of an HMAC of its ID keyed by Options.Token, so that listing it on
// the unauthenticated admin surface never reveals Options.Token itself.
func (s *Server) companyToken(o *orgState) string {
	mac := hmac.New(sha256.New, []byte("billy-mcp sandbox company token\x00"+s.opts.Token))
	mac.Write([]byte(o.org.ID))
	return "sbx-" + o.business + "-" + hex.EncodeToString(mac.Sum(nil))[:24]
}

// SetFaults replaces the injected faults; the zero Faults turns them off.
// It takes f as given; PUT /_sandbox/faults checks it with Validate first.
func (s *Server) SetFaults(f Faults) {
	s.faultMu.Lock()
	s.faults = f
	s.faultMu.Unlock()
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// Organizations lists the seeded organizations, the default one first.
func (s *Server) Organizations() []Organization {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Organization, 0, len(s.orgs))
	for i, o := range s.orgs {
		out = append(out, Organization{ID: o.org.ID, Name: o.org.Name, Business: o.business,
			RegistrationNo: o.org.RegistrationNo, AccessToken: o.accessToken, IsDefault: i == 0})
	}
	return out
}

// DefaultOrganizationID is the organization a request reaches when it names
// none: the freelancer when all three kinds are seeded.
func (s *Server) DefaultOrganizationID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.orgs[0].org.ID
}

// Requests counts the /v2 requests received, including those answered with
// an injected fault; tests use it to count upstream calls.
func (s *Server) Requests() int64 { return s.stats.requests.Load() }

// Stats returns the request and fault counters (GET /_sandbox/stats).
func (s *Server) Stats() Stats { return s.stats.snapshot() }

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// ServeHTTP routes /v2 to the API and /_sandbox to the admin surface.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/v2" || strings.HasPrefix(p, "/v2/"):
		s.serveAPI(w, r)
	case strings.HasPrefix(p, "/_sandbox/"):
		s.serveAdmin(w, r)
	default:
		writeError(w, errUnknownResource(), s.now())
	}
}
