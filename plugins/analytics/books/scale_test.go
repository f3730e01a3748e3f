package books

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// scaleBilly is a Billy of n invoices (two lines each), a payment for
// nine in ten of them and three postings each, generated page by page
// from the page number: it holds nothing, so what the test measures is
// the sync's own memory.
type scaleBilly struct {
	n        int
	requests atomic.Int64
}

const scaleContacts, scaleProducts = 2000, 50

func (b *scaleBilly) created(i int) string {
	return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05Z")
}

func (b *scaleBilly) entry(i int) string {
	return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*2000/b.n).Format(time.DateOnly)
}

// page answers one list page: records [lo, hi) of count, newest first
// when desc.
func pageOf(q url.Values, count int) (lo, hi, page, pages int) {
	page, _ = strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("pageSize"))
	pages = max((count+size-1)/size, 1)
	lo, hi = (page-1)*size, min(page*size, count)
	return
}

func (b *scaleBilly) get(_ context.Context, path string, q url.Values) ([]byte, error) {
	b.requests.Add(1)
	var sb strings.Builder
	list := func(root string, count int, rec func(i int)) {
		lo, hi, page, pages := pageOf(q, count)
		sb.WriteString(`{"meta":{"paging":{"page":` + strconv.Itoa(page) + `,"pageCount":` + strconv.Itoa(pages) + `}},"` + root + `":[`)
		for k := lo; k < hi; k++ {
			if k > lo {
				sb.WriteByte(',')
			}
			rec(k)
		}
		sb.WriteString("]}")
	}
	desc := q.Get("sortDirection") == "DESC"
	idx := func(k, count int) int {
		if desc {
			return count - 1 - k
		}
		return k
	}
	switch path {
	case "/organization":
		return []byte(`{"organization":{"name":"Skala ApS","baseCurrencyId":"DKK"}}`), nil
	case "/contacts":
		list("contacts", scaleContacts, func(i int) {
			fmt.Fprintf(&sb, `{"id":"c%d","name":"Kunde %d","countryId":"DK","createdTime":"2019-01-01T00:00:00Z","isCustomer":true}`, i, i)
		})
	case "/products":
		list("products", scaleProducts, func(i int) { fmt.Fprintf(&sb, `{"id":"p%d","name":"Vare %d"}`, i, i) })
	case "/taxRates":
		list("taxRates", 1, func(int) { sb.WriteString(`{"id":"t25","rate":0.25}`) })
	case "/accounts":
		list("accounts", 3, func(i int) {
			fmt.Fprintf(&sb, `{"id":"a%d","accountNo":%d,"name":"Konto %d","natureId":"%s"}`, i, 1000+i, i, []string{"revenue", "asset", "liability"}[i])
		})
	case "/invoices":
		if q.Get("state") == "voided" {
			list("invoices", 0, nil)
			break
		}
		open := q.Get("isPaid") == "false"
		count := b.n
		if open {
			count = b.n / 10
		}
		list("invoices", count, func(k int) {
			i := idx(k, count)
			if open {
				i = i*10 + 9
			}
			paid := i%10 != 9
			bal := "1250"
			if paid {
				bal = "0"
			}
			fmt.Fprintf(&sb, `{"id":"i%d","type":"invoice","state":"approved","invoiceNo":"%d","contactId":"c%d","entryDate":"%s","dueDate":"%s","currencyId":"DKK","exchangeRate":1,`+
				`"amount":1000,"tax":250,"grossAmount":1250,"balance":%s,"isPaid":%v,"creditedInvoiceId":null,"createdTime":"%s","lines":[`+
				`{"id":"l%da","productId":"p%d","description":"Ydelse","quantity":2,"unitPrice":300,"amount":600,"tax":150,"taxRateId":"t25"},`+
				`{"id":"l%db","productId":"p%d","description":"Vare","quantity":1,"unitPrice":400,"amount":400,"tax":100,"taxRateId":"t25"}]}`,
				i, i, i%scaleContacts, b.entry(i), b.entry(i), bal, paid, b.created(i), i, i%scaleProducts, i, (i+1)%scaleProducts)
		})
	case "/bankPayments":
		if q.Get("isVoided") == "true" {
			list("bankPayments", 0, nil)
			break
		}
		// Payment j pays invoice i = j + j/9 (every invoice but each tenth).
		count := b.n - b.n/10
		list("bankPayments", count, func(k int) {
			j := idx(k, count)
			i := j + j/9
			fmt.Fprintf(&sb, `{"id":"b%d","contactId":"c%d","createdTime":"%s","entryDate":"%s","cashAmount":1250,"cashSide":"debit","isVoided":false,`+
				`"associations":[{"subjectReference":"invoice:i%d","amount":1250,"isVoided":false}]}`, j, i%scaleContacts, b.created(i), b.entry(i), i)
		})
	case "/bills":
		list("bills", 0, nil)
	case "/transactions":
		list("transactions", b.n, func(k int) {
			i := idx(k, b.n)
			fmt.Fprintf(&sb, `{"id":"x%d","createdTime":"%s","entryDate":"%s"}`, i, b.created(i), b.entry(i))
		})
	case "/postings":
		// minEntryDate is honoured: entry dates grow with i.
		i0 := 0
		if m := q.Get("minEntryDate"); m != "" {
			for i0 < b.n && b.entry(i0) < m {
				i0++
			}
		}
		count := 3 * (b.n - i0)
		list("postings", count, func(k int) {
			i, leg := i0+k/3, k%3
			amount, side := []string{"1250", "1000", "250"}[leg], []string{"debit", "credit", "credit"}[leg]
			fmt.Fprintf(&sb, `{"id":"x%d-%d","transactionId":"x%d","entryDate":"%s","accountId":"a%d","amount":%s,"baseAmount":%s,"side":"%s","isVoided":false}`,
				i, leg, i, b.entry(i), []int{1, 0, 2}[leg], amount, amount, side)
		})
	default:
		return nil, fmt.Errorf("scale fake: no %s", path)
	}
	return []byte(sb.String()), nil
}

// peak samples the heap in use while f runs, and reads the process's
// peak resident set (VmHWM) after.
func peak(f func()) (heapMiB, rssMiB float64) {
	var mu sync.Mutex
	var top uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			top = max(top, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	if fh, err := os.Open("/proc/self/status"); err == nil {
		s := bufio.NewScanner(fh)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
				rssMiB = kb / 1024
			}
		}
		fh.Close()
	}
	return float64(top) / (1 << 20), rssMiB
}

// TestScale100k syncs 100,000 invoices (200,000 lines, 90,000 payments,
// 300,000 postings) and aggregates them, printing time and peak memory.
// It takes a minute or more, so it runs only with BILLY_ANALYTICS_SCALE=1
// (make bench runs it), and never fails on a timing: it checks the
// figures, and that memory stayed flat (the heap far below what holding
// the records would take).
func TestScale100k(t *testing.T) {
	if testing.Short() || os.Getenv("BILLY_ANALYTICS_SCALE") == "" {
		t.Skip("the 100,000-invoice scale test runs with BILLY_ANALYTICS_SCALE=1 (make bench)")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BILLY_ANALYTICS_SCALE")); err == nil && v > 1 {
		n = v
	}
	fake := &scaleBilly{n: n}
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var stats Stats
	var syncErr error
	start := time.Now()
	heap, rss := peak(func() { stats, syncErr = st.Sync(ctx, "scale", fake.get, nil, false) })
	syncTime := time.Since(start)
	if syncErr != nil {
		t.Fatal(syncErr)
	}
	set, err := st.Set(ctx, "scale")
	if err != nil {
		t.Fatal(err)
	}
	var rows []RevenueRow
	start = time.Now()
	aggHeap, _ := peak(func() {
		rows, err = set.Revenue(ctx, RevenueQuery{Basis: "invoice", From: "2000-01-01", To: "2099-12-31", By: "month"})
		if err == nil {
			_, err = set.Revenue(ctx, RevenueQuery{Basis: "payment", From: "2000-01-01", To: "2099-12-31", By: "month"})
		}
	})
	aggTime := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	fake.requests.Store(0)
	start = time.Now()
	inc, err := st.Sync(ctx, "scale", fake.get, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	incTime := time.Since(start)
	var info os.FileInfo
	info, _ = os.Stat(st.Path())
	t.Logf("sync of %d invoices (%d lines, %d payments, %d postings): %v, %d requests; peak heap in use %.1f MiB, peak RSS of the test process %.1f MiB; database %.1f MiB",
		n, 2*n, n-n/10, 3*n, syncTime.Round(time.Millisecond), stats.Requests, heap, rss, float64(info.Size())/(1<<20))
	t.Logf("revenue by month, invoice and payment basis: %v, peak heap %.1f MiB", aggTime.Round(time.Millisecond), aggHeap)
	t.Logf("incremental sync with nothing new: %v, %d requests (the open invoices are read again)", incTime.Round(time.Millisecond), inc.Requests)

	var total int64
	for _, r := range rows {
		total += cents(r.Net)
	}
	if want := int64(n) * 1000 * 100; total != want {
		t.Errorf("net revenue %d øre, want %d", total, want)
	}
	if set.Info().Invoices != n || set.Info().Postings != 3*n {
		t.Errorf("working set holds %d invoices, %d postings", set.Info().Invoices, set.Info().Postings)
	}
	// Flat: the records as Go values would take far more than this.
	if heap > 200 || aggHeap > 200 {
		t.Errorf("peak heap %.1f MiB in the sync, %.1f MiB in the aggregation: records are held instead of streamed", heap, aggHeap)
	}
}
