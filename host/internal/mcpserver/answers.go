package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/mark3labs/mcp-go/mcp"
)

// A plugin's questions (HostServices.Ask) become MCP requests to the
// client: input requests of a multi round trip (2026-07-28), or
// server-to-client requests (2025-11-25). Answers come back as MCP results
// and go to the plugin on the wire. What a client answers is checked here,
// because a 2026-07-28 client sends its answers as request parameters: a
// malformed one is the request's fault (JSON-RPC invalid params), never
// passed to the plugin as if the user had said it.

// The kinds of question, which number unnamed ones ("elicit-1").
const (
	kindElicit = "elicit"
	kindSample = "sample"
	kindRoots  = "roots"
)

// inputRequestFor turns a plugin's question into the MCP request a client
// answers, and says its kind.
func inputRequestFor(q *pluginv1.Question) (mcp.InputRequest, string, error) {
	switch k := q.Kind.(type) {
	case *pluginv1.Question_Elicit:
		var schema any
		if err := json.Unmarshal([]byte(k.Elicit.RequestedSchemaJson), &schema); err != nil {
			return mcp.InputRequest{}, "", fmt.Errorf("the form's schema is not JSON: %v", err)
		}
		return mcp.NewElicitationInputRequest(mcp.ElicitationParams{Message: k.Elicit.Message, RequestedSchema: schema}), kindElicit, nil
	case *pluginv1.Question_Sample:
		return mcp.NewSamplingInputRequest(sampleParams(k.Sample)), kindSample, nil
	case *pluginv1.Question_Roots:
		return mcp.NewRootsInputRequest(), kindRoots, nil
	}
	return mcp.InputRequest{}, "", errors.New("a question of no kind: set elicit, sample or roots")
}

func sampleParams(s *pluginv1.SampleQuestion) mcp.CreateMessageParams {
	p := mcp.CreateMessageParams{MaxTokens: int(s.MaxTokens), SystemPrompt: s.SystemPrompt, Temperature: s.Temperature}
	for _, m := range s.Messages {
		p.Messages = append(p.Messages, mcp.SamplingMessage{Role: mcp.Role(m.Role), Content: mcp.NewTextContent(m.Text)})
	}
	return p
}

// answerFor checks a client's answer (an MCP result, as JSON) to a question
// of method and turns it into the plugin's answer.
func answerFor(key string, method mcp.MCPMethod, raw json.RawMessage) (*pluginv1.Answer, error) {
	out := &pluginv1.Answer{Key: key}
	if len(bytes.TrimSpace(raw)) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("is not an object (a %s result)", method)
	}
	switch method {
	case mcp.MethodElicitationCreate:
		var r mcp.ElicitationResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("is not an elicitation result: %v", err)
		}
		switch r.Action {
		case mcp.ElicitationResponseActionAccept, mcp.ElicitationResponseActionDecline, mcp.ElicitationResponseActionCancel:
		default:
			return nil, fmt.Errorf("has action %q; an elicitation result's action is accept, decline or cancel", r.Action)
		}
		e := &pluginv1.ElicitResponse{Action: string(r.Action)}
		if r.Content != nil {
			if _, ok := r.Content.(map[string]any); !ok {
				return nil, errors.New("has content that is not an object")
			}
			b, _ := json.Marshal(r.Content)
			e.ContentJson = string(b)
		}
		out.Kind = &pluginv1.Answer_Elicit{Elicit: e}
	case mcp.MethodSamplingCreateMessage:
		var r mcp.CreateMessageResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("is not a sampling result: %v", err)
		}
		if r.Role == "" || r.Content == nil {
			return nil, errors.New("is not a sampling result: it needs a role and content")
		}
		out.Kind = &pluginv1.Answer_Sample{Sample: &pluginv1.SampleResponse{Role: string(r.Role), Text: sampledText(r.Content),
			Model: r.Model, StopReason: r.StopReason}}
	case mcp.MethodListRoots:
		var r struct {
			Roots []mcp.Root `json:"roots"`
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.Roots == nil {
			return nil, errors.New("is not a roots list: it needs a roots array")
		}
		a := &pluginv1.RootsAnswer{}
		for i, root := range r.Roots {
			if root.URI == "" {
				return nil, fmt.Errorf("lists root %d without a uri", i)
			}
			a.Roots = append(a.Roots, &pluginv1.Root{Uri: root.URI, Name: root.Name})
		}
		out.Kind = &pluginv1.Answer_Roots{Roots: a}
	default:
		return nil, fmt.Errorf("answers a %s request, which the host never asks", method)
	}
	return out, nil
}

// sampledText is the text of a sampling result's content, whichever shape
// it came in: an mcp-go value (server-to-client requests) or decoded JSON
// (a multi round trip's answers); the text items joined.
func sampledText(content any) string {
	switch c := content.(type) {
	case mcp.TextContent:
		return c.Text
	case *mcp.TextContent:
		return c.Text
	case map[string]any:
		if c["type"] == "text" {
			s, _ := c["text"].(string)
			return s
		}
	case []any:
		var b bytes.Buffer
		for _, item := range c {
			b.WriteString(sampledText(item))
		}
		return b.String()
	case []mcp.Content:
		var b bytes.Buffer
		for _, item := range c {
			b.WriteString(sampledText(item))
		}
		return b.String()
	}
	return ""
}

// badAnswer is the error of an answer the client got wrong.
func badAnswer(key string, err error) *errmodel.Error {
	msg := fmt.Sprintf("the answer to %s %v", key, err)
	return &errmodel.Error{Code: "invalid_input_response", Category: errmodel.Validation,
		Message: msg + "; answer the question again",
		Fields:  []errmodel.FieldError{{Field: "inputResponses." + key, Message: err.Error()}}}
}

// encodeInputRequests is MCP's inputRequests object for questions. A
// roots/list request gets an empty params object: the schema makes params
// optional and mcp-go leaves them out, but clients that read them
// unconditionally (the Go SDK v1.8.0) fail on a request without.
func encodeInputRequests(requests mcp.InputRequests) json.RawMessage {
	out := map[string]json.RawMessage{}
	for key, r := range requests {
		b, err := json.Marshal(r)
		if err != nil {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) == nil {
			if _, ok := m["params"]; !ok {
				m["params"] = json.RawMessage(`{}`)
				b, _ = json.Marshal(m)
			}
		}
		out[key] = b
	}
	b, _ := json.Marshal(out)
	return b
}
