package hostsvc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

func (c *fakeClient) CanListRoots() bool { return c.canListRoots }

// Ask answers every question by kind; failWith fails it.
func (c *fakeClient) Ask(ctx context.Context, questions []*pluginv1.Question) ([]*pluginv1.Answer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = questions
	if c.failWith != nil {
		return nil, c.failWith
	}
	if !tagged(ctx) {
		return nil, errors.New("not the call's context")
	}
	var out []*pluginv1.Answer
	for _, q := range questions {
		a := &pluginv1.Answer{Key: q.Key}
		switch q.Kind.(type) {
		case *pluginv1.Question_Elicit:
			a.Kind = &pluginv1.Answer_Elicit{Elicit: &pluginv1.ElicitResponse{Action: "accept", ContentJson: `{"confirm":true}`}}
		case *pluginv1.Question_Sample:
			a.Kind = &pluginv1.Answer_Sample{Sample: &pluginv1.SampleResponse{Role: "assistant", Text: "Kære kunde"}}
		case *pluginv1.Question_Roots:
			a.Kind = &pluginv1.Answer_Roots{Roots: &pluginv1.RootsAnswer{Roots: []*pluginv1.Root{{Uri: "file:///bilag", Name: "bilag"}}}}
		}
		out = append(out, a)
	}
	return out, nil
}

func (c *fakeClient) StartTask(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startedTask = tagged(ctx)
	return c.failWith
}

var (
	elicitQ = &pluginv1.Question{Key: "confirm", Kind: &pluginv1.Question_Elicit{Elicit: &pluginv1.ElicitQuestion{Message: "Send?", RequestedSchemaJson: `{}`}}}
	sampleQ = &pluginv1.Question{Kind: &pluginv1.Question_Sample{Sample: &pluginv1.SampleQuestion{MaxTokens: 10}}}
	rootsQ  = &pluginv1.Question{Key: "where", Kind: &pluginv1.Question_Roots{Roots: &pluginv1.RootsQuestion{}}}
)

func TestAsk(t *testing.T) {
	all := &fakeClient{canElicit: true, canSample: true, canListRoots: true}
	tests := []struct {
		name      string
		client    *fakeClient
		questions []*pluginv1.Question
		code      codes.Code
		detail    *errmodel.Error
		want      *pluginv1.AskResponse
	}{
		{name: "all three", client: all, questions: []*pluginv1.Question{elicitQ, sampleQ, rootsQ}, want: &pluginv1.AskResponse{Answers: []*pluginv1.Answer{
			{Key: "confirm", Kind: &pluginv1.Answer_Elicit{Elicit: &pluginv1.ElicitResponse{Action: "accept", ContentJson: `{"confirm":true}`}}},
			{Kind: &pluginv1.Answer_Sample{Sample: &pluginv1.SampleResponse{Role: "assistant", Text: "Kære kunde"}}},
			{Key: "where", Kind: &pluginv1.Answer_Roots{Roots: &pluginv1.RootsAnswer{Roots: []*pluginv1.Root{{Uri: "file:///bilag", Name: "bilag"}}}}},
		}}},
		{name: "missing capabilities are named, nothing is asked", client: &fakeClient{canElicit: true},
			questions: []*pluginv1.Question{elicitQ, sampleQ, rootsQ, sampleQ}, code: codes.FailedPrecondition,
			detail: errmodel.ClientCapabilityMissing("sampling", "roots")},
		{name: "no client", questions: []*pluginv1.Question{rootsQ}, code: codes.FailedPrecondition,
			detail: errmodel.ClientCapabilityMissing("roots")},
		{name: "no questions", client: all, code: codes.InvalidArgument},
		{name: "a question of no kind", client: all, questions: []*pluginv1.Question{{Key: "x"}}, code: codes.InvalidArgument},
		{name: "the answer comes in a round trip", client: &fakeClient{canSample: true, failWith: errmodel.InputRequired()},
			questions: []*pluginv1.Question{sampleQ}, code: codes.FailedPrecondition, detail: errmodel.InputRequired()},
		{name: "the client fails", client: &fakeClient{canSample: true, failWith: errors.New("gone")},
			questions: []*pluginv1.Question{sampleQ}, code: codes.Unavailable,
			detail: &errmodel.Error{Code: "asking_failed", Category: errmodel.UpstreamUnavailable, Retryable: true, Message: "asking the client failed: gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := server(setup(tt.client, ""), nil, "invoices")
			resp, err := s.Ask(context.Background(), &pluginv1.AskRequest{CallId: "call-1", Questions: tt.questions})
			if status.Code(err) != tt.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if tt.detail != nil {
				got, _ := errmodel.FromStatus(err)
				if diff := cmp.Diff(tt.detail, got); diff != "" {
					t.Errorf("detail (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.want, resp, protocmp.Transform()); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if tt.detail != nil && tt.detail.Code == errmodel.CodeClientCapabilityMissing && tt.client != nil && tt.client.asked != nil {
				t.Errorf("asked %v despite a missing capability", tt.client.asked)
			}
		})
	}
}

func TestStartTask(t *testing.T) {
	client := &fakeClient{}
	s := server(setup(client, ""), nil, "invoices")
	if _, err := s.StartTask(context.Background(), &pluginv1.StartTaskRequest{CallId: "call-1"}); err != nil {
		t.Fatal(err)
	}
	if !client.startedTask {
		t.Error("the call's client was not told, in the call's context")
	}
	if _, err := s.StartTask(context.Background(), &pluginv1.StartTaskRequest{CallId: "call-2"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("another plugin's call: %v", err)
	}
	// A call without a client (REST) has no task to start.
	s = server(setup(nil, ""), nil, "invoices")
	if _, err := s.StartTask(context.Background(), &pluginv1.StartTaskRequest{CallId: "call-1"}); err != nil {
		t.Errorf("no client: %v", err)
	}
}
