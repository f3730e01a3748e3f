package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// execute_preset as a task of MCP's Tasks extension (2026-07-28), driven
// by the official TypeScript SDK's client with the Tasks extension's
// client library (clients/presets-task.mjs): the call becomes a task, the
// run's progress shows as the task's status message while it works, the
// run's answer is the task's result, and the task can be cancelled. The
// sandbox holds one of the run's reads (faultAt.holdNext) so that the task
// is observed while it works, whatever the machine's speed.

type taskEvent struct {
	Status        string `json:"status"`
	StatusMessage string `json:"statusMessage"`
}

type taskOutcome struct {
	Outcome struct {
		Status string         `json:"status"`
		Result map[string]any `json:"result"`
		Error  string         `json:"error"`
	} `json:"outcome"`
}

// untilProgress reads the script's task events until one carries a
// status message, and returns it.
func untilProgress(s *script) taskEvent {
	s.t.Helper()
	for {
		var ev taskEvent
		s.next("event", &ev)
		if ev.Status != "working" {
			s.t.Fatalf("the task is %s before any progress", ev.Status)
		}
		if ev.StatusMessage != "" {
			return ev
		}
	}
}

func TestExecutePresetAsTask(t *testing.T) {
	tools, err := nodeTools()
	if err != nil {
		t.Fatal(err)
	}
	billy := standaloneSandbox(t)
	faults, env := newFaultAt(t, billy)
	h := startHost(t, presetsConfig, env...)
	h.waitReady(20 * time.Second)
	sc := &scenario{t: t, c: h.mcpHTTP()}
	fx := fixture(sc)
	// a reads the customer; b lists drafts, the read the sandbox holds.
	wf := map[string]any{"version": 1, "id": "read_twice", "steps": []any{
		map[string]any{"id": "a", "tool": "get_customer", "args": map[string]any{"contactId": fx.contacts[0]}},
		map[string]any{"id": "b", "tool": "list_invoices", "args": map[string]any{"state": "draft", "limit": 3}},
	}}
	// Each run lists a page of another size: a read the host has cached
	// would never reach the sandbox's hold.
	limit := 2
	spec := func() []byte {
		limit++
		wf["steps"].([]any)[1].(map[string]any)["args"].(map[string]any)["limit"] = limit
		b, _ := json.Marshal(map[string]any{"nodeModules": nodeModules(tools), "url": h.url("/mcp"),
			"tool": "execute_preset", "arguments": map[string]any{"workflow": wf}})
		return b
	}

	t.Run("progress and result", func(t *testing.T) {
		held, release := faults.holdNext("/v2/invoices")
		defer release()
		s := startScript(t, tools, "presets-task.mjs", spec())
		var started struct {
			TaskID string `json:"taskId"`
		}
		s.next("task", &started)
		<-held
		ev := untilProgress(s)
		if !strings.Contains(ev.StatusMessage, "a: done") {
			t.Errorf("status message while b runs: %q", ev.StatusMessage)
		}
		release()
		var out taskOutcome
		for {
			var line map[string]any
			if !s.lines.Scan() {
				t.Fatalf("the script ended without an outcome:\n%s", s.stderr.String())
			}
			_ = json.Unmarshal(s.lines.Bytes(), &line)
			if line["step"] == "outcome" {
				_ = json.Unmarshal(s.lines.Bytes(), &out)
				break
			}
		}
		if out.Outcome.Status != "completed" {
			t.Fatalf("outcome: %+v", out.Outcome)
		}
		sc, _ := out.Outcome.Result["structuredContent"].(map[string]any)
		if sc["status"] != "succeeded" || sc["run_id"] == nil {
			t.Errorf("the task's result: %v", out.Outcome.Result)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		held, release := faults.holdNext("/v2/invoices")
		defer release()
		s := startScript(t, tools, "presets-task.mjs", spec())
		var started struct {
			TaskID string `json:"taskId"`
		}
		s.next("task", &started)
		<-held
		untilProgress(s)
		s.answer("cancel")
		var out taskOutcome
		for {
			var line map[string]any
			if !s.lines.Scan() {
				t.Fatalf("the script ended without an outcome:\n%s", s.stderr.String())
			}
			_ = json.Unmarshal(s.lines.Bytes(), &line)
			if line["step"] == "outcome" {
				_ = json.Unmarshal(s.lines.Bytes(), &out)
				break
			}
		}
		release()
		if out.Outcome.Status != "cancelled" {
			t.Errorf("outcome after cancel: %+v", out.Outcome)
		}
	})
}
