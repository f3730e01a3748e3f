package app

import (
	"fmt"
	"io"
	"os"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
)

// openAudit starts the audit writer to stderr or audit.path. It is closed
// last when the host stops, after the requests it records.
func (a *App) openAudit() (*audit.Writer, error) {
	var out io.Writer = os.Stderr
	if path := a.Config.Audit.Path; path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit.path: %w", err)
		}
		out = f
		a.closers = append(a.closers, func() { f.Close() })
	}
	w := audit.NewWriter(out, audit.Options{Buffer: a.Config.Audit.Buffer, Logger: a.Logger.Named("audit"), Registerer: a.Metrics})
	// Appended after the file's closer, so it runs before it.
	a.closers = append(a.closers, w.Close)
	return w, nil
}
