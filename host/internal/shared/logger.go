package shared

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"
)

// UseLogger sends go-redis's own messages (a failed dial, a pool
// problem) to l at debug level instead of its default, the standard
// logger: the host counts and reports Redis trouble itself, once per
// change (billy_cache_redis_up, the cache's warnings), so a line per
// attempt would only flood the log.
func UseLogger(l hclog.Logger) { redis.SetLogger(logger{l}) }

type logger struct{ l hclog.Logger }

func (g logger) Printf(_ context.Context, format string, v ...any) {
	g.l.Debug(fmt.Sprintf(format, v...))
}
