package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Keeping the data across process restarts (Options.StateFile,
// billy-sandbox --state-file).
//
// The state is not a dump of the records: the organizations' tables hold
// unexported fields (child IDs, øre amounts, the seeded ID generators'
// positions, catalogues) that a dump would have to mirror field by field
// and keep in step with every change to the model. The sandbox is
// deterministic instead (doc.go, "Determinism"): its data is a function of
// the seed, the business kinds, the day the history ends, and the writes
// made since. So the state file holds those: the seed and anchor day, and
// a journal of every committed write (organization, method, path, query,
// body and the clock's time), replayed through the same handlers at load.
// The same writes on the same seeded data give the same records and the
// same IDs; a write that does not replay (a sandbox changed since the file
// was saved) stops the load with an error rather than losing data quietly.
//
// The journal grows with every write, which suits a test sandbox; it is
// kept only when Options.StateFile is set.

// stateVersion is the state file's format.
const stateVersion = 1

// journalEntry is one committed write.
type journalEntry struct {
	Time   time.Time       `json:"time"`
	Org    string          `json:"organizationId"`
	Method string          `json:"method"`
	Path   string          `json:"path"` // under /v2, such as "/invoices/ID/emails"
	Query  string          `json:"query,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"` // the root record, without its root key
}

// stateFile is the file's JSON.
type stateFile struct {
	Version  int            `json:"version"`
	Seed     int64          `json:"seed"`
	Business string         `json:"business"`
	Anchor   string         `json:"anchor"` // the day the seeded history ends, YYYY-MM-DD
	Writes   []journalEntry `json:"writes"`

	anchor time.Time
}

// record appends a committed write to the journal; s.mu is held
// exclusively.
func (s *Server) record(c *call, o op, action string) {
	if s.opts.StateFile == "" {
		return
	}
	e := journalEntry{Time: c.now, Org: c.org.org.ID, Method: c.r.Method,
		Path: strings.TrimPrefix(c.r.URL.Path, "/v2"), Query: c.r.URL.RawQuery}
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			s.log.Error("sandbox: a write could not be journalled; the state file will miss it", "error", err)
			return
		}
		e.Body = b
	}
	s.journal = append(s.journal, e)
}

// SaveState writes the sandbox's data to path (see Options.StateFile)
// atomically: to a temporary file in the same directory, synced, then
// renamed over path, so a crash while saving leaves the old file whole.
func (s *Server) SaveState(path string) error {
	if !s.journalling() {
		return errors.New("sandbox: SaveState needs Options.StateFile: without it the writes are not journalled")
	}
	s.mu.RLock()
	st := stateFile{Version: stateVersion, Seed: s.opts.Seed, Business: s.opts.Business,
		Anchor: fmtDate(s.anchor), Writes: append([]journalEntry{}, s.journal...)}
	s.mu.RUnlock()
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a power cut
		d.Close()
	}
	return nil
}

func (s *Server) journalling() bool { return s.opts.StateFile != "" }

// readStateFile reads a state file; nil when there is none yet.
func readStateFile(path string) (*stateFile, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: state file: %w", err)
	}
	var st stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("sandbox: state file %s is not a sandbox state: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("sandbox: state file %s has version %d; this sandbox reads version %d", path, st.Version, stateVersion)
	}
	a, ok := parseDate(st.Anchor)
	if !ok {
		return nil, fmt.Errorf("sandbox: state file %s: invalid anchor %q", path, st.Anchor)
	}
	st.anchor = a
	return &st, nil
}

// checkState refuses a state saved with other seeded data: its writes name
// records this sandbox does not have.
func (s *Server) checkState(st *stateFile) error {
	if st.Seed != s.opts.Seed || st.Business != s.opts.Business {
		return fmt.Errorf("sandbox: state file %s was saved with seed %d and business %q, not seed %d and business %q; start with the same ones or remove the file",
			s.opts.StateFile, st.Seed, st.Business, s.opts.Seed, s.opts.Business)
	}
	return nil
}

// replay applies journalled writes in order through the same handlers,
// with the clock each was made at, and journals them again.
func (s *Server) replay(writes []journalEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, e := range writes {
		if err := s.apply(e); err != nil {
			return fmt.Errorf("write %d of %d (%s %s) does not replay: %w", n+1, len(writes), e.Method, e.Path, err)
		}
		s.journal = append(s.journal, e)
	}
	return nil
}

// apply runs one journalled write; s.mu is held exclusively.
func (s *Server) apply(e journalEntry) error {
	org := s.byID[e.Org]
	if org == nil {
		return fmt.Errorf("unknown organization %s", e.Org)
	}
	parts := strings.Split(strings.Trim(e.Path, "/"), "/")
	res, o, action, id, err := route(e.Method, parts)
	if err != nil {
		return err
	}
	if !o.write() {
		return fmt.Errorf("not a write")
	}
	q, err := url.ParseQuery(e.Query)
	if err != nil {
		return err
	}
	u := &url.URL{Path: "/v2" + e.Path, RawQuery: e.Query}
	c := &call{s: s, r: &http.Request{Method: e.Method, URL: u, Header: http.Header{}}, q: q, id: id,
		start: e.Time, now: e.Time.UTC(), org: org, base: requestBase("http", "sandbox.invalid"),
		// The write succeeded with the credential it came with; a
		// user-level one reaches at least as much.
		cred: credential{present: true, valid: true}}
	if len(e.Body) > 0 {
		if err := json.Unmarshal(e.Body, &c.body); err != nil {
			return err
		}
	}
	_, err = res.handler(o, action)(c)
	return err
}
