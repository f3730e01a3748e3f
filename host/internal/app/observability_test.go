package app

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"
)

// The dashboard and the alert rules in deploy/ are read by Grafana and
// Prometheus, not by us: nothing else would notice a metric renamed under
// them, a PromQL typo or an alert that can never fire. These tests hold them
// to the host: every metric they name is one a real App registers, every
// expression parses (promtool), every alert fires on the failure it is for
// and not on a healthy instance (promtool test rules), and every runbook
// they point to exists.

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..", "..")
}

type alertRules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func loadAlerts(t *testing.T) alertRules {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules alertRules
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	return rules
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "grafana", "billy-mcp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// dashboardExprs are the dashboard's queries with Grafana's variables set
// as Prometheus would see them.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range loadDashboard(t).Panels {
		for i, tg := range p.Targets {
			e := strings.NewReplacer("$__rate_interval", "5m", "$job", "billy-mcp", "$instance", ".*").Replace(tg.Expr)
			out[fmt.Sprintf("%s #%d", p.Title, i+1)] = e
		}
	}
	return out
}

// metricName finds the series names in PromQL (ours and the Go and process
// collectors'); labels and functions never start with these prefixes.
var metricName = regexp.MustCompile(`\b(?:billy_|process_|go_)[a-z0-9_]+\b`)

func TestDashboardAndAlertsUseRealMetrics(t *testing.T) {
	exprs := dashboardExprs(t)
	if len(exprs) < 20 {
		t.Errorf("the dashboard has %d queries; it lost its panels", len(exprs))
	}
	for _, g := range loadAlerts(t).Groups {
		for _, r := range g.Rules {
			exprs["alert "+r.Alert] = r.Expr
		}
	}

	cfg, err := config.Load(config.Options{Environ: []string{"BILLY_MCP_DATA_DIR=" + t.TempDir()}, ExecutableDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var log testkit.SyncBuffer
	a, err := New(cfg, testLogger(&log))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()

	for _, where := range sortedKeys(exprs) {
		for _, name := range metricName.FindAllString(exprs[where], -1) {
			if !registered(a.Metrics, name) {
				t.Errorf("%s: %s is not a metric the host registers", where, name)
			}
		}
	}
}

// registered tells whether reg has a metric family called name (or, for
// name_bucket, _sum and _count, the histogram's family): registering
// another collector under that name with a help text of its own fails
// exactly when the name is taken. Unlike a scrape, this sees label vectors
// no request has touched yet.
func registered(reg *prometheus.Registry, name string) bool {
	candidates := []string{name}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			candidates = append(candidates, base)
		}
	}
	for _, n := range candidates {
		probe := prometheus.NewGauge(prometheus.GaugeOpts{Name: n, Help: "probe of " + n})
		if err := reg.Register(probe); err != nil {
			return true
		}
		reg.Unregister(probe)
	}
	return false
}

func TestAlertRulesAreComplete(t *testing.T) {
	root := repoRoot(t)
	seen := map[string]bool{}
	for _, g := range loadAlerts(t).Groups {
		for _, r := range g.Rules {
			if seen[r.Alert] {
				t.Errorf("alert %s is defined twice", r.Alert)
			}
			seen[r.Alert] = true
			if s := r.Labels["severity"]; s != "page" && s != "ticket" {
				t.Errorf("%s: severity %q, want page or ticket", r.Alert, s)
			}
			for _, k := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[k] == "" {
					t.Errorf("%s: no %s", r.Alert, k)
				}
			}
			if u := r.Annotations["runbook_url"]; u != "" {
				if _, err := os.Stat(filepath.Join(root, u)); err != nil {
					t.Errorf("%s: runbook %s: %v", r.Alert, u, err)
				}
			}
		}
	}
	// The failures the issue asks to be told about.
	for _, want := range []string{"BillyMCPHighErrorRate", "BillyMCPSlowCalls", "BillyUpstreamBreakerOpen",
		"BillyCacheHitRatioLow", "BillyMCPPluginRestarting", "BillyMCPAuditBacklog"} {
		if !seen[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

// TestPromtool runs Prometheus's own checker over the rules and the
// dashboard's queries, and the rules' unit tests (alerts_test.yml).
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if testing.Short() {
			t.Skip("promtool is not installed and -short is given")
		}
		t.Fatal("promtool is not installed: scripts/install-deps.sh prometheus (make test does), or pass -short")
	}
	dir := filepath.Join(repoRoot(t), "deploy", "prometheus")
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// The dashboard's queries as recording rules: promtool parses each.
	exprs := dashboardExprs(t)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, where := range sortedKeys(exprs) {
		e, _ := json.Marshal(exprs[where]) // a JSON string is a YAML string
		fmt.Fprintf(&rules, "      - record: dashboard:query_%d\n        expr: %s\n", i, e)
	}
	file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("the dashboard's queries do not parse: %v\n%s\n%s", err, out, rules.String())
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
