package hostsvc

import (
	"context"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Once keeps single-use keys for the whole deployment: the host's durable
// store, which every instance shares.
type Once interface {
	// ConsumeOnce records key in scope until until; first is true only the
	// first time. An error means the store could not say.
	ConsumeOnce(ctx context.Context, scope, key string, until time.Time) (first bool, err error)
}

// The limits plugin.proto promises for ConsumeOnce: a key is a nonce or
// an ID, not data, and nothing single-use needs remembering for longer.
const (
	maxOnceKey = 200
	maxOnceTTL = 30 * 24 * time.Hour
)

// CodeStoreUnavailable is the error of a host service that needs the
// store when the store cannot be reached.
const CodeStoreUnavailable = "store_unavailable"

func errStoreUnavailable() *errmodel.Error {
	return errmodel.New(errmodel.UpstreamUnavailable, CodeStoreUnavailable,
		"the host's database did not answer, so it cannot tell whether this was used before; do not go ahead as if it were not. It is usually brief: try again in a moment (operators: the host's log says why)")
}

// ConsumeOnce uses a key up for the asking plugin. The scope is the
// plugin's name, from the connection, so no plugin can use up another's
// keys; a plugin that wants several kinds of key puts the kind in the key.
func (s *server) ConsumeOnce(ctx context.Context, req *pluginv1.ConsumeOnceRequest) (*pluginv1.ConsumeOnceResponse, error) {
	c, err := s.call(req.CallId)
	if err != nil {
		return nil, err
	}
	if s.deps.Once == nil {
		// As a host without the service answers: the plugin falls back
		// to what it can do alone.
		return nil, status.Error(codes.Unimplemented, "this host keeps no single-use keys")
	}
	if req.Key == "" || len(req.Key) > maxOnceKey {
		return nil, toStatus(errmodel.InvalidField("key", "a single-use key is 1 to %d bytes, not %d", maxOnceKey, len(req.Key)))
	}
	until := time.Unix(req.ExpiresUnix, 0)
	now := time.Now()
	switch {
	case !until.After(now):
		return nil, toStatus(errmodel.InvalidField("expires_unix", "the key's expiry %s has passed: whatever it stands for has expired, so there is nothing to use up", until.UTC().Format(time.RFC3339)))
	case until.Sub(now) > maxOnceTTL:
		return nil, toStatus(errmodel.InvalidField("expires_unix", "the key's expiry %s is more than %d days away; single-use keys are kept at most that long", until.UTC().Format(time.RFC3339), int(maxOnceTTL.Hours()/24)))
	}
	first, err := s.deps.Once.ConsumeOnce(ctx, s.plugin, req.Key, until)
	if err != nil {
		s.logger.Error("store: cannot record a single-use key; the plugin is told not to go ahead",
			"error", err.Error(), "correlation_id", c.Op.CorrelationID)
		return nil, toStatus(errStoreUnavailable())
	}
	return &pluginv1.ConsumeOnceResponse{First: first}, nil
}
