package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"strconv"
)

// Billy's downloadUrl looks like
// /v2/downloads/invoices/{invoiceId}/{organizationId}/{hexToken}/invoice-no-{invoiceNo}.pdf,
// a self-authenticating link whose ~50-character hex token changes on every
// read (billy-api.md §7.3.2, §8). The sandbox's token is a per-read nonce
// (16 hex) followed by an HMAC of invoice, organization and nonce (34 hex),
// so a link works without X-Access-Token but cannot be forged.

func (s *Server) downloadToken(invoiceID, orgID string, nonce uint64) string {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], nonce)
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(invoiceID + "\x00" + orgID + "\x00"))
	mac.Write(n[:])
	return hex.EncodeToString(n[:]) + hex.EncodeToString(mac.Sum(nil))[:34]
}

func (s *Server) validDownloadToken(invoiceID, orgID, token string) bool {
	if len(token) != 50 {
		return false
	}
	n, err := hex.DecodeString(token[:16])
	if err != nil {
		return false
	}
	want := s.downloadToken(invoiceID, orgID, binary.BigEndian.Uint64(n))
	return hmac.Equal([]byte(want), []byte(token))
}

func (s *Server) downloadURL(c *call, inv *invoice) string {
	no := "draft"
	if inv.InvoiceNo != nil {
		no = *inv.InvoiceNo
	}
	token := s.downloadToken(inv.ID, inv.OrganizationID, s.downloadSeq.Add(1))
	return c.base + "/v2/downloads/invoices/" + inv.ID + "/" + inv.OrganizationID + "/" + token + "/invoice-no-" + no + ".pdf"
}

// serveDownload answers GET /v2/downloads/invoices/{invoiceId}/{orgId}/{token}/{file}.pdf
// with the invoice's PDF, rendered from its current state, and
// /v2/downloads/files/{fileId}/{orgId}/{token}/{name} with a file's bytes.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request, parts []string) {
	now := s.now()
	if len(parts) == 5 && parts[0] == "files" {
		s.serveFile(w, r, parts)
		return
	}
	if len(parts) != 5 || parts[0] != "invoices" {
		writeError(w, errUnknownResource(), now)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, errMethod(verb(r.Method)), now)
		return
	}
	invoiceID, orgID, token := parts[1], parts[2], parts[3]
	if !s.validDownloadToken(invoiceID, orgID, token) {
		writeError(w, &apiError{status: http.StatusForbidden, code: codeForbidden,
			message: "The download link is not valid."}, now)
		return
	}
	s.mu.RLock()
	var pdf []byte
	if o, ok := s.byID[orgID]; ok {
		if inv, ok := o.invoices.get(invoiceID); ok {
			pdf = o.invoicePDF(inv, now)
		}
	}
	s.mu.RUnlock()
	if pdf == nil {
		writeError(w, errNotFound("invoice", invoiceID), now)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+safeFilename(parts[4])+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(pdf)
	}
}

// safeFilename keeps a file name from the URL fit for a header.
func safeFilename(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// serveFile answers a file's download link with its bytes.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, parts []string) {
	now := s.now()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, errMethod(verb(r.Method)), now)
		return
	}
	fileID, orgID, token := parts[1], parts[2], parts[3]
	if !s.validDownloadToken(fileID, orgID, token) {
		writeError(w, &apiError{status: http.StatusForbidden, code: codeForbidden,
			message: "The download link is not valid."}, now)
		return
	}
	s.mu.RLock()
	var data []byte
	var typ, name string
	if o, ok := s.byID[orgID]; ok {
		if f, ok := o.files.get(fileID); ok {
			data, typ, name = f.data, f.FileType, f.FileName
		}
	}
	s.mu.RUnlock()
	if data == nil {
		writeError(w, errNotFound("file", fileID), now)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `inline; filename="`+safeFilename(name)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}
