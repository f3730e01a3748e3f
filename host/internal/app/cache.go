package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/billy"
	"github.com/billy-mcp/billy-mcp/host/internal/cache"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/mcpserver"
	"github.com/billy-mcp/billy-mcp/host/internal/shared"
)

// sessionIdle is how long an MCP session of the stateful revision is kept
// in Redis after its last request.
const sessionIdle = 24 * time.Hour

// setUpShared connects to Redis when one is configured. A Redis that does
// not answer at start is logged, not fatal: the host serves without it and
// go-redis reconnects when it is back (see shared's doc).
func (a *App) setUpShared() error {
	cfg := a.Config
	if !cfg.Redis.Enabled() {
		return nil
	}
	shared.UseLogger(a.Logger.Named("redis"))
	rdb, mode, err := shared.NewClient(cfg.Redis)
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	a.closers = append(a.closers, func() { _ = rdb.Close() })
	m, err := shared.NewMetrics(a.Metrics)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*cfg.Redis.Timeout+time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		a.Logger.Warn("Redis does not answer: serving without it until it does", "mode", mode,
			"redis", shared.Where(cfg.Redis), "error", err.Error())
	} else {
		a.Logger.Info("Redis is shared by this deployment's instances", "mode", mode, "redis", shared.Where(cfg.Redis))
	}
	a.redis = rdb
	a.limiter = shared.NewLimiter(rdb, cfg.Redis.KeyPrefix, m)
	a.sessions = shared.NewSessions(rdb, cfg.Redis.KeyPrefix, sessionIdle, cfg.Redis.Timeout, m)
	return nil
}

// newCache builds the read cache, or nil when cache.enabled is false.
func (a *App) newCache() (*cache.Cache, error) {
	cfg := a.Config
	if !cfg.Cache.IsEnabled() {
		a.Logger.Info("the cache of Billy reads is off (cache.enabled: false)")
		return nil, nil
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	c, err := cache.New(cache.Options{
		Redis: a.redis, KeyPrefix: cfg.Redis.KeyPrefix, LocalMaxBytes: cfg.Cache.LocalMaxBytes,
		TTL:         cacheTTLs(cfg.Cache.TTL),
		StaleMaxAge: cfg.Cache.StaleMaxAge, RetryAfter: time.Second, InstanceID: hex.EncodeToString(id[:]),
		Logger: a.Logger.Named("cache"), Registerer: a.Metrics,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// cacheTTLs is the cache's TTL table from the configuration's.
func cacheTTLs(t config.CacheTTLConfig) cache.TTLs {
	return cache.TTLs{Default: t.Default, Invoices: t.Invoices, Contacts: t.Contacts, Products: t.Products,
		Payments: t.Payments, Accounts: t.Accounts, TaxRates: t.TaxRates, Currencies: t.Currencies,
		Countries: t.Countries, Organization: t.Organization}
}

// startCache runs the cache's background work (invalidation messages,
// usage counts, warming) until Stop.
func (a *App) startCache() {
	if a.cache == nil {
		return
	}
	w := a.Config.Cache.Warm
	a.cache.Start(cache.Warming{Interval: w.Interval, Budget: w.Budget, Fetch: a.gateway.Warm})
	a.closers = append(a.closers, a.cache.Close)
}

// gatewayLimiter is the gateway's shared limiter: a nil *shared.Limiter
// must become a nil interface, not a typed nil.
func gatewayLimiter(l *shared.Limiter) billy.Limiter {
	if l == nil {
		return nil
	}
	return l
}

// mcpSessions is the MCP server's session store: nil (per instance)
// without Redis.
func mcpSessions(s *shared.Sessions) mcpserver.Sessions {
	if s == nil {
		return nil
	}
	return s
}
