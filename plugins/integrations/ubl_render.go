package integrations

import (
	"encoding/xml"
	"fmt"
)

// The UBL 2.1 document as encoding/xml writes it. The schemas are
// sequences: an element out of order makes the document invalid however
// right its content, so every struct below lists its fields in the order of
// the UBL 2.1 schema (UBL-Invoice-2.1.xsd, UBL-CreditNote-2.1.xsd and the
// common aggregate components), with the elements we never write left out.
// Where Invoice and CreditNote order differently (a line's AllowanceCharge
// comes before its TaxTotal in an InvoiceLine, after it in a
// CreditNoteLine) there are two slots and one stays empty.
//
// Prefixed names (cbc:ID) are written as they are; the namespaces are
// declared on the root.

const (
	nsCAC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	nsCBC        = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	nsInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

	peppolCustomization = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	peppolProfile       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
	oioublCustomization = "OIOUBL-2.1"
	oioublProfile       = "urn:www.nesubl.eu:profiles:profile5:ver2.0"
)

type xID struct {
	SchemeID       string `xml:"schemeID,attr,omitempty"`
	SchemeAgencyID string `xml:"schemeAgencyID,attr,omitempty"`
	Value          string `xml:",chardata"`
}

type xCode struct {
	ListID       string `xml:"listID,attr,omitempty"`
	ListAgencyID string `xml:"listAgencyID,attr,omitempty"`
	Value        string `xml:",chardata"`
}

type xAmount struct {
	Currency string `xml:"currencyID,attr"`
	Value    string `xml:",chardata"`
}

type xQty struct {
	UnitCode string `xml:"unitCode,attr"`
	Value    string `xml:",chardata"`
}

type xDoc struct {
	XMLName                 xml.Name
	Xmlns                   string         `xml:"xmlns,attr"`
	XmlnsCAC                string         `xml:"xmlns:cac,attr"`
	XmlnsCBC                string         `xml:"xmlns:cbc,attr"`
	UBLVersionID            string         `xml:"cbc:UBLVersionID,omitempty"`
	CustomizationID         string         `xml:"cbc:CustomizationID"`
	ProfileID               xID            `xml:"cbc:ProfileID"`
	ID                      string         `xml:"cbc:ID"`
	UUID                    string         `xml:"cbc:UUID,omitempty"`
	IssueDate               string         `xml:"cbc:IssueDate"`
	DueDate                 string         `xml:"cbc:DueDate,omitempty"` // Invoice only: UBL 2.1's CreditNote has none
	InvoiceTypeCode         *xCode         `xml:"cbc:InvoiceTypeCode,omitempty"`
	CreditNoteTypeCode      *xCode         `xml:"cbc:CreditNoteTypeCode,omitempty"`
	Note                    []string       `xml:"cbc:Note,omitempty"`
	DocumentCurrencyCode    xCode          `xml:"cbc:DocumentCurrencyCode"`
	TaxCurrencyCode         string         `xml:"cbc:TaxCurrencyCode,omitempty"`
	BuyerReference          string         `xml:"cbc:BuyerReference,omitempty"`
	OrderReference          *xOrderRef     `xml:"cac:OrderReference,omitempty"`
	BillingReference        *xBillingRef   `xml:"cac:BillingReference,omitempty"`
	AccountingSupplierParty xPartyWrap     `xml:"cac:AccountingSupplierParty"`
	AccountingCustomerParty xPartyWrap     `xml:"cac:AccountingCustomerParty"`
	PaymentMeans            *xPaymentMeans `xml:"cac:PaymentMeans,omitempty"`
	PaymentTerms            *xPaymentTerms `xml:"cac:PaymentTerms,omitempty"`
	TaxTotal                []xTaxTotal    `xml:"cac:TaxTotal"`
	LegalMonetaryTotal      xMonetaryTotal `xml:"cac:LegalMonetaryTotal"`
	InvoiceLine             []xLine        `xml:"cac:InvoiceLine,omitempty"`
	CreditNoteLine          []xLine        `xml:"cac:CreditNoteLine,omitempty"`
}

type xOrderRef struct {
	ID string `xml:"cbc:ID"`
}

type xBillingRef struct {
	InvoiceDocumentReference xDocRef `xml:"cac:InvoiceDocumentReference"`
}

type xDocRef struct {
	ID        string `xml:"cbc:ID"`
	IssueDate string `xml:"cbc:IssueDate,omitempty"`
}

type xPartyWrap struct {
	Party xParty `xml:"cac:Party"`
}

type xParty struct {
	EndpointID       *xID              `xml:"cbc:EndpointID,omitempty"`
	PartyName        *xPartyName       `xml:"cac:PartyName,omitempty"`
	PostalAddress    *xAddress         `xml:"cac:PostalAddress,omitempty"`
	PartyTaxScheme   *xPartyTaxScheme  `xml:"cac:PartyTaxScheme,omitempty"`
	PartyLegalEntity *xPartyLegalEntty `xml:"cac:PartyLegalEntity,omitempty"`
	Contact          *xContact         `xml:"cac:Contact,omitempty"`
}

type xPartyIdent struct {
	ID xID `xml:"cbc:ID"`
}

type xPartyName struct {
	Name string `xml:"cbc:Name"`
}

type xAddress struct {
	AddressFormatCode *xCode   `xml:"cbc:AddressFormatCode,omitempty"`
	StreetName        string   `xml:"cbc:StreetName,omitempty"`
	CityName          string   `xml:"cbc:CityName,omitempty"`
	PostalZone        string   `xml:"cbc:PostalZone,omitempty"`
	Country           xCountry `xml:"cac:Country"`
}

type xCountry struct {
	IdentificationCode string `xml:"cbc:IdentificationCode"`
}

type xPartyTaxScheme struct {
	CompanyID xID        `xml:"cbc:CompanyID"`
	TaxScheme xTaxScheme `xml:"cac:TaxScheme"`
}

type xTaxScheme struct {
	ID   xID    `xml:"cbc:ID"`
	Name string `xml:"cbc:Name,omitempty"`
}

type xPartyLegalEntty struct {
	RegistrationName string `xml:"cbc:RegistrationName"`
	CompanyID        *xID   `xml:"cbc:CompanyID,omitempty"`
}

type xContact struct {
	ID             string `xml:"cbc:ID,omitempty"`
	Name           string `xml:"cbc:Name,omitempty"`
	Telephone      string `xml:"cbc:Telephone,omitempty"`
	ElectronicMail string `xml:"cbc:ElectronicMail,omitempty"`
}

type xPaymentMeans struct {
	PaymentMeansCode      xCode        `xml:"cbc:PaymentMeansCode"`
	PaymentDueDate        string       `xml:"cbc:PaymentDueDate,omitempty"`
	PaymentChannelCode    *xCode       `xml:"cbc:PaymentChannelCode,omitempty"`
	PaymentID             string       `xml:"cbc:PaymentID,omitempty"`
	PayeeFinancialAccount *xFinAccount `xml:"cac:PayeeFinancialAccount,omitempty"`
}

type xFinAccount struct {
	ID                         string   `xml:"cbc:ID"`
	FinancialInstitutionBranch *xBranch `xml:"cac:FinancialInstitutionBranch,omitempty"`
}

type xBranch struct {
	ID                   string       `xml:"cbc:ID,omitempty"`
	FinancialInstitution *xFinInstitu `xml:"cac:FinancialInstitution,omitempty"`
}

type xFinInstitu struct {
	ID string `xml:"cbc:ID"`
}

type xPaymentTerms struct {
	Note string `xml:"cbc:Note"`
}

type xTaxTotal struct {
	TaxAmount   xAmount        `xml:"cbc:TaxAmount"`
	TaxSubtotal []xTaxSubtotal `xml:"cac:TaxSubtotal,omitempty"`
}

type xTaxSubtotal struct {
	TaxableAmount xAmount      `xml:"cbc:TaxableAmount"`
	TaxAmount     xAmount      `xml:"cbc:TaxAmount"`
	TaxCategory   xTaxCategory `xml:"cac:TaxCategory"`
}

type xTaxCategory struct {
	ID                     xID        `xml:"cbc:ID"`
	Percent                string     `xml:"cbc:Percent,omitempty"`
	TaxExemptionReasonCode string     `xml:"cbc:TaxExemptionReasonCode,omitempty"`
	TaxExemptionReason     string     `xml:"cbc:TaxExemptionReason,omitempty"`
	TaxScheme              xTaxScheme `xml:"cac:TaxScheme"`
}

type xMonetaryTotal struct {
	LineExtensionAmount  xAmount  `xml:"cbc:LineExtensionAmount"`
	TaxExclusiveAmount   xAmount  `xml:"cbc:TaxExclusiveAmount"`
	TaxInclusiveAmount   xAmount  `xml:"cbc:TaxInclusiveAmount"`
	AllowanceTotalAmount *xAmount `xml:"cbc:AllowanceTotalAmount,omitempty"`
	ChargeTotalAmount    *xAmount `xml:"cbc:ChargeTotalAmount,omitempty"`
	PayableAmount        xAmount  `xml:"cbc:PayableAmount"`
}

type xLine struct {
	ID                  string       `xml:"cbc:ID"`
	InvoicedQuantity    *xQty        `xml:"cbc:InvoicedQuantity,omitempty"`
	CreditedQuantity    *xQty        `xml:"cbc:CreditedQuantity,omitempty"`
	LineExtensionAmount xAmount      `xml:"cbc:LineExtensionAmount"`
	AllowanceCharge     []xAllowance `xml:",omitempty"` // InvoiceLine's place
	TaxTotal            *xTaxTotal   `xml:"cac:TaxTotal,omitempty"`
	AllowanceChargeCN   []xAllowance `xml:",omitempty"` // CreditNoteLine's place
	Item                xItem        `xml:"cac:Item"`
	Price               xPrice       `xml:"cac:Price"`
}

// xAllowance names itself: the two slots of xLine cannot both carry the
// name in their tags (encoding/xml refuses two fields of one name).
type xAllowance struct {
	XMLName                   xml.Name `xml:"cac:AllowanceCharge"`
	ChargeIndicator           string   `xml:"cbc:ChargeIndicator"`
	AllowanceChargeReasonCode string   `xml:"cbc:AllowanceChargeReasonCode,omitempty"`
	AllowanceChargeReason     string   `xml:"cbc:AllowanceChargeReason,omitempty"`
	Amount                    xAmount  `xml:"cbc:Amount"`
}

type xItem struct {
	Description               string        `xml:"cbc:Description,omitempty"`
	Name                      string        `xml:"cbc:Name"`
	SellersItemIdentification *xPartyIdent  `xml:"cac:SellersItemIdentification,omitempty"`
	ClassifiedTaxCategory     *xTaxCategory `xml:"cac:ClassifiedTaxCategory,omitempty"`
}

type xPrice struct {
	PriceAmount  xAmount `xml:"cbc:PriceAmount"`
	BaseQuantity *xQty   `xml:"cbc:BaseQuantity,omitempty"`
}

// renderEinvoice writes the document in one format.
func renderEinvoice(d einvDoc, format string) (string, error) {
	oio := format == formatOIOUBL
	amt := func(v interface{ StringFixed(int32) string }) xAmount {
		return xAmount{Currency: d.Currency, Value: v.StringFixed(2)}
	}
	x := xDoc{XmlnsCAC: nsCAC, XmlnsCBC: nsCBC, ID: d.Number, IssueDate: d.IssueDate,
		DocumentCurrencyCode: xCode{Value: d.Currency}}
	x.XMLName.Local, x.Xmlns = "Invoice", nsInvoice
	if d.CreditNote {
		x.XMLName.Local, x.Xmlns = "CreditNote", nsCreditNote
	}
	if d.Note != "" {
		x.Note = []string{d.Note}
	}
	taxScheme := xTaxScheme{ID: xID{Value: "VAT"}}
	category := func(c einvCategory, line bool) *xTaxCategory {
		if c.Code == "" {
			return nil
		}
		tc := &xTaxCategory{ID: xID{Value: c.Code}, Percent: c.Percent.String(), TaxScheme: taxScheme}
		if oio {
			tc.ID = xID{SchemeID: "urn:oioubl:id:taxcategoryid-1.1", SchemeAgencyID: "320", Value: c.OIOUBL}
		} else if !line {
			tc.TaxExemptionReasonCode, tc.TaxExemptionReason = c.ExemptionCode, c.Exemption
		}
		return tc
	}
	if oio {
		taxScheme = xTaxScheme{ID: xID{SchemeID: "urn:oioubl:id:taxschemeid-1.5", SchemeAgencyID: "320", Value: "63"}, Name: "Moms"}
		x.UBLVersionID, x.CustomizationID = "2.1", oioublCustomization
		x.ProfileID = xID{SchemeID: "urn:oioubl:id:profileid-1.2", SchemeAgencyID: "320", Value: oioublProfile}
		x.UUID = d.UUID
		// Both type codes come from OIOUBL's invoice type code list.
		if d.CreditNote {
			x.CreditNoteTypeCode = &xCode{ListID: "urn:oioubl:codelist:invoicetypecode-1.1", ListAgencyID: "320", Value: "381"}
		} else {
			x.InvoiceTypeCode = &xCode{ListID: "urn:oioubl:codelist:invoicetypecode-1.1", ListAgencyID: "320", Value: "380"}
		}
	} else {
		x.CustomizationID, x.ProfileID = peppolCustomization, xID{Value: peppolProfile}
		x.BuyerReference = d.OrderRef
		if d.CreditNote {
			x.CreditNoteTypeCode = &xCode{Value: "381"}
		} else {
			x.InvoiceTypeCode = &xCode{Value: "380"}
		}
	}
	if !d.CreditNote && !oio {
		// OIOUBL gives the due date in the payment means only.
		x.DueDate = d.DueDate
	}
	if d.OrderRef != "" {
		x.OrderReference = &xOrderRef{ID: d.OrderRef}
	}
	if d.Credited != nil && d.Credited.Number != "" {
		x.BillingReference = &xBillingRef{InvoiceDocumentReference: xDocRef{ID: d.Credited.Number, IssueDate: d.Credited.IssueDate}}
	}

	// The parties.
	address := func(p einvParty) *xAddress {
		a := &xAddress{StreetName: p.Street, CityName: p.City, PostalZone: p.Zip, Country: xCountry{IdentificationCode: p.Country}}
		if oio {
			a.AddressFormatCode = &xCode{ListID: "urn:oioubl:codelist:addressformatcode-1.1", ListAgencyID: "320", Value: "StructuredLax"}
		}
		return a
	}
	party := func(p einvParty, seller bool) xParty {
		xp := xParty{PartyName: &xPartyName{Name: p.Name}, PostalAddress: address(p),
			PartyLegalEntity: &xPartyLegalEntty{RegistrationName: p.Name}}
		switch {
		case oio && p.GLN != "" && !seller:
			xp.EndpointID = &xID{SchemeID: "GLN", Value: p.GLN}
		case oio && p.CVR != "":
			xp.EndpointID = &xID{SchemeID: "DK:CVR", Value: "DK" + p.CVR}
		case !oio && p.GLN != "" && !seller:
			xp.EndpointID = &xID{SchemeID: "0088", Value: p.GLN}
		case !oio && p.CVR != "":
			// PEPPOL-COMMON-R042 takes DK + 8 digits in every version
			// (newer ones also 8 digits alone).
			xp.EndpointID = &xID{SchemeID: "0184", Value: "DK" + p.CVR}
		}
		if p.VATID != "" {
			ts := xPartyTaxScheme{CompanyID: xID{Value: p.VATID}, TaxScheme: taxScheme}
			if oio {
				ts.CompanyID.SchemeID = "DK:SE"
			}
			xp.PartyTaxScheme = &ts
		}
		if p.CVR != "" {
			xp.PartyLegalEntity.CompanyID = &xID{SchemeID: "0184", Value: "DK" + p.CVR}
			if oio {
				xp.PartyLegalEntity.CompanyID = &xID{SchemeID: "DK:CVR", Value: "DK" + p.CVR}
			}
		}
		switch {
		case oio && !seller:
			// OIOUBL's buyer contact carries the buyer's reference (the
			// "personal reference"); Billy has only the order number.
			xp.Contact = &xContact{ID: d.OrderRef, Telephone: p.Phone}
			if xp.Contact.ID == "" {
				xp.Contact.ID = "n/a"
			}
		case seller && (p.Email != "" || p.Phone != ""):
			xp.Contact = &xContact{Telephone: p.Phone, ElectronicMail: p.Email}
		}
		return xp
	}
	x.AccountingSupplierParty.Party = party(d.Seller, true)
	x.AccountingCustomerParty.Party = party(d.Buyer, false)

	if pm := d.Payment; pm != nil {
		m := &xPaymentMeans{PaymentMeansCode: xCode{Value: pm.Code}, PaymentID: pm.PaymentID,
			PayeeFinancialAccount: &xFinAccount{ID: pm.Account}}
		if d.CreditNote || oio {
			m.PaymentDueDate = pm.PaymentDue
		}
		switch {
		case oio && pm.IBAN:
			// OIOUBL's PaymentID is a FIK/giro card type, not a
			// remittance text: none here.
			m.PaymentMeansCode.Value, m.PaymentID = "42", ""
			m.PaymentChannelCode = &xCode{ListID: "urn:oioubl:codelist:paymentchannelcode-1.1", Value: "IBAN"}
			if pm.Branch != "" {
				m.PayeeFinancialAccount.FinancialInstitutionBranch = &xBranch{FinancialInstitution: &xFinInstitu{ID: pm.Branch}}
			}
		case oio:
			m.PaymentID = ""
			m.PaymentChannelCode = &xCode{ListID: "urn:oioubl:codelist:paymentchannelcode-1.1", Value: "DK:BANK"}
			m.PayeeFinancialAccount.FinancialInstitutionBranch = &xBranch{ID: pm.Branch}
		case pm.Branch != "":
			m.PayeeFinancialAccount.FinancialInstitutionBranch = &xBranch{ID: pm.Branch}
		}
		x.PaymentMeans = m
	}
	if d.TermsNote != "" && !oio {
		x.PaymentTerms = &xPaymentTerms{Note: d.TermsNote}
	}

	tt := xTaxTotal{TaxAmount: amt(d.TaxTotal)}
	for _, s := range d.Subtotals {
		tt.TaxSubtotal = append(tt.TaxSubtotal, xTaxSubtotal{TaxableAmount: amt(s.Taxable), TaxAmount: amt(s.Tax), TaxCategory: *category(s.Category, false)})
	}
	x.TaxTotal = []xTaxTotal{tt}
	if d.TaxCurrency != "" && !oio {
		// The VAT total in the organization's currency (BT-111), a
		// TaxTotal of its own without subtotals. OIOUBL's way (an
		// exchange rate) is not written.
		x.TaxCurrencyCode = d.TaxCurrency
		x.TaxTotal = append(x.TaxTotal, xTaxTotal{TaxAmount: xAmount{Currency: d.TaxCurrency, Value: d.TaxInTaxCurrency.StringFixed(2)}})
	}

	total := d.LineTotal.Add(d.TaxTotal)
	x.LegalMonetaryTotal = xMonetaryTotal{LineExtensionAmount: amt(d.LineTotal), TaxExclusiveAmount: amt(d.LineTotal),
		TaxInclusiveAmount: amt(total), PayableAmount: amt(total)}
	if oio {
		// OIOUBL's quirk (§ 4.2): TaxExclusiveAmount carries the VAT total.
		x.LegalMonetaryTotal.TaxExclusiveAmount = amt(d.TaxTotal)
	}

	for _, l := range d.Lines {
		xl := xLine{ID: l.ID, LineExtensionAmount: amt(l.Net),
			Item:  xItem{Description: l.Description, Name: l.Name, ClassifiedTaxCategory: category(l.Category, true)},
			Price: xPrice{PriceAmount: xAmount{Currency: d.Currency, Value: l.Price.String()}}}
		q := &xQty{UnitCode: l.UnitCode, Value: l.Quantity.String()}
		if d.CreditNote {
			xl.CreditedQuantity = q
		} else {
			xl.InvoicedQuantity = q
		}
		if !l.Allowance.IsZero() {
			a := []xAllowance{{ChargeIndicator: "false", AllowanceChargeReasonCode: "95", AllowanceChargeReason: l.AllowReason, Amount: amt(l.Allowance)}}
			if oio {
				// 95 is UNCL 5189 (Peppol's list); OIOUBL's own reason
				// code list is not at hand: the text alone.
				a[0].AllowanceChargeReasonCode = ""
			}
			if d.CreditNote {
				xl.AllowanceChargeCN = a
			} else {
				xl.AllowanceCharge = a
			}
		}
		if oio {
			// OIOUBL lines carry their own VAT (F-LIB400 checks it).
			if c := category(l.Category, true); c != nil {
				xl.TaxTotal = &xTaxTotal{TaxAmount: amt(l.Tax), TaxSubtotal: []xTaxSubtotal{{TaxableAmount: amt(l.Net), TaxAmount: amt(l.Tax), TaxCategory: *c}}}
			}
		}
		if !l.BaseQty.IsZero() {
			xl.Price.BaseQuantity = &xQty{UnitCode: l.UnitCode, Value: l.BaseQty.String()}
		}
		if d.CreditNote {
			x.CreditNoteLine = append(x.CreditNoteLine, xl)
		} else {
			x.InvoiceLine = append(x.InvoiceLine, xl)
		}
	}
	b, err := xml.MarshalIndent(x, "", "  ")
	if err != nil {
		return "", fmt.Errorf("writing the e-invoice XML: %w", err)
	}
	return xml.Header + string(b) + "\n", nil
}
