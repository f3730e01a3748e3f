package config

import (
	"strings"
	"testing"
)

func TestRedactDatabaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"postgres://billy@db.internal:5432/billy?sslmode=require", "postgres://billy@db.internal:5432/billy?sslmode=require"},
		{"postgres://billy:s3cret@db.internal:5432/billy?sslmode=require", "postgres://billy:[REDACTED]@db.internal:5432/billy?sslmode=require"},
		{"postgresql://db.internal/billy?user=billy&password=s3cret", "postgresql://db.internal/billy?password=[REDACTED]&user=billy"},
		{"postgres://billy:a@db/billy?sslpassword=s3cret", "postgres://billy:[REDACTED]@db/billy?sslpassword=[REDACTED]"},
		{"postgres://billy:s3cret@[::1/billy", Redaction},
	}
	for _, tt := range tests {
		if got := redactDatabaseURL(tt.in); got != tt.want {
			t.Errorf("redactDatabaseURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDatabaseURL: BILLY_MCP_DATABASE_URL reaches database.url, the
// redacted configuration hides its password, and a bad value is refused
// without showing it.
func TestDatabaseURL(t *testing.T) {
	const url = "postgres://billy:s3cret@127.0.0.1:5432/billy?sslmode=disable"
	c, err := load(t, "", "BILLY_MCP_DATABASE_URL="+url)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URL != url {
		t.Errorf("database.url = %q", c.Database.URL)
	}
	if r := c.Redacted().Database.URL; r != "postgres://billy:[REDACTED]@127.0.0.1:5432/billy?sslmode=disable" {
		t.Errorf("redacted: %q", r)
	}
	if d := Default().Database.URL; d != "" {
		t.Errorf("the default is %q, want SQLite (empty)", d)
	}
	for _, src := range []struct{ yaml, env string }{
		{"", "BILLY_MCP_DATABASE_URL=mysql://billy:s3cret@db/billy"},
		{"database: {url: 'billy:s3cret@db'}\n", ""},
	} {
		var env []string
		if src.env != "" {
			env = append(env, src.env)
		}
		_, err := load(t, src.yaml, env...)
		if err == nil {
			t.Fatalf("%q %q loaded", src.yaml, src.env)
		}
		if !strings.Contains(err.Error(), "database.url") || !strings.Contains(err.Error(), "value hidden") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error must name database.url and hide the value:\n%v", err)
		}
	}
}
