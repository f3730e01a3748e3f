package logging

import (
	"context"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// Slog returns a *slog.Logger writing through l.
func Slog(l hclog.Logger) *slog.Logger { return slog.New(&handler{l: l}) }

type handler struct {
	l     hclog.Logger
	attrs []any
	group string
}

func level(l slog.Level) hclog.Level {
	switch {
	case l >= slog.LevelError:
		return hclog.Error
	case l >= slog.LevelWarn:
		return hclog.Warn
	case l >= slog.LevelInfo:
		return hclog.Info
	}
	return hclog.Debug
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool {
	return h.l.GetLevel() <= level(l)
}

func (h *handler) key(k string) string {
	if h.group == "" {
		return k
	}
	return h.group + "." + k
}

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	args := append([]any(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		args = append(args, h.key(a.Key), a.Value.Resolve().Any())
		return true
	})
	h.l.Log(level(r.Level), r.Message, args...)
	return nil
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]any(nil), h.attrs...)
	for _, a := range attrs {
		c.attrs = append(c.attrs, h.key(a.Key), a.Value.Resolve().Any())
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.key(name)
	return &c
}
