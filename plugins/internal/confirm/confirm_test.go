package confirm

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 4, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// redeem is Use with no host: the process's own memory.
func (t *Tokens) redeem(token string, b Binding) error {
	return t.Use(context.Background(), nil, token, b)
}

func TestTokensPruneUsedNonces(t *testing.T) {
	clk := newClock()
	tk := NewTokens("test", clk.Now, rand.Reader)
	b := Binding{Tool: "approve_invoice", Org: "org-1", Args: []byte(`{}`), State: []byte(`{}`)}
	for i := 0; i < 3; i++ {
		tok, _ := tk.Issue(b)
		if err := tk.redeem(tok, b); err != nil {
			t.Fatal(err)
		}
	}
	if len(tk.used) != 3 {
		t.Fatalf("used = %d", len(tk.used))
	}
	clk.advance(TTL)
	tok, _ := tk.Issue(b)
	if err := tk.redeem(tok, b); err != nil {
		t.Fatal(err)
	}
	if len(tk.used) != 1 {
		t.Errorf("expired nonces are kept: %d", len(tk.used))
	}
}

func TestTokenIsOpaqueAndBound(t *testing.T) {
	clk := newClock()
	tk := NewTokens("test", clk.Now, rand.Reader)
	b := Binding{Tool: "send_invoice", Org: "org-secret-id", Args: []byte(`{"message":"private"}`), State: []byte(`{}`)}
	tok, exp := tk.Issue(b)
	if strings.Contains(tok, "org-secret-id") || strings.Contains(tok, "private") {
		t.Errorf("the token carries bound values in clear: %s", tok)
	}
	if !exp.Equal(clk.Now().Add(TTL)) {
		t.Errorf("expiry %v", exp)
	}
	// Two tokens for the same binding differ (random nonce).
	if tok2, _ := tk.Issue(b); tok2 == tok {
		t.Error("tokens repeat")
	}
	// Just before expiry it still works.
	clk.advance(TTL - time.Second)
	if err := tk.redeem(tok, b); err != nil {
		t.Errorf("valid token refused: %v", err)
	}
}
