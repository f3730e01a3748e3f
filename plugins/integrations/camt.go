package integrations

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
)

// ISO 20022 camt.053 (bank-to-customer statement), as Danske Bank, Nordea
// and BEC banks deliver it for business reconciliation (integrations.md
// § 1.4). The root's namespace is checked: camt.053.001.02, and the later
// versions up to .13 that keep every element read here (version .03 and
// later put the entry status in Sts/Cd instead of Sts; both are read).
// Anything else (camt.052, camt.054, no namespace) is refused by name.
// Amounts are unsigned; CdtDbtInd gives the sign and RvslInd (a reversal)
// flips it. Only booked entries (BOOK) become lines; PDNG and INFO are
// held back. Each statement's opening balance plus its booked entries must
// equal its closing balance, or the file is refused as incomplete.

const camtNSPrefix = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."

type camtDoc struct {
	XMLName xml.Name `xml:"Document"`
	Stmts   []struct {
		ID   string `xml:"Id"`
		Acct struct {
			ID struct {
				IBAN string `xml:"IBAN"`
				Othr string `xml:"Othr>Id"`
			} `xml:"Id"`
			Ccy string `xml:"Ccy"`
		} `xml:"Acct"`
		Bal []struct {
			Tp        string   `xml:"Tp>CdOrPrtry>Cd"`
			Amt       camtAmt  `xml:"Amt"`
			CdtDbtInd string   `xml:"CdtDbtInd"`
			Dt        camtDate `xml:"Dt"`
		} `xml:"Bal"`
		Ntry []camtEntry `xml:"Ntry"`
	} `xml:"BkToCstmrStmt>Stmt"`
}

type camtEntry struct {
	Amt         camtAmt    `xml:"Amt"`
	CdtDbtInd   string     `xml:"CdtDbtInd"`
	RvslInd     string     `xml:"RvslInd"`
	Sts         camtStatus `xml:"Sts"`
	BookgDt     camtDate   `xml:"BookgDt"`
	ValDt       camtDate   `xml:"ValDt"`
	AcctSvcrRef string     `xml:"AcctSvcrRef"`
	AddtlInf    string     `xml:"AddtlNtryInf"`
	TxDtls      []struct {
		EndToEndID string   `xml:"Refs>EndToEndId"`
		DbtrNm     string   `xml:"RltdPties>Dbtr>Nm"`
		CdtrNm     string   `xml:"RltdPties>Cdtr>Nm"`
		Ustrd      []string `xml:"RmtInf>Ustrd"`
		StrdRef    []string `xml:"RmtInf>Strd>CdtrRefInf>Ref"`
		AddtlInf   string   `xml:"AddtlTxInf"`
	} `xml:"NtryDtls>TxDtls"`
}

type camtAmt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// camtDate is Dt or DtTm; only the date is kept.
type camtDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

func (d camtDate) date() string {
	if d.Dt != "" {
		return strings.TrimSpace(d.Dt)
	}
	if len(strings.TrimSpace(d.DtTm)) >= 10 {
		return strings.TrimSpace(d.DtTm)[:10]
	}
	return ""
}

// camtStatus is <Sts>BOOK</Sts> (.02) or <Sts><Cd>BOOK</Cd></Sts> (.03+).
type camtStatus struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"`
}

func (s camtStatus) code() string {
	if c := strings.TrimSpace(s.Cd); c != "" {
		return c
	}
	return strings.TrimSpace(s.Text)
}

// maxCamtBytes: a camt file past this is not read (a statement of
// maxLines entries is far smaller).
const maxCamtBytes = 16 << 20

func parseCamt(b []byte) (*Statement, error) {
	if len(b) > maxCamtBytes {
		return nil, &fileError{Reason: "too_large", Message: "the camt file is larger than 16 MiB"}
	}
	ns, line, err := rootNamespace(b)
	if err != nil {
		return nil, err
	}
	version, ok := strings.CutPrefix(ns, camtNSPrefix)
	if !ok || !camtVersionKnown(version) {
		what := "no namespace"
		if ns != "" {
			what = fmt.Sprintf("namespace %q", ns)
		}
		return nil, &fileError{Line: line, Reason: "namespace",
			Message: fmt.Sprintf("the XML document has %s; a bank statement here is ISO 20022 camt.053 (%s02, up to .13). camt.052 (intraday) and camt.054 (notifications) are not statements", what, camtNSPrefix)}
	}
	var doc camtDoc
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, xmlError(b, dec, err)
	}
	st := &Statement{Format: "camt053", Bank: "ISO 20022 camt.053." + "001." + version, Encoding: encUTF8, Lines: []BankLine{}, Held: []HeldLine{}, Warnings: []string{}}
	if len(doc.Stmts) == 0 {
		return nil, &fileError{Reason: "empty", Message: "the camt.053 document has no statement (BkToCstmrStmt/Stmt)"}
	}
	// Entries carry no line numbers after decoding; they are numbered in
	// document order (entry 1, 2, ...) and the report says so.
	n := 0
	for si, s := range doc.Stmts {
		acct := s.Acct.ID.IBAN
		if acct == "" {
			acct = s.Acct.ID.Othr
		}
		if si == 0 {
			st.Account, st.Currency = acct, s.Acct.Ccy
		} else if acct != st.Account {
			return nil, &fileError{Reason: "accounts", Message: fmt.Sprintf("the file holds statements of two accounts (%s and %s); import one account at a time", st.Account, acct)}
		}
		var open, close *decimal.Decimal
		booked := decimal.Zero
		for _, bal := range s.Bal {
			v, err := camtSigned(bal.Amt.Value, bal.CdtDbtInd, "")
			if err != nil {
				return nil, &fileError{Reason: "balance", Message: fmt.Sprintf("statement %s: balance %s: %v", s.ID, bal.Tp, err)}
			}
			switch bal.Tp {
			case "OPBD", "PRCD":
				open = &v
			case "CLBD":
				close = &v
			}
		}
		for _, e := range s.Ntry {
			n++
			amt, err := camtSigned(e.Amt.Value, e.CdtDbtInd, e.RvslInd)
			if err != nil {
				return nil, &fileError{Line: n, Reason: "amount", Message: fmt.Sprintf("entry %d: %v", n, err)}
			}
			cur := e.Amt.Ccy
			if cur == "" {
				cur = s.Acct.Ccy
			}
			if st.Currency == "" {
				st.Currency = cur
			}
			l := BankLine{Line: n, Amount: amountText(amt), amount: amt, Currency: cur, BankID: strings.TrimSpace(e.AcctSvcrRef)}
			var texts, refs []string
			add := func(dst *[]string, v string) {
				if v = strings.Join(strings.Fields(v), " "); v != "" {
					*dst = append(*dst, v)
				}
			}
			for _, tx := range e.TxDtls {
				for _, u := range tx.Ustrd {
					add(&texts, u)
				}
				add(&texts, tx.AddtlInf)
				for _, r := range tx.StrdRef {
					add(&refs, r)
				}
				if tx.EndToEndID != "NOTPROVIDED" {
					add(&refs, tx.EndToEndID)
				}
				if l.Payer == "" {
					// Money in names the debtor (who paid us).
					l.Payer = strings.TrimSpace(tx.DbtrNm)
					if amt.IsNegative() {
						l.Payer = strings.TrimSpace(tx.CdtrNm)
					}
				}
			}
			add(&texts, e.AddtlInf)
			l.Text, l.Reference = strings.Join(texts, " / "), strings.Join(refs, " ")
			switch e.Sts.code() {
			case "BOOK":
			case "PDNG", "INFO":
				st.Held = append(st.Held, HeldLine{Line: n, Reason: "pending: entry status " + e.Sts.code() + ", not booked", Text: l.Text, Amount: l.Amount})
				continue
			default:
				return nil, &fileError{Line: n, Reason: "status", Message: fmt.Sprintf("entry %d has status %q; camt.053 entries are BOOK, PDNG or INFO", n, e.Sts.code())}
			}
			if l.Date, err = camtISODate(e.BookgDt.date()); err != nil {
				return nil, &fileError{Line: n, Reason: "date", Message: fmt.Sprintf("entry %d: the booking date %v", n, err)}
			}
			if vd := e.ValDt.date(); vd != "" {
				if l.ValueDate, err = camtISODate(vd); err != nil {
					return nil, &fileError{Line: n, Reason: "date", Message: fmt.Sprintf("entry %d: the value date %v", n, err)}
				}
			}
			booked = booked.Add(amt)
			st.Lines = append(st.Lines, l)
			if len(st.Lines) > maxLines {
				return nil, &fileError{Line: n, Reason: "too_many_lines", Message: fmt.Sprintf("the file has more than %d entries; split it by period", maxLines)}
			}
		}
		if open != nil && close != nil && !open.Add(booked).Equal(*close) {
			return nil, &fileError{Reason: "balance",
				Message: fmt.Sprintf("statement %s: the opening balance %s plus the booked entries (%s) is %s, but the closing balance is %s: the file is incomplete or damaged",
					s.ID, open.String(), booked.String(), open.Add(booked).String(), close.String())}
		}
	}
	if st.Currency == "" {
		st.Currency = "DKK"
	}
	st.finish()
	return st, nil
}

func camtVersionKnown(v string) bool {
	switch v {
	case "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13":
		return true
	}
	return false
}

// camtSigned reads an unsigned camt amount (dot decimal) and applies the
// credit/debit indicator and, for an entry, the reversal indicator.
func camtSigned(raw, cdtDbt, rvsl string) (decimal.Decimal, error) {
	s := strings.TrimSpace(raw)
	if s == "" || strings.ContainsAny(s, "-+, ") {
		return decimal.Zero, fmt.Errorf("%q is not an unsigned amount (camt writes 1234.56)", raw)
	}
	if err := checkDotNumber(s); err != nil {
		return decimal.Zero, fmt.Errorf("%q is not an amount: %v", raw, err)
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not an amount", raw)
	}
	neg := false
	switch cdtDbt {
	case "CRDT":
	case "DBIT":
		neg = true
	default:
		return decimal.Zero, fmt.Errorf("CdtDbtInd is %q; it must be CRDT or DBIT", cdtDbt)
	}
	if strings.TrimSpace(rvsl) == "true" {
		neg = !neg
	}
	if neg {
		v = v.Neg()
	}
	return v, nil
}

func checkDotNumber(s string) error {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if !digitsOnly(intPart) || len(intPart) > maxAmountDigits || (hasFrac && (!digitsOnly(frac) || len(frac) > 5)) {
		return errors.New("digits, an optional dot and up to 5 decimals")
	}
	return nil
}

func camtISODate(s string) (string, error) {
	if s == "" {
		return "", errors.New("is missing")
	}
	return parseDate(s, dateISO)
}

// rootNamespace reads up to the root element and returns its namespace and
// line.
func rootNamespace(b []byte) (string, int, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", 0, &fileError{Reason: "xml", Message: "the XML document has no root element"}
			}
			return "", 0, xmlError(b, dec, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			line, _ := dec.InputPos()
			if se.Name.Local != "Document" {
				return "", line, &fileError{Line: line, Reason: "namespace", Message: fmt.Sprintf("the XML root is <%s>; a camt.053 statement's root is <Document>", se.Name.Local)}
			}
			return se.Name.Space, line, nil
		}
	}
}

func xmlError(b []byte, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		reason := "xml"
		msg := "the XML is malformed: " + se.Msg
		if se.Msg == "unexpected EOF" {
			reason, msg = "truncated", "the XML ends before its elements close: the file is truncated"
		}
		return &fileError{Line: se.Line, Reason: reason, Message: msg}
	}
	line, _ := dec.InputPos()
	return &fileError{Line: line, Reason: "xml", Message: "the XML could not be read: " + err.Error()}
}
