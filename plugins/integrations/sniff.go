package integrations

import (
	"bytes"
	"fmt"
)

// Vouchers are PDFs and photos (integrations.md § 5.3). The type is read
// from the bytes, never trusted from a name or a declared type: a file
// whose bytes are none of these is refused, and a data: URI declaring one
// type for bytes of another is refused too.

// sniffVoucher returns the MIME type of a PDF, JPEG, PNG or HEIC file, or
// "" with the reason it is none of them.
func sniffVoucher(b []byte) (string, string) {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		if !bytes.Contains(b[max(0, len(b)-1024):], []byte("%%EOF")) {
			return "", "it starts as a PDF but has no %%EOF marker at its end: the file is truncated"
		}
		return "application/pdf", ""
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		if !bytes.HasSuffix(bytes.TrimRight(b, "\x00"), []byte{0xFF, 0xD9}) {
			return "", "it starts as a JPEG but does not end as one: the file is truncated"
		}
		return "image/jpeg", ""
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		if !bytes.Contains(b[max(0, len(b)-64):], []byte("IEND")) {
			return "", "it starts as a PNG but has no IEND chunk: the file is truncated"
		}
		return "image/png", ""
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "image/heic", ""
		}
		return "", fmt.Sprintf("it is an ISO media file of brand %q, not a HEIC photo", b[8:12])
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "", "it is a ZIP archive (or an Office document)"
	case bytes.HasPrefix(b, []byte("MZ")) || bytes.HasPrefix(b, []byte("\x7fELF")):
		return "", "it is a program"
	}
	return "", "its bytes are not a PDF, JPEG, PNG or HEIC file"
}

// extensionFor is the usual file name extension of a voucher type.
func extensionFor(mime string) string {
	switch mime {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/heic":
		return ".heic"
	}
	return ""
}
