package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
)

// files and attachments (billy-api.md §7.8): a file is uploaded as raw
// bytes (POST /v2/files with X-Filename and Content-Type, not JSON), and an
// attachment links a file to its owner, a bill, invoice or daybook
// transaction, as its voucher (bilag). Files cannot be changed or deleted
// (405).

// uploadBody turns a raw file upload into the record body a handler reads
// and the state file journals: the file's name, type and bytes (base64),
// and whether to create an attachment too. Billy's headers: X-Filename,
// Content-Type, x-create-attachment; x-create-variants and x-should-scan
// are accepted and ignored (the sandbox makes no variants and scans
// nothing).
func uploadBody(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errBody("The request body could not be read.")
	}
	if len(b) > maxBodyBytes {
		return nil, errBody("The file is too large; the sandbox takes files up to %d MiB.", maxBodyBytes>>20)
	}
	rec := map[string]json.RawMessage{}
	put := func(k string, v any) { rec[k], _ = json.Marshal(v) }
	put("fileName", r.Header.Get("X-Filename"))
	put("fileType", r.Header.Get("Content-Type"))
	put("data", base64.StdEncoding.EncodeToString(b))
	put("createAttachment", strings.EqualFold(r.Header.Get("X-Create-Attachment"), "true"))
	return rec, nil
}

// createFile stores an uploaded file, and an unlinked attachment of it when
// asked (x-create-attachment: true).
func createFile(c *call) (*result, error) {
	o := c.org
	v := newValidation("file", "The file is invalid.")
	in := newInput(c.body, v)
	name, _ := in.str("fileName")
	typ, _ := in.str("fileType")
	data64, _ := in.str("data")
	withAttachment, _ := in.boolean("createAttachment")
	data, err := base64.StdEncoding.DecodeString(data64)
	switch {
	case strings.TrimSpace(name) == "":
		v.field("fileName", "The X-Filename header must name the file.")
	case len(data) == 0 || err != nil:
		v.field("data", "The file is empty: send its bytes as the request body.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch := newChanges()
	f := o.addFile(path.Base(name), typ, data, c.now, ch)
	if withAttachment {
		o.addAttachment(nil, f.ID, c.now, ch)
	}
	return written(ch), nil
}

// addFile stores a file. Its type is the Content-Type sent, else guessed
// from the name.
func (o *orgState) addFile(name, typ string, data []byte, now time.Time, ch *changes) *fileRecord {
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = strings.TrimSpace(typ[:i])
	}
	lower := strings.ToLower(name)
	if typ == "" || typ == "application/octet-stream" {
		switch {
		case strings.HasSuffix(lower, ".pdf"):
			typ = "application/pdf"
		case strings.HasSuffix(lower, ".jpg"), strings.HasSuffix(lower, ".jpeg"):
			typ = "image/jpeg"
		case strings.HasSuffix(lower, ".png"):
			typ = "image/png"
		default:
			typ = "application/octet-stream"
		}
	}
	f := &fileRecord{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(now), FileName: name,
		FileSize: len(data), FileType: typ, IsPdf: typ == "application/pdf", IsImage: strings.HasPrefix(typ, "image/"), data: data}
	o.files.add(f.ID, f)
	ch.add("files", f.ID, f)
	return f
}

// addAttachment links a file to an owner (nil: unlinked, to be linked with
// attachmentIds later).
func (o *orgState) addAttachment(owner *string, fileID string, now time.Time, ch *changes) *attachment {
	a := &attachment{ID: o.ids.next(), OrganizationID: o.org.ID, CreatedTime: fmtDatetime(now), OwnerReference: owner,
		FileID: fileID, Priority: 1}
	o.attachments.add(a.ID, a)
	ch.add("attachments", a.ID, a)
	return a
}

// ownerOf resolves an attachment owner reference: a bill, invoice or daybook
// transaction. It returns the owner's attachment list to keep in step.
func (o *orgState) ownerOf(reference string) (*[]string, bool) {
	typ, id, ok := parseRef(reference)
	if !ok {
		return nil, false
	}
	switch typ {
	case "bill":
		if b, ok := o.bills.get(id); ok {
			return &b.attachmentIDs, true
		}
	case "invoice":
		if inv, ok := o.invoices.get(id); ok {
			return &inv.attachmentIDs, true
		}
	case "daybookTransaction":
		if t, ok := o.daybookTransactions.get(id); ok {
			return &t.attachmentIDs, true
		}
	}
	return nil, false
}

// attachmentsFor reads attachmentIds given for an owner: each must exist and
// be unlinked or already the owner's.
func (o *orgState) attachmentsFor(owner string, ids, keys []string, v *validation) []*attachment {
	out := make([]*attachment, 0, len(ids))
	for i, id := range ids {
		a, ok := o.attachments.get(id)
		switch {
		case id == "":
			v.add(keys[i], "id", msgBlank)
		case !ok:
			v.add(keys[i], "id", msgUnknown)
		case a.OwnerReference != nil && *a.OwnerReference != owner:
			v.add(keys[i], "id", "The attachment already belongs to "+*a.OwnerReference+".")
		default:
			out = append(out, a)
		}
	}
	return out
}

// setAttachments makes list the owner's attachments, in order. Guess: an
// embedded has-many replaces the children (§3), but a voucher is not thrown
// away with its link: an attachment left out is unlinked, not deleted.
func (o *orgState) setAttachments(owner string, ids *[]string, list []*attachment, ch *changes) {
	keep := map[string]bool{}
	for _, a := range list {
		keep[a.ID] = true
	}
	for _, a := range o.attachments.pick(*ids) {
		if !keep[a.ID] {
			a.OwnerReference = nil
			ch.add("attachments", a.ID, a)
		}
	}
	*ids = (*ids)[:0]
	for i, a := range list {
		a.OwnerReference = strp(owner)
		a.Priority = i + 1
		*ids = append(*ids, a.ID)
		ch.add("attachments", a.ID, a)
	}
}

// attachmentIDsFrom reads attachmentIds, which Billy's docs show as an
// array of objects ([{"id": "…"}]) despite the name; plain strings are
// accepted too.
func attachmentIDsFrom(in input) (ids, keys []string, given bool) {
	raw, ok := in.raw["attachmentIds"]
	if !ok || in.isNull("attachmentIds") {
		return nil, nil, ok
	}
	var strs []string
	if err := json.Unmarshal(raw, &strs); err == nil {
		for i, s := range strs {
			ids = append(ids, s)
			keys = append(keys, fmt.Sprintf("%s.attachmentIds[%d]", in.v.root, i))
		}
		return ids, keys, true
	}
	items, ok := in.list("attachmentIds")
	if !ok {
		return nil, nil, false
	}
	for _, it := range items {
		id, _ := it.str("id")
		ids = append(ids, id)
		keys = append(keys, it.key)
	}
	return ids, keys, true
}

// fileOut is a file's wire form with its download link, fresh on every
// read like an invoice's.
type fileOut struct {
	*fileRecord
	DownloadURL string `json:"downloadUrl"`
}

func (s *Server) fileDownloadURL(c *call, f *fileRecord) string {
	token := s.downloadToken(f.ID, f.OrganizationID, s.downloadSeq.Add(1))
	return c.base + "/v2/downloads/files/" + f.ID + "/" + f.OrganizationID + "/" + token + "/" + safeFilename(f.FileName)
}
