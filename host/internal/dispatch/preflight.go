package dispatch

import (
	"context"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Preflight runs a tool call through the checks the pipeline makes before
// a plugin sees it, and calls nothing: the caller is authenticated, the
// tool exists and its plugin is up, the caller holds its scopes, may act
// on the organization, the arguments fit the tool's input schema and
// bounds, and the deployment's write policy lets it write. An
// all-or-nothing batch (REST) checks every item with it before anything
// is written. It does not run the stages added with Options.Stages (MFA):
// a call they would stop is refused when it runs, and the batch undoes
// what ran before it.
//
// op is changed as the stages change it (the organization and idempotency
// arguments are taken out): on success op.Writes says whether the call
// may change data.
func (d *Dispatcher) Preflight(ctx context.Context, op *Op) error {
	if op.WritesMode == "" {
		op.WritesMode = d.opts.WritesMode
	}
	h := func(_ context.Context, op *Op) (*Outcome, error) {
		if op.WritesMode == "off" && isWrite(op) {
			return nil, errmodel.New(errmodel.Forbidden, "writes_disabled",
				"%s changes data and this deployment does not write to Billy (writes.mode is off)", op.Name)
		}
		return &Outcome{}, nil
	}
	stages := []Middleware{d.identify, d.resolve, d.authorize, d.tenancy, d.validate}
	for i := len(stages) - 1; i >= 0; i-- {
		h = stages[i](h)
	}
	_, err := h(ctx, op)
	if err != nil {
		return errmodel.From(err)
	}
	return nil
}

// Writes says whether op's tool may change data (it is not marked
// read-only); known once op has been resolved (Do, Preflight).
func (op *Op) Writes() bool { return isWrite(op) }
