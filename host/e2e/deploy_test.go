package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"go.yaml.in/yaml/v3"
)

// render.yaml is read by Render, not by us, so nothing else would notice a
// key the host no longer reads or a wire gone missing. This test holds it to
// the host's real configuration: every variable it sets is one the host
// takes, the database and Redis are wired in, secrets are never in the file,
// and Render waits longer than the host drains.

type renderEnv struct {
	Key           string         `yaml:"key"`
	Value         *string        `yaml:"value"`
	Sync          *bool          `yaml:"sync"`
	GenerateValue bool           `yaml:"generateValue"`
	FromDatabase  map[string]any `yaml:"fromDatabase"`
	FromService   map[string]any `yaml:"fromService"`
	FromGroup     string         `yaml:"fromGroup"`
}

type renderBlueprint struct {
	Services []struct {
		Type                    string      `yaml:"type"`
		Name                    string      `yaml:"name"`
		Runtime                 string      `yaml:"runtime"`
		DockerfilePath          string      `yaml:"dockerfilePath"`
		HealthCheckPath         string      `yaml:"healthCheckPath"`
		MaxShutdownDelaySeconds int         `yaml:"maxShutdownDelaySeconds"`
		MaxmemoryPolicy         string      `yaml:"maxmemoryPolicy"`
		EnvVars                 []renderEnv `yaml:"envVars"`
		Scaling                 *struct {
			MinInstances        int `yaml:"minInstances"`
			MaxInstances        int `yaml:"maxInstances"`
			TargetCPUPercent    int `yaml:"targetCPUPercent"`
			TargetMemoryPercent int `yaml:"targetMemoryPercent"`
		} `yaml:"scaling"`
	} `yaml:"services"`
	Databases []struct {
		Name string `yaml:"name"`
	} `yaml:"databases"`
	EnvVarGroups []struct {
		Name    string      `yaml:"name"`
		EnvVars []renderEnv `yaml:"envVars"`
	} `yaml:"envVarGroups"`
}

// secretKey names variables whose values are secrets: they must never have a
// value in the file.
var secretKey = regexp.MustCompile(`(?i)(KEY|TOKEN|SECRET|PASSWORD)`)

func TestRenderBlueprint(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(), "render.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var bp renderBlueprint
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&bp); err != nil {
		t.Fatal(err)
	}
	groups := map[string][]renderEnv{}
	for _, g := range bp.EnvVarGroups {
		groups[g.Name] = g.EnvVars
	}
	services := map[string]string{} // name → type
	for _, s := range bp.Services {
		services[s.Name] = s.Type
	}
	databases := map[string]bool{}
	for _, d := range bp.Databases {
		databases[d.Name] = true
	}

	web := bp.Services[0]
	if web.Type != "web" || web.Runtime != "docker" || web.DockerfilePath != "./Dockerfile" {
		t.Fatalf("the first service is not the host from the Dockerfile: %+v", web)
	}
	if web.Scaling == nil || web.Scaling.MinInstances < 2 || web.Scaling.MaxInstances < 10 ||
		web.Scaling.TargetCPUPercent == 0 || web.Scaling.TargetMemoryPercent == 0 {
		t.Errorf("autoscaling is not 2–10 instances on CPU and memory: %+v", web.Scaling)
	}
	if web.HealthCheckPath != "/health/ready" {
		t.Errorf("healthCheckPath %q, want /health/ready (503 while draining, so Render stops routing first)", web.HealthCheckPath)
	}

	// The environment Render would give the host, with stand-ins for what
	// Render fills in.
	var environ []string
	var wired []string
	vars := append([]renderEnv{}, web.EnvVars...)
	for _, v := range web.EnvVars {
		if v.FromGroup != "" {
			g, ok := groups[v.FromGroup]
			if !ok {
				t.Errorf("fromGroup %q: no such group", v.FromGroup)
			}
			vars = append(vars, g...)
		}
	}
	for _, v := range vars {
		switch {
		case v.FromGroup != "":
			continue
		case v.FromDatabase != nil:
			if !databases[v.FromDatabase["name"].(string)] || v.FromDatabase["property"] != "connectionString" {
				t.Errorf("%s: fromDatabase %v is not a database's connectionString", v.Key, v.FromDatabase)
			}
			environ = append(environ, v.Key+"=postgres://billy_mcp:pw@db.internal:5432/billy_mcp")
			wired = append(wired, v.Key)
		case v.FromService != nil:
			name, _ := v.FromService["name"].(string)
			if services[name] != v.FromService["type"] || v.FromService["property"] != "connectionString" {
				t.Errorf("%s: fromService %v is not a service's connectionString", v.Key, v.FromService)
			}
			environ = append(environ, v.Key+"=redis://red-abc:6379")
			wired = append(wired, v.Key)
		case v.Sync != nil && !*v.Sync, v.GenerateValue:
			environ = append(environ, v.Key+"="+standIn(v.Key))
		case v.Value != nil:
			if secretKey.MatchString(v.Key) {
				t.Errorf("%s has a value in render.yaml: secrets go in the Dashboard (sync: false) or generateValue", v.Key)
			}
			environ = append(environ, v.Key+"="+*v.Value)
		default:
			t.Errorf("%s: no value, source or sync: false", v.Key)
		}
	}
	cfg, err := config.Load(config.Options{Environ: environ, ExecutableDir: t.TempDir()})
	if err != nil {
		t.Fatalf("the host refuses render.yaml's environment:\n%v", err)
	}
	if cfg.Database.URL == "" || cfg.Redis.URL == "" {
		t.Errorf("the database (%q) or Redis (%q) is not wired in; wired: %v", cfg.Database.URL, cfg.Redis.URL, wired)
	}
	if cfg.Mode != config.ModeProduction {
		t.Errorf("mode %q, want production", cfg.Mode)
	}
	if cfg.SigningKey == "" {
		t.Error("no shared signing key: instances would not accept each other's confirmation tokens")
	}
	// Render routes to PORT: the host must listen there.
	port := envOf(environ, "PORT")
	if !strings.HasSuffix(cfg.HTTP.Addr, ":"+port) {
		t.Errorf("the host listens on %s, Render routes to PORT %s", cfg.HTTP.Addr, port)
	}
	// Render waits maxShutdownDelaySeconds after SIGTERM before it kills;
	// the host must have drained by then, after giving the balancer time to
	// stop routing to it (TestRollingRestartLosesNoCall shows why).
	if cfg.HTTP.DrainDelay <= 0 {
		t.Error("no http.drain_delay: the host would close connections Render's balancer may still be sending on")
	}
	if shutdown := time.Duration(web.MaxShutdownDelaySeconds) * time.Second; cfg.HTTP.DrainDelay+cfg.HTTP.ShutdownTimeout >= shutdown {
		t.Errorf("the host stops in up to %s (drain delay %s + shutdown timeout %s) but Render kills after %s",
			cfg.HTTP.DrainDelay+cfg.HTTP.ShutdownTimeout, cfg.HTTP.DrainDelay, cfg.HTTP.ShutdownTimeout, shutdown)
	}
	for _, s := range bp.Services {
		if s.Type == "keyvalue" && s.MaxmemoryPolicy != "noeviction" {
			t.Errorf("Key Value %s evicts (%s): the cache's generations must not go before the answers they guard", s.Name, s.MaxmemoryPolicy)
		}
	}
}

func standIn(key string) string {
	switch key {
	case "BILLY_MCP_SIGNING_KEY":
		return strings.Repeat("s", 44) // generateValue: 256 bits in base64
	case "MCP_API_KEY":
		return strings.Repeat("k", 64)
	}
	return "stand-in-" + strconv.Itoa(len(key))
}

func envOf(environ []string, key string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}
