package integrations

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Danish bank exports come as UTF-8 (with or without a byte-order mark) or
// as Windows-1252 (integrations.md § 1.3 rule 1). Text is read as UTF-8
// first, because a Windows-1252 reading of UTF-8 never fails (it only
// garbles æøå into mojibake), and as Windows-1252 only when it is not valid
// UTF-8. Bytes that Windows-1252 leaves undefined, NUL bytes and archive
// signatures (an XLSX file is a ZIP) mean the file is not a text export at
// all: it is refused rather than guessed at.

// Encodings as the report names them.
const (
	encUTF8        = "utf-8"
	encUTF8BOM     = "utf-8-bom"
	encWindows1252 = "windows-1252"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText returns b as UTF-8 text and the encoding it was read in, or
// a *fileError naming the line of the first byte that makes it unreadable.
func decodeText(b []byte) (string, string, error) {
	switch {
	case len(b) == 0:
		return "", "", &fileError{Reason: "empty", Message: "the file is empty"}
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "", "", &fileError{Line: 1, Reason: "binary", Message: "the file is a ZIP archive (an .xlsx spreadsheet?), not a CSV or XML export; export the statement as CSV"}
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "", "", &fileError{Line: 1, Reason: "binary", Message: "the file is a PDF, not a CSV or XML export; export the statement as CSV"}
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return "", "", &fileError{Line: lineAt(b, i), Reason: "binary",
			Message: "the file contains NUL bytes: it is binary or UTF-16, not a UTF-8 or Windows-1252 text export"}
	}
	if rest, ok := bytes.CutPrefix(b, utf8BOM); ok {
		if !utf8.Valid(rest) {
			i := firstInvalidUTF8(rest)
			return "", "", &fileError{Line: lineAt(rest, i), Reason: "encoding",
				Message: fmt.Sprintf("the file starts with a UTF-8 byte-order mark but byte 0x%02X is not UTF-8; the file is damaged or mixes encodings", rest[i])}
		}
		return string(rest), encUTF8BOM, nil
	}
	if utf8.Valid(b) {
		return string(b), encUTF8, nil
	}
	for i, c := range b {
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			return "", "", &fileError{Line: lineAt(b, i), Reason: "encoding",
				Message: fmt.Sprintf("the file is neither UTF-8 nor Windows-1252: byte 0x%02X is undefined in Windows-1252", c)}
		}
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return "", "", &fileError{Reason: "encoding", Message: "the file could not be read as Windows-1252: " + err.Error()}
	}
	return string(out), encWindows1252, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// lineAt is the 1-based line number of byte offset i.
func lineAt(b []byte, i int) int {
	if i > len(b) {
		i = len(b)
	}
	return bytes.Count(b[:i], []byte{'\n'}) + 1
}
