package presets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/billy-mcp/billy-mcp/plugins/presets/workflow"
)

// templates are the built-in Danish workflows, one file each.
//
//go:embed templates/*.json
var templateFS embed.FS

// loadTemplates parses every built-in template; a broken one is a
// programming error the tests catch.
func loadTemplates() ([]*workflow.Workflow, error) {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	var out []*workflow.Workflow
	for _, n := range names {
		b, err := templateFS.ReadFile("templates/" + n.Name())
		if err != nil {
			return nil, err
		}
		w, err := workflow.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n.Name(), err)
		}
		if w.ID+".json" != n.Name() {
			return nil, fmt.Errorf("template %s has id %q; the file is named after the id", n.Name(), w.ID)
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// customStore keeps an organization's own presets: in the data directory
// (one file per preset, under a folder named by a hash of the
// organization) or, without one, in memory.
type customStore struct {
	dir string
	db  *sql.DB // the deployment's PostgreSQL, when granted
	// table is the custom presets' table in db (schema.custom_presets).
	table string
	mu    sync.Mutex
	mem   map[string]map[string][]byte
}

func orgKey(org string) string {
	h := sha256.Sum256([]byte(org))
	return hex.EncodeToString(h[:12])
}

func (c *customStore) put(ctx context.Context, org string, w *workflow.Workflow) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if c.db != nil {
		_, err := c.db.ExecContext(ctx, `INSERT INTO `+c.table+` (organization_id, id, doc) VALUES ($1, $2, $3)
			ON CONFLICT (organization_id, id) DO UPDATE SET doc = EXCLUDED.doc`, org, w.ID, b)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir == "" {
		if c.mem == nil {
			c.mem = map[string]map[string][]byte{}
		}
		if c.mem[org] == nil {
			c.mem[org] = map[string][]byte{}
		}
		c.mem[org][w.ID] = b
		return nil
	}
	d := filepath.Join(c.dir, orgKey(org))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(d, ".preset-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d, w.ID+".json"))
}

func (c *customStore) list(ctx context.Context, org string) ([]*workflow.Workflow, error) {
	var raw [][]byte
	if c.db != nil {
		rows, err := c.db.QueryContext(ctx, `SELECT doc FROM `+c.table+` WHERE organization_id = $1`, org)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return nil, err
			}
			raw = append(raw, b)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return parseAll(raw), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir == "" {
		for _, b := range c.mem[org] {
			raw = append(raw, b)
		}
	} else {
		names, _ := filepath.Glob(filepath.Join(c.dir, orgKey(org), "*.json"))
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
			raw = append(raw, b)
		}
	}
	return parseAll(raw), nil
}

func parseAll(raw [][]byte) []*workflow.Workflow {
	var out []*workflow.Workflow
	for _, b := range raw {
		w, err := workflow.Parse(b)
		if err != nil {
			continue // written by an older format: not offered
		}
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// find returns the preset with id: the organization's own first (custom
// presets are named custom_…, so they never shadow a template).
func (p *plugin) find(ctx context.Context, org, id string) (*workflow.Workflow, bool, error) {
	for _, t := range p.templates {
		if t.ID == id {
			return t, true, nil
		}
	}
	own, err := p.custom.list(ctx, org)
	if err != nil {
		return nil, false, err
	}
	for _, w := range own {
		if w.ID == id {
			return w, false, nil
		}
	}
	return nil, false, nil
}

func presetIDs(ws []*workflow.Workflow) string {
	ids := make([]string, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	return strings.Join(ids, ", ")
}
