package integrations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The official schemas are not in this repository: the OASIS UBL 2.1 and
// OIOUBL 2.1 XSDs could not be obtained where it is built (no Go module,
// npm or Debian package carries them), and a schema of our own would not
// be the official one. An operator who has them points
// plugins.integrations.config.einvoice.schema_dir at them; with xmllint
// (Debian: libxml2-utils) on PATH, einvoice_xml then validates each
// document against them too. Otherwise it says plainly that it did not.

const (
	xsdTimeout     = 30 * time.Second
	maxXSDFindings = 50
)

// xsdCandidates are the places looked for the document's main schema, in
// order: a directory per format (oioubl/ or ubl/) first, so that one
// schema_dir can hold both packages, then the OASIS layout (maindoc/) and
// the directory itself.
func xsdCandidates(dir, format, root string) []string {
	file := "UBL-" + root + "-2.1.xsd"
	sub := "ubl"
	if format == formatOIOUBL {
		sub = "oioubl"
	}
	return []string{
		filepath.Join(dir, sub, "maindoc", file),
		filepath.Join(dir, sub, "xsd", "maindoc", file),
		filepath.Join(dir, sub, file),
		filepath.Join(dir, "maindoc", file),
		filepath.Join(dir, "xsd", "maindoc", file),
		filepath.Join(dir, file),
	}
}

// lookPath finds xmllint; a variable so that tests can hide it. The host
// starts plugins with no environment at all (pluginhost: secrets stay in
// the host), so PATH is empty under it: after PATH, the directories Debian
// and a local install put xmllint in are tried.
var lookPath = func(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/bin", "/usr/local/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// runXSD validates doc against the official schema when it is configured
// and xmllint is installed.
func runXSD(ctx context.Context, dir, format, root string, doc []byte) XSDCheck {
	if dir == "" {
		return XSDCheck{why: "ingen officielle skemaer er sat op (einvoice.schema_dir)", Note: "not run: no official schemas are configured (plugins.integrations.config.einvoice.schema_dir); the rule check above is not a schema validation"}
	}
	schema := ""
	for _, c := range xsdCandidates(dir, format, root) {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			schema = c
			break
		}
	}
	if schema == "" {
		return XSDCheck{why: "einvoice.schema_dir indeholder ikke UBL-" + root + "-2.1.xsd", Note: fmt.Sprintf("not run: einvoice.schema_dir (%s) holds no UBL-%s-2.1.xsd (looked in %s/ubl|oioubl/maindoc, maindoc and the directory itself)", dir, root, dir)}
	}
	bin, err := lookPath("xmllint")
	if err != nil {
		return XSDCheck{why: "xmllint er ikke installeret", Schema: schema, Note: "not run: xmllint is not installed (Debian/Ubuntu: apt-get install libxml2-utils)"}
	}
	ctx, cancel := context.WithTimeout(ctx, xsdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--noout", "--nonet", "--schema", schema, "-")
	cmd.Stdin = bytes.NewReader(doc)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	out := XSDCheck{Ran: true, Schema: schema}
	var exit *exec.ExitError
	switch {
	case err == nil:
		out.Valid, out.Note = true, "valid against "+schema+" (xmllint)"
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		out.Note = "invalid against " + schema + " (xmllint)"
	default:
		// xmllint could not load the schema or stopped: no verdict.
		out.Ran, out.Note, out.why = false, fmt.Sprintf("not run: xmllint failed (%v)", err), "xmllint fejlede"
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasSuffix(line, " validates") || strings.HasSuffix(line, " fails to validate") {
			continue
		}
		// xmllint names stdin "-"; say what it is.
		line = strings.TrimPrefix(line, "-:")
		if len(out.Findings) == maxXSDFindings {
			out.Findings = append(out.Findings, "… more")
			break
		}
		out.Findings = append(out.Findings, line)
	}
	return out
}
