package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// The gateway hammers the sandbox with concurrent reads; writes and resets
// may interleave. Run with -race.
func TestConcurrentRequests(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts", "contacts")
	paths := []string{
		"/v2/invoices?pageSize=20&include=invoice.lines:embed,invoice.contact",
		"/v2/contacts?include=contact.contactPersons:embed",
		"/v2/invoices?state=approved&isPaid=false&sortProperty=dueDate",
		"/v2/organization",
		"/v2/bankPayments?pageSize=10&include=bankPayment.associations:embed",
	}
	before := sb.s.Requests()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("GET", sb.srv.URL+paths[i%len(paths)], nil)
			req.Header.Set("X-Access-Token", testToken)
			resp, err := sb.srv.Client().Do(req)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("GET %s: %d %s", paths[i%len(paths)], resp.StatusCode, b)
			}
		}(i)
	}
	// A few writes and a reset race the reads.
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := fmt.Sprintf(`{"contactPerson":{"contactId":%q,"name":"Person %d","email":"p%d@example.dk"}}`, contactID, i, i)
			req, _ := http.NewRequest("POST", sb.srv.URL+"/v2/contactPersons", strings.NewReader(body))
			req.Header.Set("X-Access-Token", testToken)
			resp, err := sb.srv.Client().Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		sb.s.Reset()
		_ = sb.s.Organizations()
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := sb.s.Requests() - before; got != 105 {
		t.Errorf("counted %d requests, want 105", got)
	}
}
