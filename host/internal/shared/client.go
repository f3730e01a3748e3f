package shared

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
)

// Connect builds the Redis client the configuration describes and checks
// that Redis answers. mode is "server", "sentinel" or "cluster", for logs.
// A Redis that does not answer is an error only here, at start: later
// failures are carried on through.
func Connect(ctx context.Context, c config.RedisConfig) (rdb redis.UniversalClient, mode string, err error) {
	rdb, mode, err = NewClient(c)
	if err != nil {
		return nil, "", err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*c.Timeout+time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, "", fmt.Errorf("redis (%s at %s) does not answer: %w", mode, Where(c), err)
	}
	return rdb, mode, nil
}

// NewClient builds the client without contacting Redis.
func NewClient(c config.RedisConfig) (redis.UniversalClient, string, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 250 * time.Millisecond
	}
	u := &redis.UniversalOptions{
		Addrs: c.Addrs, MasterName: c.MasterName, IsClusterMode: c.Cluster,
		Username: c.Username, Password: c.Password, DB: c.DB,
		ClientName: "billy-mcp",
	}
	if c.TLS {
		u.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.URL != "" {
		parsed, err := url.Parse(c.URL)
		if err != nil {
			return nil, "", fmt.Errorf("redis.url does not parse")
		}
		if parsed.Query().Has("addr") || c.Cluster {
			o, err := redis.ParseClusterURL(c.URL)
			if err != nil {
				return nil, "", fmt.Errorf("redis.url: %s", hideURL(err, c.URL))
			}
			u.Addrs, u.Username, u.Password, u.TLSConfig = o.Addrs, o.Username, o.Password, o.TLSConfig
			u.IsClusterMode = true
		} else {
			o, err := redis.ParseURL(c.URL)
			if err != nil {
				return nil, "", fmt.Errorf("redis.url: %s", hideURL(err, c.URL))
			}
			u.Addrs, u.Username, u.Password, u.DB, u.TLSConfig = []string{o.Addr}, o.Username, o.Password, o.DB, o.TLSConfig
		}
		if c.Password != "" {
			u.Password = c.Password
		}
		if c.Username != "" {
			u.Username = c.Username
		}
	}
	// Short timeouts and no retries of its own: a cache or a token bucket
	// that waits on a sick Redis is worse than none. A Cluster still
	// follows MOVED and ASK redirections (MaxRedirects) during a failover.
	u.DialTimeout, u.ReadTimeout, u.WriteTimeout, u.PoolTimeout = timeout, timeout, timeout, timeout
	u.ContextTimeoutEnabled = true
	u.MaxRetries = -1
	mode := "server"
	switch {
	case u.MasterName != "" && !u.IsClusterMode:
		mode = "sentinel"
	case len(u.Addrs) > 1 || u.IsClusterMode:
		mode = "cluster"
		u.MaxRedirects = 8
	}
	return redis.NewUniversalClient(u), mode, nil
}

// Where names the deployment for logs and errors, without secrets.
func Where(c config.RedisConfig) string {
	if c.URL != "" {
		return config.RedactURL(c.URL)
	}
	return fmt.Sprint(c.Addrs)
}

// hideURL keeps a parse error from echoing a URL that may hold a password.
func hideURL(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, config.RedactURL(raw))
}
