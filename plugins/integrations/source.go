package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// A file reaches the plugin one of four ways (integrations.md § 5.3):
//
//   - content: base64, or an RFC 2397 data: URI, inline in the arguments.
//     Small files only: the model has to write every character, and the
//     host caps a string argument (calls.max_string_bytes, 64 KiB by
//     default), so a receipt photo rarely fits.
//   - text: a CSV or XML export pasted as UTF-8 text.
//   - path: a file in the operator's inbox directory (config inbox_dir), for
//     stdio deployments where the server runs on the user's machine. The
//     file is opened through an os.Root on the inbox, which refuses ".."
//     and symlinks leading out of it; only a regular file is read. Over
//     HTTP the path is refused: the server's disk is not the caller's.
//   - upload: the handle POST /uploads on the host answered, for HTTP
//     clients: the client sends the bytes out of band (no base64 through
//     the model, no argument cap) and names the handle here. The plugin
//     reads it with Host.ReadUpload, which the host answers only for the
//     principal that uploaded it; a handle is reusable until it expires
//     (uploads.ttl), so a preview and its confirmed execution both read
//     it, and the SHA-256 bound into the confirmation is the upload's.

// FileSource is the file argument of every tool that reads a file.
type FileSource struct {
	Content  string `json:"content,omitempty" jsonschema:"the file as base64 or a data: URI (small files)"`
	Text     string `json:"text,omitempty" jsonschema:"a CSV or XML export pasted as UTF-8 text"`
	Path     string `json:"path,omitempty" jsonschema:"a file in the server's inbox directory (stdio deployments only)"`
	Upload   string `json:"upload,omitempty" jsonschema:"the handle POST /uploads on this server answered (HTTP clients: upload the file there, then name it here)"`
	FileName string `json:"file_name,omitempty" jsonschema:"the file's name, for the record"`
}

// loadedFile is a file read whole, with its digest.
type loadedFile struct {
	name     string
	data     []byte
	sha256   string
	declared string // the MIME type a data: URI declared, if any
}

// load reads the file from whichever way it came, up to max bytes.
func (s FileSource) load(ctx context.Context, call *sdk.Call, cfg *config, max int) (*loadedFile, error) {
	given := 0
	for _, v := range []string{s.Content, s.Text, s.Path, s.Upload} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return nil, sdk.Invalid("content", "give exactly one of content (base64 or a data: URI), text, path or upload (a handle from POST /uploads)")
	}
	f := &loadedFile{name: filepath.Base(strings.TrimSpace(s.FileName))}
	if f.name == "." || f.name == "/" {
		f.name = ""
	}
	switch {
	case s.Text != "":
		if len(s.Text) > max {
			return nil, tooLarge("text", len(s.Text), max)
		}
		f.data = []byte(s.Text)
	case s.Upload != "":
		data, name, err := readUpload(ctx, call, strings.TrimSpace(s.Upload), max)
		if err != nil {
			return nil, err
		}
		f.data = data
		if f.name == "" {
			f.name = name
		}
	case s.Content != "":
		data, mime, err := decodeContent(s.Content, max)
		if err != nil {
			return nil, err
		}
		f.data, f.declared = data, mime
	default:
		data, name, err := readInbox(cfg, call.Caller.Transport, s.Path, max)
		if err != nil {
			return nil, err
		}
		f.data = data
		if f.name == "" {
			f.name = name
		}
	}
	sum := sha256.Sum256(f.data)
	f.sha256 = hex.EncodeToString(sum[:])
	return f, nil
}

func tooLarge(field string, n, max int) error {
	return sdk.Invalid(field, "the file is %s; the most this tool takes is %s (a larger file: put it in the inbox directory and give path)", sizeText(n), sizeText(max))
}

func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// decodeContent reads base64 (standard or URL alphabet, padded or not) or
// a data: URI ("data:application/pdf;base64,...", or percent-encoded
// text without ;base64).
func decodeContent(s string, max int) ([]byte, string, error) {
	s = strings.TrimSpace(s)
	mime := ""
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, payload, ok := strings.Cut(rest, ",")
		if !ok {
			return nil, "", sdk.Invalid("content", "a data: URI reads data:<type>;base64,<data>; this one has no comma")
		}
		params := strings.Split(meta, ";")
		mime = strings.ToLower(strings.TrimSpace(params[0]))
		isB64 := false
		for _, p := range params[1:] {
			if strings.EqualFold(strings.TrimSpace(p), "base64") {
				isB64 = true
			}
		}
		if !isB64 {
			text, err := url.PathUnescape(payload)
			if err != nil {
				return nil, "", sdk.Invalid("content", "the data: URI's percent-encoding is broken: %v", err)
			}
			if len(text) > max {
				return nil, "", tooLarge("content", len(text), max)
			}
			return []byte(text), mime, nil
		}
		s = payload
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if base64.StdEncoding.DecodedLen(len(s)) > max+3 {
		return nil, "", tooLarge("content", base64.StdEncoding.DecodedLen(len(s)), max)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) > max {
				return nil, "", tooLarge("content", len(b), max)
			}
			if len(b) == 0 {
				return nil, "", sdk.Invalid("content", "the file is empty")
			}
			return b, mime, nil
		}
	}
	return nil, "", sdk.Invalid("content", "is neither base64 nor a data: URI (for a CSV or XML export as plain text, use text instead)")
}

// readUpload reads an upload of the caller's through the host. The host
// answers only the principal that uploaded it; the digest is checked here
// too, so what the confirmation binds is what the client uploaded.
func readUpload(ctx context.Context, call *sdk.Call, handle string, max int) ([]byte, string, error) {
	u, err := call.Host.ReadUpload(ctx, handle)
	if err != nil {
		if errors.Is(err, sdk.ErrHostFeatureMissing) {
			return nil, "", sdk.NewError(sdk.CategoryForbidden, "uploads_unsupported",
				"upload needs a billy-mcp host that serves POST /uploads, and this one is older; send the file as content")
		}
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			out := *e
			out.Fields = []sdk.FieldError{{Field: "upload", Message: "no such upload for you: mistyped, expired, or another principal's"}}
			return nil, "", &out
		}
		return nil, "", err
	}
	if len(u.Data) > max {
		return nil, "", tooLarge("upload", len(u.Data), max)
	}
	if len(u.Data) == 0 {
		return nil, "", sdk.Invalid("upload", "the uploaded file is empty")
	}
	sum := sha256.Sum256(u.Data)
	if u.SHA256 != "" && hex.EncodeToString(sum[:]) != u.SHA256 {
		return nil, "", sdk.NewError(sdk.CategoryInternal, "upload_corrupt", "the upload's bytes do not match its SHA-256; upload the file again")
	}
	return u.Data, filepath.Base(u.FileName), nil
}

// readInbox reads a file named relative to (or absolute inside) the
// configured inbox directory.
func readInbox(cfg *config, transport, name string, max int) ([]byte, string, error) {
	if cfg.InboxDir == "" {
		return nil, "", sdk.NewError(sdk.CategoryForbidden, "inbox_not_configured",
			"path is off on this deployment: the operator has set no inbox directory (plugins.integrations.config.inbox_dir); send the file as content instead")
	}
	if transport != "" && transport != "mcp-stdio" {
		return nil, "", sdk.NewError(sdk.CategoryForbidden, "path_needs_stdio",
			"path names a file on the server's disk, which only a stdio deployment shares with its user; over %s send the file as content", transport)
	}
	rel := name
	if filepath.IsAbs(name) {
		r, err := filepath.Rel(cfg.InboxDir, filepath.Clean(name))
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, "", sdk.Invalid("path", "must be inside the inbox directory %s", cfg.InboxDir)
		}
		rel = r
	}
	if !filepath.IsLocal(rel) {
		return nil, "", sdk.Invalid("path", "must name a file inside the inbox directory %s, without ..", cfg.InboxDir)
	}
	root, err := os.OpenRoot(cfg.InboxDir)
	if err != nil {
		return nil, "", sdk.NewError(sdk.CategoryInternal, "inbox_unavailable", "the inbox directory cannot be opened; an operator should check plugins.integrations.config.inbox_dir")
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, "", sdk.NotFound("file_not_found", "there is no file %q in the inbox directory", rel)
		default:
			// os.Root refuses a path, or a symlink, leading out of the inbox.
			return nil, "", sdk.Invalid("path", "%q cannot be opened inside the inbox directory (a link pointing outside it is refused)", rel)
		}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, "", sdk.Invalid("path", "%q is not a regular file", rel)
	}
	if st.Size() > int64(max) {
		return nil, "", tooLarge("path", int(min(st.Size(), 1<<40)), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, "", sdk.NewError(sdk.CategoryInternal, "file_unreadable", "%q could not be read", rel)
	}
	if len(data) > max {
		return nil, "", tooLarge("path", len(data), max)
	}
	if len(data) == 0 {
		return nil, "", sdk.Invalid("path", "%q is empty", rel)
	}
	return data, filepath.Base(rel), nil
}
