package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) Money { return M(decimal.RequireFromString(s)) }

func testEnv() Env {
	return Env{From: "2026-01-01", To: "2026-12-31", Currency: "DKK",
		RevenueNet: d("1000.10"), RevenueVAT: d("250.03"), RevenueGross: d("1250.13"), InvoiceCount: 3, CreditCount: 1, Customers: 2,
		Receivables: d("500"), OverdueAmt: d("200"),
		Invoices: []Invoice{
			{ID: "a", Country: "DK", Net: d("0.10"), Balance: d("0"), Paid: true},
			{ID: "b", Country: "DK", Net: d("0.20"), Balance: d("200"), Overdue: true, DaysLate: 12},
			{ID: "c", Country: "SE", Net: d("1000.00"), Balance: d("300")},
			{ID: "cn", Type: "creditNote", Country: "DK", Net: d("-0.20")},
		},
		Payments: []Payment{{ID: "p", Amount: d("0.10"), DaysLate: 2}},
	}
}

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		// decimal, not float: 0.1 + 0.2 is exactly 0.3
		{`sum(map(filter(invoices, .country == "DK" && .type != "creditNote"), .net))`, "amount 0.3"},
		{`revenue_net * 0.25`, "amount 250.025"},
		{`revenue_net - revenue_vat`, "amount 750.07"},
		{`overdue / receivables`, "number 0.4"},
		{`receivables / 4`, "amount 125"},
		{`count(invoices, .overdue)`, "number 1"},
		{`overdue > 100`, "bool true"},
		{`overdue > amount(200)`, "bool false"},
		{`overdue == 200`, "bool true"},
		{`avg_number(map(payments, .days_late))`, "number 2"},
		{`avg(map(payments, .amount))`, "amount 0.1"},
		{`sum(map(invoices, .net)) > 1000`, "bool true"},
		{`invoice_count + credit_note_count`, "number 4"},
		{`len(invoices) > 0 ? revenue_net : amount(0)`, "amount 1000.1"},
		{`number(revenue_net) / invoice_count`, "number 333.3666666666667"},
	} {
		p, err := Compile(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		v, err := p.Eval(context.Background(), testEnv())
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		got := v.Kind + " "
		switch v.Kind {
		case "amount":
			got += v.Amount.String()
		case "number":
			got += decimal.NewFromFloat(v.Number).String()
		default:
			if v.Bool {
				got += "true"
			} else {
				got += "false"
			}
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{``, "empty"},
		{`revenue`, "unknown name revenue"},
		{`invoices`, "a metric must give an amount, a number or true/false"},
		{`currency`, "gives text"},
		{`revenue_net.Pow(revenue_net)`, "Pow"},
		{`count(invoices, count(invoices, .paid) > 0)`, "nested loops"},
		{`now()`, "now"},
		{`revenue_net + "x"`, "mismatched types"},
		{strings.Repeat("1+", 600) + "1", "characters"},
		{`1` + strings.Repeat("+1", 350), "nodes"},
	} {
		_, err := Compile(tc.src)
		if err == nil {
			t.Errorf("%q compiled", tc.src)
			continue
		}
		e, ok := err.(*Error)
		if !ok || !strings.Contains(err.Error(), tc.want) || !strings.Contains(e.Allowed, "revenue_net") {
			t.Errorf("%.60q: error %q (allowed %q), want it to contain %q and to list the fields", tc.src, err, e.Allowed, tc.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	p, err := Compile(`revenue_net / (receivables - 500)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Eval(context.Background(), testEnv()); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("err %v, want division by zero", err)
	}
}

// TestBudget: a formula cannot build lists without bound; passes over
// the records themselves are fine.
func TestBudget(t *testing.T) {
	env := testEnv()
	for i := 0; i < 20000; i++ {
		env.Invoices = append(env.Invoices, Invoice{ID: "x", Net: d("1")})
	}
	for _, tc := range []struct {
		src string
		ok  bool
	}{
		{`count(invoices, .paid) + count(invoices, .overdue)`, true},
		{`sum(map(invoices, .net)) > 0`, true},
		// baseBudget + budgetPerRecord·20,004 = 140,008 elements
		{`count(1..100000, # > 0)`, true},
		{`count(1..1000000, # > 0)`, false},
		{`len(repeat("ab", 10000000)) > 0`, false},
	} {
		p, err := Compile(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Eval(context.Background(), env)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.src, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "more work than allowed")) {
			t.Errorf("%s: err %v, want the budget exceeded", tc.src, err)
		}
	}
}

// FuzzCompile: no input makes Compile or Eval panic, and whatever compiles
// evaluates to a value or an error.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`revenue_net * 0.25`, `sum(map(invoices, .net))`, `count(invoices, .overdue) > 2`,
		`overdue / receivables`, `invoices[0].net`, `let x = 1; x + revenue_net`, `"a" + currency`, `1 / 0`, `-revenue_net`} {
		f.Add(s)
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, src string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			p, err := Compile(src)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Errorf("error %T %v is not a *metrics.Error", err, err)
				}
				return
			}
			_, _ = p.Eval(context.Background(), env)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// generous: a hang, not a slow machine, trips this
			t.Fatalf("%q did not compile and evaluate within 10 s", src)
		}
	})
}
