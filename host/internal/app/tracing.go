package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/tracing"
)

// newTracing starts the trace exporter when tracing.endpoint is set; the
// spans still waiting are sent when the host stops (a closer, so after
// the plugins have stopped and their last calls have ended).
func (a *App) newTracing() (*tracing.Tracing, error) {
	cfg := a.Config.Tracing
	host, _ := os.Hostname()
	t, err := tracing.New(context.Background(), tracing.Options{
		Endpoint: cfg.Endpoint, SamplePercent: cfg.SamplePercent,
		ServiceName: cfg.ServiceName, ServiceVersion: Version,
		Instance: fmt.Sprintf("%s/%d", host, os.Getpid()),
	})
	if err != nil || t == nil {
		return nil, err
	}
	a.Logger.Info("tracing: sending spans", "endpoint", cfg.Endpoint, "sample_percent", cfg.SamplePercent)
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			a.Logger.Warn("tracing: the last spans were not sent", "error", err.Error())
		}
	})
	return t, nil
}
