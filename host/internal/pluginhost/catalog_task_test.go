package pluginhost

import (
	"testing"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// What a tool says about running as a task reaches the registry; a deferred
// task without task support is no task at all.
func TestCatalogTaskSupport(t *testing.T) {
	type got struct {
		Task     string
		Deferred bool
	}
	tests := []struct {
		name    string
		support pluginv1.TaskSupport
		defer_  bool
		want    got
	}{
		{"never", pluginv1.TaskSupport_TASK_SUPPORT_UNSPECIFIED, false, got{}},
		{"optional", pluginv1.TaskSupport_TASK_SUPPORT_OPTIONAL, false, got{Task: "optional"}},
		{"required, deferred", pluginv1.TaskSupport_TASK_SUPPORT_REQUIRED, true, got{Task: "required", Deferred: true}},
		{"deferred without support", pluginv1.TaskSupport_TASK_SUPPORT_UNSPECIFIED, true, got{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := goodTool("slow")
			tl.TaskSupport, tl.DeferTask = tt.support, tt.defer_
			c, err := catalogFrom("p", describe(tl))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got{c.Tools[0].Task, c.Tools[0].DeferTask}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
