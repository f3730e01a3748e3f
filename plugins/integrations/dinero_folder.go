package integrations

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// readDineroFolder reads a Dinero export folder that sits unzipped in the
// operator's inbox directory, for stdio deployments: the same rules as a
// file given by path (source.go readInbox): the inbox must be configured,
// the call must come over stdio, the name must stay inside the inbox, and
// the folder is read through an os.Root, so neither ".." nor a symlink
// leads out of it. Only .csv files are read (vouchers and PDFs in the
// folder are left alone), at most max bytes in all.
func readDineroFolder(cfg *config, transport, name string, max int) (map[string][]byte, error) {
	if cfg.InboxDir == "" {
		return nil, sdk.NewError(sdk.CategoryForbidden, "inbox_not_configured",
			"folder is off on this deployment: the operator has set no inbox directory (plugins.integrations.config.inbox_dir); send the export zipped as export.content instead")
	}
	if transport != "" && transport != "mcp-stdio" {
		return nil, sdk.NewError(sdk.CategoryForbidden, "path_needs_stdio",
			"folder names a directory on the server's disk, which only a stdio deployment shares with its user; over %s send the export zipped as export.content", transport)
	}
	rel := name
	if filepath.IsAbs(name) {
		r, err := filepath.Rel(cfg.InboxDir, filepath.Clean(name))
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, sdk.Invalid("folder", "must be inside the inbox directory %s", cfg.InboxDir)
		}
		rel = r
	}
	if !filepath.IsLocal(rel) && rel != "." {
		return nil, sdk.Invalid("folder", "must name a directory inside the inbox directory %s, without ..", cfg.InboxDir)
	}
	root, err := os.OpenRoot(cfg.InboxDir)
	if err != nil {
		return nil, sdk.NewError(sdk.CategoryInternal, "inbox_unavailable", "the inbox directory cannot be opened; an operator should check plugins.integrations.config.inbox_dir")
	}
	defer root.Close()
	rel = filepath.ToSlash(rel)
	if st, err := fs.Stat(root.FS(), rel); err != nil || !st.IsDir() {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, sdk.NotFound("folder_not_found", "there is no directory %q in the inbox directory", rel)
		}
		return nil, sdk.Invalid("folder", "%q is not a directory inside the inbox directory (a link pointing outside it is refused)", rel)
	}
	files := map[string][]byte{}
	total := 0
	err = fs.WalkDir(root.FS(), rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.EqualFold(path.Ext(p), ".csv") {
			return nil
		}
		if len(files) >= maxDineroFiles {
			return sdk.Invalid("folder", "the folder holds more than %d CSV files; a Dinero export has a few per year", maxDineroFiles)
		}
		f, err := root.FS().Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, int64(max-total)+1))
		if err != nil {
			return err
		}
		total += len(b)
		if total > max {
			return tooLarge("folder", total, max)
		}
		inside := strings.TrimPrefix(strings.TrimPrefix(p, rel), "/")
		if rel == "." {
			inside = p
		}
		files[inside] = b
		return nil
	})
	if err != nil {
		var se *sdk.Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, sdk.Invalid("folder", "%q could not be read inside the inbox directory (a link pointing outside it is refused)", rel)
	}
	return files, nil
}
