package invoices

import (
	"fmt"
	"reflect"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// v1 (the TypeScript server) registered each tool four times with drifting
// parameter names (tekup-billy-inventory.md §18.2): get_customer took
// customerId or contactId, mark_invoice_paid paidDate/amountPaid or
// paymentDate/amount, create_product price or prices, addresses zipCode or
// zipcode. Clients were written against each variant, so every one of those
// names is a declared field of the input struct here (the host validates
// arguments with additionalProperties: false, so an undeclared alias would
// be refused before reaching us) and is folded into the canonical field by
// the helpers below.
//
// A caller that sends both names with different values gets an error naming
// both: guessing which one was meant could pay the wrong amount.

// alias folds an optional alias into its canonical field. Either may be
// the zero value (absent); if both are set they must agree.
func alias[T comparable](canonName string, canon T, aliasName string, aliasVal T) (T, error) {
	var zero T
	switch {
	case aliasVal == zero:
		return canon, nil
	case canon == zero:
		return aliasVal, nil
	case canon == aliasVal:
		return canon, nil
	}
	return zero, aliasConflict(canonName, canon, aliasName, aliasVal)
}

// aliasPtr is alias for pointer fields, where nil is absent and a pointer to
// the zero value (amount 0, isPaid false) is a real value.
func aliasPtr[T comparable](canonName string, canon *T, aliasName string, aliasVal *T) (*T, error) {
	switch {
	case aliasVal == nil:
		return canon, nil
	case canon == nil:
		return aliasVal, nil
	case *canon == *aliasVal:
		return canon, nil
	}
	return nil, aliasConflict(canonName, *canon, aliasName, *aliasVal)
}

func aliasConflict(canonName string, canon any, aliasName string, aliasVal any) *sdk.Error {
	msg := fmt.Sprintf("%s and %s name the same parameter (%s is the older v1 name) but were given different values (%v and %v); send only %s",
		canonName, aliasName, aliasName, show(canon), show(aliasVal), canonName)
	return &sdk.Error{Code: "alias_conflict", Category: sdk.CategoryValidation, Message: msg,
		Fields: []sdk.FieldError{{Field: canonName, Message: "conflicts with " + aliasName}, {Field: aliasName, Message: "conflicts with " + canonName}}}
}

// show prints a value for an error message; strings are quoted so that an
// empty or padded value is visible.
func show(v any) string {
	if reflect.TypeOf(v).Kind() == reflect.String {
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%v", v)
}
