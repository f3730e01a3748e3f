package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://:s3cret@127.0.0.1:6379", "redis://:[REDACTED]@127.0.0.1:6379"},
		{"rediss://app:s3cret@redis.example:6380/2?addr=b:6380", "rediss://app:[REDACTED]@redis.example:6380/2?addr=b:6380"},
		{"redis://app@127.0.0.1:6379", "redis://app@127.0.0.1:6379"},
		{"redis://a b:s3cret@%zz", Redaction},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedisAndCacheKeys: the environment reaches the new sections, secrets
// stay out of the redacted configuration and out of error messages.
func TestRedisAndCacheKeys(t *testing.T) {
	c, err := load(t, "cache: {ttl: {invoices: 30s}, warm: {budget: 0}}\n",
		"BILLY_MCP_REDIS_URL=redis://:s3cret@127.0.0.1:6390/1", "BILLY_MCP_CACHE_ENABLED=false",
		"BILLY_MCP_CACHE_TTL_TAX_RATES=2h")
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		URL, Redacted       string
		Enabled             bool
		Invoices, TaxRates  time.Duration
		Contacts            time.Duration
		Budget              int
		RedisOn, DefaultOff bool
	}{c.Redis.URL, c.Redacted().Redis.URL, c.Cache.IsEnabled(), c.Cache.TTL.Invoices, c.Cache.TTL.TaxRates,
		c.Cache.TTL.Contacts, c.Cache.Warm.Budget, c.Redis.Enabled(), Default().Redis.Enabled()}
	want := struct {
		URL, Redacted       string
		Enabled             bool
		Invoices, TaxRates  time.Duration
		Contacts            time.Duration
		Budget              int
		RedisOn, DefaultOff bool
	}{"redis://:s3cret@127.0.0.1:6390/1", "redis://:[REDACTED]@127.0.0.1:6390/1", false, 30 * time.Second, 2 * time.Hour,
		5 * time.Minute, 0, true, false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loaded (-want +got):\n%s", diff)
	}
	if *c.Redacted().Cache.Enabled = true; c.Cache.IsEnabled() {
		t.Error("Redacted shares cache.enabled with the original")
	}
}

func TestRedisAndCacheErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string
		not  []string
	}{
		{name: "url and addrs", yaml: "redis: {url: 'redis://127.0.0.1:1', addrs: ['127.0.0.1:2']}\n",
			want: []string{"redis.addrs: set either redis.url or redis.addrs, not both"}},
		{name: "sentinel without addresses", yaml: "redis: {master_name: mymaster}\n",
			want: []string{"redis.master_name: needs the Sentinels' addresses in redis.addrs"}},
		{name: "sentinel and cluster", yaml: "redis: {master_name: m, cluster: true, addrs: ['h:1']}\n",
			want: []string{"redis.cluster: cannot be set with redis.master_name"}},
		{name: "a bad url hides its password", env: []string{"BILLY_MCP_REDIS_URL=http://:s3cret@127.0.0.1:1"},
			want: []string{"BILLY_MCP_REDIS_URL (redis.url)", "value hidden"}, not: []string{"s3cret"}},
		{name: "address without port", yaml: "redis: {addrs: [redis.internal]}\n",
			want: []string{"redis.addrs[0]"}},
		{name: "stale age below the ttl", yaml: "cache: {stale_max_age: 10s, ttl: {default: 1m}}\n",
			want: []string{"cache.stale_max_age: 10s is less than cache.ttl.default (1m)"}},
		{name: "password is hidden", yaml: "redis: {password: 5, url: 'redis://h:1'}\n",
			want: []string{"redis.password", "value hidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.yaml, tt.env...)
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error shows %q:\n%v", n, err)
				}
			}
		})
	}
}
