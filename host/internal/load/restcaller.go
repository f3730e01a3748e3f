package load

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// restCaller is one client of the v1 REST API: POST
// /api/v1/tools/{name} with {"arguments": {...}}, over one keep-alive
// connection.
type restCaller struct {
	hc     *http.Client
	base   string
	apiKey string
}

func newRESTCaller(base, apiKey string) *restCaller {
	return &restCaller{hc: newHTTPClient(), base: strings.TrimSuffix(base, "/"), apiKey: apiKey}
}

func (r *restCaller) call(ctx context.Context, c Call) Outcome {
	// The wrapped form: bare arguments with a key named "arguments" would
	// be read as the wrapper.
	body := make([]byte, 0, len(c.Arguments)+14)
	body = append(append(append(body, `{"arguments":`...), c.Arguments...), '}')
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/api/v1/tools/"+url.PathEscape(c.Tool), bytes.NewReader(body))
	if err != nil {
		return Outcome{Category: catTransport, Code: "bad_request", Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if r.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.apiKey)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return fromTransportError(err)
	}
	// Read to the end so the connection goes back to the pool.
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fromTransportError(err)
	}
	return fromRESTAnswer(resp.StatusCode, answer)
}

func (r *restCaller) close() { closeIdle(r.hc) }
