package books

import (
	"encoding/json"
	"strings"

	"github.com/shopspring/decimal"
)

// cents is an amount in hundredths of its currency unit, exactly: Billy's
// amounts carry two decimals; a third would be rounded half away from zero
// (Billy's own rule for VAT), never truncated.
func cents(d decimal.Decimal) int64 { return d.Shift(2).Round(0).IntPart() }

// Dec is cents back as a decimal.
func Dec(c int64) decimal.Decimal { return decimal.New(c, -2) }

// num reads a JSON number or numeric string exactly; null and absent are 0.
type num struct{ d decimal.Decimal }

func (n *num) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		n.d = decimal.Zero
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = str
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return err
	}
	n.d = d
	return nil
}

// str reads a JSON string that may be null or a number (invoiceNo).
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	t := strings.TrimSpace(string(b))
	switch {
	case t == "null":
		*s = ""
	case strings.HasPrefix(t, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
	default:
		*s = str(t)
	}
	return nil
}
