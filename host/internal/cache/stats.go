package cache

import (
	"context"
	"time"
)

// Stats is what the cache_stats tool reports.
type Stats struct {
	Local struct {
		Entries  int    `json:"entries"`
		Bytes    uint64 `json:"bytes"`
		MaxBytes int64  `json:"max_bytes"`
	} `json:"local"`
	Redis struct {
		Configured bool `json:"configured"`
		Up         bool `json:"up"`
	} `json:"redis"`
	// Generations this instance remembers (tags moved by writes).
	Generations int `json:"generations"`
	// Lookups per resource and tier since start.
	Resources []ResourceCounts `json:"resources"`
	// HitRatio is hits (both tiers) over reads answered, since start.
	HitRatio float64 `json:"hit_ratio"`
	// TopReads are what the organization reads most (path?query and count).
	TopReads []Used            `json:"top_reads,omitempty"`
	TTLs     map[string]string `json:"ttls"`
	StaleMax string            `json:"stale_max_age"`
}

// Stats reports the cache's state, and what org reads most.
func (c *Cache) Stats(ctx context.Context, org string) Stats {
	var s Stats
	s.Local.Entries, s.Local.Bytes, s.Local.MaxBytes = c.local.len(), c.local.bytes(), c.opts.LocalMaxBytes
	s.Redis.Configured = c.remote != nil
	s.Redis.Up = c.remote != nil && c.remote.up.Load() && c.remote.usable(c.opts.Now())
	s.Generations = c.gens.size()
	s.Resources = c.m.snapshot()
	var hits, reads uint64
	for _, r := range s.Resources {
		hits += r.Hit
		if r.Tier == "local" || r.Tier == "none" {
			// Every read is looked up locally first (or bypasses): a read
			// is counted once there.
			reads += r.Hit + r.Miss + r.Bypass
		}
	}
	if reads > 0 {
		s.HitRatio = float64(hits) / float64(reads)
	}
	s.TopReads = c.mostUsed(ctx, org, 10)
	t := *c.ttls.Load()
	s.TTLs = map[string]string{}
	for name, d := range map[string]time.Duration{"default": t.Default, "invoices": t.Invoices, "contacts": t.Contacts,
		"products": t.Products, "payments": t.Payments, "accounts": t.Accounts, "tax_rates": t.TaxRates,
		"currencies": t.Currencies, "countries": t.Countries, "organization": t.Organization} {
		if d <= 0 {
			d = t.Default
		}
		s.TTLs[name] = d.String()
	}
	s.StaleMax = c.opts.StaleMaxAge.String()
	return s
}
