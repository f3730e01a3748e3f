package metrics

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// Money is an amount in the organization's base currency. It has no
// exported methods on purpose: an expression can call a value's methods,
// and decimal.Decimal's (Pow, Shift, …) could cost without bound. The
// operators + − * / and comparisons work on it through the overloads below.
type Money struct{ d decimal.Decimal }

// M makes a Money.
func M(d decimal.Decimal) Money { return Money{d} }

// Decimal returns the amount (a function, not a method, so that it is out
// of reach of expressions).
func Decimal(m Money) decimal.Decimal { return m.d }

// Invoice is an invoice or credit note as an expression sees it. Amounts
// are in the base currency; a credit note's amounts are negative, so that
// sums are revenue.
type Invoice struct {
	ID         string `expr:"id"`
	No         string `expr:"no"`
	Type       string `expr:"type"` // invoice, creditNote
	CustomerID string `expr:"customer_id"`
	Customer   string `expr:"customer"`
	Country    string `expr:"country"`
	Currency   string `expr:"currency"`
	EntryDate  string `expr:"entry_date"`
	DueDate    string `expr:"due_date"`
	Net        Money  `expr:"net"`
	VAT        Money  `expr:"vat"`
	Gross      Money  `expr:"gross"`
	Balance    Money  `expr:"balance"` // open amount, base currency
	Paid       bool   `expr:"paid"`
	Overdue    bool   `expr:"overdue"`
	DaysLate   int    `expr:"days_late"` // paid: payment − due; open: today − due (negative when not yet due)
}

// Payment is a payment allocated to an invoice.
type Payment struct {
	ID         string `expr:"id"`
	InvoiceID  string `expr:"invoice_id"`
	CustomerID string `expr:"customer_id"`
	Date       string `expr:"date"`
	Amount     Money  `expr:"amount"` // invoice currency converted at the invoice's rate
	DaysLate   int    `expr:"days_late"`
}

// Env is what an expression can read: the period's aggregates and its
// records. The tool layer fills it from the working set.
type Env struct {
	From         string    `expr:"from"` // period, YYYY-MM-DD
	To           string    `expr:"to"`
	Currency     string    `expr:"currency"` // base currency
	RevenueNet   Money     `expr:"revenue_net"`
	RevenueVAT   Money     `expr:"revenue_vat"`
	RevenueGross Money     `expr:"revenue_gross"`
	InvoiceCount int       `expr:"invoice_count"`
	CreditCount  int       `expr:"credit_note_count"`
	Customers    int       `expr:"customer_count"`
	Receivables  Money     `expr:"receivables"` // open balance now
	OverdueAmt   Money     `expr:"overdue"`     // open and past due now
	Invoices     []Invoice `expr:"invoices"`    // invoices and credit notes of the period
	Payments     []Payment `expr:"payments"`    // payments of the period
}

// Fields lists the names an expression may use, with a description: for
// error messages and list_metrics.
func Fields() []Field { return fieldList }

// Field is one name of the language.
type Field struct{ Name, Kind, Description string }

var fieldList = []Field{
	{"from", "text", "first day of the period (YYYY-MM-DD)"},
	{"to", "text", "last day of the period"},
	{"currency", "text", "the base currency, e.g. DKK"},
	{"revenue_net", "amount", "net revenue of the period (invoices less credit notes, by entry date)"},
	{"revenue_vat", "amount", "VAT on that revenue"},
	{"revenue_gross", "amount", "net + VAT"},
	{"invoice_count", "number", "invoices in the period"},
	{"credit_note_count", "number", "credit notes in the period"},
	{"customer_count", "number", "customers invoiced in the period"},
	{"receivables", "amount", "open balance of all invoices now"},
	{"overdue", "amount", "open balance past its due date now"},
	{"invoices", "list", "the period's invoices and credit notes, each with id, no, type, customer_id, customer, country, currency, entry_date, due_date, net, vat, gross, balance, paid, overdue, days_late"},
	{"payments", "list", "the period's payments, each with id, invoice_id, customer_id, date, amount, days_late"},
}

// Functions of the language besides expr's list builtins.
var funcList = []Field{
	{"sum(list)", "amount", "sum of a list of amounts, e.g. sum(map(invoices, .net))"},
	{"avg(list)", "amount", "mean of a list of amounts (0 for an empty list)"},
	{"sum_number(list)", "number", "sum of a list of plain numbers, e.g. sum_number(map(payments, .days_late))"},
	{"avg_number(list)", "number", "mean of a list of plain numbers"},
	{"amount(x)", "amount", "a number as an amount, e.g. amount(1000)"},
	{"number(x)", "number", "an amount as a plain number"},
	{"filter, map, count, all, any, none, len", "", "expr's list functions, e.g. count(invoices, .overdue), filter(invoices, .country != \"DK\")"},
}

// Functions lists the functions of the language.
func Functions() []Field { return funcList }

// Limits of the language.
const (
	MaxLength = 1000 // characters of an expression
	MaxNodes  = 300  // syntax tree nodes
	// The memory budget is charged for every list, map and range a
	// formula builds (not for passes over the records, which already
	// exist). With the records' own lists, it bounds how long any list can
	// be; the nesting rule and MaxNodes bound how many passes there are; so
	// an evaluation does at most about MaxNodes × (records + budget) steps.
	baseBudget      = 100_000
	budgetPerRecord = 2
	// DefaultTimeout is how long an evaluation may take.
	DefaultTimeout = 2 * time.Second
)

// Error is a bad expression, with the position and what is allowed.
type Error struct {
	Message string
	Allowed string
}

func (e *Error) Error() string { return e.Message }

func money(a any) (decimal.Decimal, bool) {
	switch v := a.(type) {
	case Money:
		return v.d, true
	case int:
		return decimal.NewFromInt(int64(v)), true
	case float64:
		return decimal.NewFromFloat(v), true
	}
	return decimal.Decimal{}, false
}

// arith builds an operator overload over money and numbers.
func arith(name string, fn func(a, b decimal.Decimal) (any, error)) expr.Option {
	return expr.Function(name, func(p ...any) (any, error) {
		a, ok1 := money(p[0])
		b, ok2 := money(p[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s: operands must be amounts or numbers", name)
		}
		return fn(a, b)
	},
		new(func(Money, Money) Money), new(func(Money, int) Money), new(func(int, Money) Money),
		new(func(Money, float64) Money), new(func(float64, Money) Money))
}

func compare(name string, fn func(c int) bool) expr.Option {
	return expr.Function(name, func(p ...any) (any, error) {
		a, ok1 := money(p[0])
		b, ok2 := money(p[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%s: operands must be amounts or numbers", name)
		}
		return fn(a.Cmp(b)), nil
	},
		new(func(Money, Money) bool), new(func(Money, int) bool), new(func(int, Money) bool),
		new(func(Money, float64) bool), new(func(float64, Money) bool))
}

var errDivZero = errors.New("division by zero")

// ratioOf is Money/Money: a plain number.
func ratioOf(p ...any) (any, error) {
	a, _ := money(p[0])
	b, _ := money(p[1])
	if b.IsZero() {
		return nil, errDivZero
	}
	f, _ := a.DivRound(b, 10).Float64()
	return f, nil
}

func options(env any, budgetRecords int) []expr.Option {
	_ = budgetRecords
	return []expr.Option{
		expr.Env(env),
		expr.MaxNodes(MaxNodes),
		// Builtins that would not understand amounts, or that reach outside
		// the data (now: the clock), are left out; sum/avg are our own.
		expr.DisableBuiltin("sum"), expr.DisableBuiltin("mean"), expr.DisableBuiltin("median"),
		expr.DisableBuiltin("min"), expr.DisableBuiltin("max"), expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"), expr.DisableBuiltin("duration"),
		arith("_add", func(a, b decimal.Decimal) (any, error) { return Money{a.Add(b)}, nil }),
		arith("_sub", func(a, b decimal.Decimal) (any, error) { return Money{a.Sub(b)}, nil }),
		arith("_mul", func(a, b decimal.Decimal) (any, error) { return Money{a.Mul(b)}, nil }),
		expr.Function("_div", func(p ...any) (any, error) {
			if _, ok := p[1].(Money); ok {
				if _, ok := p[0].(Money); ok {
					return ratioOf(p...)
				}
			}
			a, _ := money(p[0])
			b, _ := money(p[1])
			if b.IsZero() {
				return nil, errDivZero
			}
			return Money{a.DivRound(b, 10)}, nil
		}, new(func(Money, Money) float64), new(func(Money, int) Money), new(func(Money, float64) Money)),
		compare("_lt", func(c int) bool { return c < 0 }),
		compare("_le", func(c int) bool { return c <= 0 }),
		compare("_gt", func(c int) bool { return c > 0 }),
		compare("_ge", func(c int) bool { return c >= 0 }),
		compare("_eq", func(c int) bool { return c == 0 }),
		compare("_ne", func(c int) bool { return c != 0 }),
		expr.Operator("+", "_add"), expr.Operator("-", "_sub"), expr.Operator("*", "_mul"), expr.Operator("/", "_div"),
		expr.Operator("<", "_lt"), expr.Operator("<=", "_le"), expr.Operator(">", "_gt"), expr.Operator(">=", "_ge"),
		expr.Operator("==", "_eq"), expr.Operator("!=", "_ne"),
		// Typed results keep the operators' overloads static: sum and avg
		// give amounts, sum_number and avg_number plain numbers.
		expr.Function("sum", func(p ...any) (any, error) { return aggregate(p[0], false, true) }, new(func([]any) Money)),
		expr.Function("avg", func(p ...any) (any, error) { return aggregate(p[0], true, true) }, new(func([]any) Money)),
		expr.Function("sum_number", func(p ...any) (any, error) { return aggregate(p[0], false, false) }, new(func([]any) float64)),
		expr.Function("avg_number", func(p ...any) (any, error) { return aggregate(p[0], true, false) }, new(func([]any) float64)),
		expr.Function("amount", func(p ...any) (any, error) {
			d, ok := money(p[0])
			if !ok {
				return nil, errors.New("amount: want a number")
			}
			return Money{d}, nil
		}, new(func(int) Money), new(func(float64) Money)),
		expr.Function("number", func(p ...any) (any, error) {
			f, _ := p[0].(Money).d.Float64()
			return f, nil
		}, new(func(Money) float64)),
	}
}

// aggregate sums (or averages) a list of amounts or numbers, as an amount
// or as a number.
func aggregate(list any, avg, asMoney bool) (any, error) {
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice {
		return nil, errors.New("sum/avg: want a list, e.g. sum(map(invoices, .net))")
	}
	total := decimal.Zero
	for i := range rv.Len() {
		v := rv.Index(i).Interface()
		d, ok := money(v)
		if !ok {
			return nil, fmt.Errorf("sum/avg: element %d is %T, want an amount or a number", i, v)
		}
		total = total.Add(d)
	}
	if avg && rv.Len() > 0 {
		total = total.DivRound(decimal.NewFromInt(int64(rv.Len())), 10)
	}
	if asMoney {
		return Money{total}, nil
	}
	f, _ := total.Float64()
	return f, nil
}

// Program is a compiled expression.
type Program struct {
	src  string
	prog *vm.Program
}

var posRe = regexp.MustCompile(`\s*\(\d+:\d+\)`)

// Compile checks an expression against the language: length, size, names,
// types, and no list function nested inside another's predicate (which
// would make the cost quadratic in the records).
func Compile(src string) (*Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Message: "expression is empty", Allowed: allowed()}
	}
	if len(src) > MaxLength {
		return nil, &Error{Message: fmt.Sprintf("expression is %d characters, at most %d are allowed", len(src), MaxLength), Allowed: allowed()}
	}
	prog, err := expr.Compile(src, options(Env{}, 0)...)
	if err != nil {
		msg := err.Error()
		// expr's message has the source and a caret on later lines; the
		// first line says what is wrong.
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		msg = posRe.ReplaceAllString(msg, "")
		return nil, &Error{Message: "expression: " + msg, Allowed: allowed()}
	}
	if err := checkNesting(prog.Node()); err != nil {
		return nil, err
	}
	switch out := prog.Node().Type(); {
	case out == nil:
	case out == reflect.TypeFor[Money](), out.Kind() == reflect.Int, out.Kind() == reflect.Float64, out.Kind() == reflect.Bool,
		out.Kind() == reflect.Interface:
	default:
		return nil, &Error{Message: fmt.Sprintf("expression gives %s; a metric must give an amount, a number or true/false", kindName(out)), Allowed: allowed()}
	}
	return &Program{src: src, prog: prog}, nil
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "a record"
	case reflect.Map:
		return "a map"
	}
	return t.String()
}

// listFuncs are the builtins that take a predicate and loop over a list.
var listFuncs = map[string]bool{"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "count": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "groupBy": true, "sortBy": true, "reduce": true}

type nestChecker struct{ err error }

func (c *nestChecker) Visit(node *ast.Node) {
	if c.err != nil {
		return
	}
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok || !listFuncs[b.Name] {
		return
	}
	for _, arg := range b.Arguments[1:] {
		if containsLoop(arg) {
			c.err = &Error{Message: fmt.Sprintf("expression: %s has a list function inside its predicate; nested loops over the records are not allowed (their cost grows with the square of the records)", b.Name),
				Allowed: allowed()}
		}
	}
}

func containsLoop(n ast.Node) bool {
	found := false
	ast.Find(n, func(x ast.Node) bool {
		if b, ok := x.(*ast.BuiltinNode); ok && listFuncs[b.Name] {
			found = true
		}
		return found
	})
	return found
}

func checkNesting(root ast.Node) error {
	c := &nestChecker{}
	ast.Walk(&root, c)
	if c.err != nil {
		return c.err
	}
	return nil
}

// allowed describes the language for error messages.
func allowed() string {
	var names []string
	for _, f := range fieldList {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return "fields: " + strings.Join(names, ", ") + "; functions: sum, avg, sum_number, avg_number, amount, number, filter, map, count, all, any, none, len; " +
		"operators: + - * / < <= > >= == != and or not, ?: ; amounts are exact decimals in the base currency"
}

// Value is a metric's result: an amount, a number or a truth value.
type Value struct {
	Kind   string // amount, number, bool
	Amount decimal.Decimal
	Number float64
	Bool   bool
}

// Eval runs a program over env within the context's deadline (or
// DefaultTimeout) and a memory budget that scales with the records.
func (p *Program) Eval(ctx context.Context, env Env) (Value, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	records := len(env.Invoices) + len(env.Payments)
	budget := uint(baseBudget + budgetPerRecord*records)
	type result struct {
		v   any
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The VM cannot be interrupted; the budget and the nesting rule
		// bound how long it can run, and the caller stops waiting at the
		// deadline.
		m := vm.VM{MemoryBudget: budget}
		v, err := m.Run(p.prog, env)
		ch <- result{v, err}
	}()
	select {
	case <-ctx.Done():
		return Value{}, fmt.Errorf("the metric took longer than allowed (%v)", ctx.Err())
	case r := <-ch:
		if r.err != nil {
			msg := r.err.Error()
			if i := strings.IndexByte(msg, '\n'); i > 0 {
				msg = msg[:i]
			}
			if strings.Contains(msg, "memory budget exceeded") {
				msg = "the metric needs more work than allowed (memory budget exceeded): avoid building large lists"
			}
			return Value{}, errors.New(posRe.ReplaceAllString(msg, ""))
		}
		switch v := r.v.(type) {
		case Money:
			return Value{Kind: "amount", Amount: v.d}, nil
		case int:
			return Value{Kind: "number", Number: float64(v)}, nil
		case float64:
			return Value{Kind: "number", Number: v}, nil
		case bool:
			return Value{Kind: "bool", Bool: v}, nil
		}
		return Value{}, fmt.Errorf("the metric gave %T; a metric must give an amount, a number or true/false", r.v)
	}
}

// Source is the expression's text.
func (p *Program) Source() string { return p.src }
