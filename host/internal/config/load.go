package config

// Load is the one way a running host gets its configuration: it layers the
// built-in defaults, the file and the environment, checks each layer
// against the schema before anything is merged (so a problem is reported
// against the file or the variable that caused it), merges them with koanf,
// and fills in what is derived. The other jobs live in their own files:
// env.go (variables), yaml.go (YAML values), validate.go, redact.go,
// schema.go and messages.go.

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// Options says where Load finds its layers. The zero value means: defaults
// and the process environment only.
type Options struct {
	// File is a YAML config file; empty means none.
	File string
	// Environ is the environment as os.Environ returns it; nil means
	// os.Environ(). Tests pass an explicit (possibly empty) slice so the
	// machine's environment cannot leak in.
	Environ []string
	// ExecutableDir replaces the directory of the running executable as
	// the default plugin_defaults.dir; empty means filepath.Dir of
	// os.Executable(). Tests set it because under `go test` the executable
	// lives in a temporary build directory.
	ExecutableDir string
}

// Load builds the configuration from the defaults, then opts.File, then the
// environment (each layer overrides the one before), checks it with
// Validate and fills in what is derived:
//
//   - mode: "sandbox" when billy.api_key is empty, else "production";
//   - writes.mode: "direct" in sandbox mode, else "confirm";
//   - plugin_defaults.dir: the executable's directory when empty, and
//     always made absolute (a relative dir is taken from the working
//     directory);
//   - each enabled plugin's path: joined to plugin_defaults.dir when
//     relative;
//   - data_dir: $XDG_STATE_HOME/billy-mcp, else $HOME/.local/state/billy-mcp
//     (from the environment Load reads), and always made absolute; it
//     stays empty when neither variable is set.
//
// A "plugins" section adds to the built-in plugin set: an entry with a new
// name adds a plugin, an entry with a built-in name changes that plugin key
// by key (enabled: false switches it off). With plugin_set: replace, the
// built-in set is left out and only the listed plugins start. A key whose
// value is null (a section with everything commented out) keeps its
// default.
//
// Environment variables with an empty value are treated as unset, because
// deployment tools often define a variable without giving it a value.
// Lists from the environment are comma-separated. Plugins can only be
// configured in the file.
//
// Problems are reported all at once, joined into one error, in two rounds:
// first everything the schema finds in the file and the environment
// (unknown keys or variables, wrong types, values not allowed), then, once
// those are fixed, what Validate finds in the merged result.
func Load(opts Options) (*Config, error) {
	environ := opts.Environ
	if environ == nil {
		environ = os.Environ()
	}

	var problems []error
	var fileLayer map[string]any
	if opts.File != "" {
		raw, errs, err := readFile(opts.File)
		if err != nil {
			return nil, err
		}
		fileLayer = raw
		problems = append(problems, errs...)
	}
	envL, errs := billyMCPEnv(environ)
	problems = append(problems, errs...)
	v1L, errs := v1Env(environ, envL.setBy)
	problems = append(problems, errs...)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}

	defaults := toMap(reflect.ValueOf(Default()).Elem()).(map[string]any)
	if pluginSet(fileLayer, envL.values) == PluginSetReplace {
		delete(defaults, "plugins")
	}
	// v1's names before BILLY_MCP_ names, so that those win.
	ko := koanf.New(".")
	for _, layer := range []map[string]any{defaults, fileLayer, v1L.values, envL.values} {
		if err := ko.Load(confmap.Provider(layer, ""), nil); err != nil {
			return nil, fmt.Errorf("config: merging layers: %w", err)
		}
	}

	cfg, err := decode(ko)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.derive(opts.ExecutableDir, environ); err != nil {
		return nil, err
	}
	return cfg, nil
}

// pluginSet is plugin_set as the layers above the defaults leave it.
func pluginSet(layers ...map[string]any) string {
	set := PluginSetAdd
	for _, l := range layers {
		if v, ok := l["plugin_set"].(string); ok {
			set = v
		}
	}
	return set
}

// Check is what `billy-mcp config check --config F` runs: Load and
// Validate, against environ (nil means the process environment, which is
// what the host would see when started the same way).
//
// Check is about the configuration's validity only. It does not look for
// plugin binaries or the checksums file: a config is often checked where
// the binaries are not installed (CI, a build machine), and the plugin
// manager verifies each binary and its checksum when it starts the plugin.
func Check(path string, environ []string) error {
	cfg, err := Load(Options{File: path, Environ: environ})
	if err != nil {
		return err
	}
	return cfg.Validate()
}

// readFile reads and parses the YAML file, then checks it against the
// schema. err is for a file that cannot be read or parsed at all; problems
// lists everything the schema finds, each prefixed with the file's name.
func readFile(path string) (raw map[string]any, problems []error, err error) {
	b, err := file.Provider(path).ReadBytes()
	if err != nil {
		return nil, nil, fmt.Errorf("config file: %w", err)
	}
	m, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		return nil, nil, fmt.Errorf("config file %s: not valid YAML (it must be a mapping of keys, like configs/production.example.yaml): %w", path, err)
	}
	var found []problem
	v, _ := fromYAML(root(), m, &found)
	raw, _ = v.(map[string]any)
	if raw == nil {
		raw = map[string]any{}
	}
	// Values fromYAML refused were dropped, so the schema does not report
	// them twice.
	found = append(found, root().check(raw)...)
	slices.SortStableFunc(found, func(a, b problem) int { return cmp.Compare(a.path, b.path) })
	for _, p := range found {
		problems = append(problems, fmt.Errorf("config file %s: %w", path, p))
	}
	return raw, problems, nil
}

// decode turns koanf's merged map into a Config. The schema has already
// rejected unknown keys and wrong types with better messages; ErrorUnused
// and the absence of weak typing keep decode honest should a value ever
// slip past it.
func decode(ko *koanf.Koanf) (*Config, error) {
	var cfg Config
	err := ko.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook:  mapstructure.StringToTimeDurationHookFunc(),
			ErrorUnused: true,
			TagName:     "json",
			Result:      &cfg,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if cfg.Plugins == nil {
		cfg.Plugins = map[string]PluginConfig{}
	}
	return &cfg, nil
}

// derive fills in what Load documents as derived. It runs after Validate,
// so the values it builds on are known to be sane.
func (c *Config) derive(exeDir string, environ []string) error {
	if c.Mode == "" {
		c.Mode = ModeProduction
		if c.Billy.APIKey == "" {
			c.Mode = ModeSandbox
		}
	}
	if c.Writes.Mode == "" {
		c.Writes.Mode = WritesConfirm
		if c.Mode == ModeSandbox {
			c.Writes.Mode = WritesDirect
		}
	}

	dir := c.PluginDefaults.Dir
	if dir == "" {
		dir = exeDir
	}
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("plugin_defaults.dir: not set, and the executable's directory is unknown (%v); set plugin_defaults.dir (env BILLY_MCP_PLUGIN_DEFAULTS_DIR)", err)
		}
		// A symlinked binary (/usr/local/bin/billy-mcp → /opt/billy-mcp/bin/)
		// finds its plugins next to the real file, where `make build` put them.
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dir = filepath.Dir(exe)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("plugin_defaults.dir: %q cannot be made absolute: %v", dir, err)
	}
	c.PluginDefaults.Dir = abs

	for name, p := range c.Plugins {
		if p.IsEnabled() && p.Path != "" && !filepath.IsAbs(p.Path) {
			p.Path = filepath.Join(abs, p.Path)
			c.Plugins[name] = p
		}
	}

	if c.DataDir == "" {
		vars := map[string]string{}
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && v != "" {
				vars[k] = v
			}
		}
		switch {
		case vars["XDG_STATE_HOME"] != "":
			c.DataDir = filepath.Join(vars["XDG_STATE_HOME"], "billy-mcp")
		case vars["HOME"] != "":
			c.DataDir = filepath.Join(vars["HOME"], ".local", "state", "billy-mcp")
		}
	}
	if c.DataDir != "" {
		abs, err := filepath.Abs(c.DataDir)
		if err != nil {
			return fmt.Errorf("data_dir: %q cannot be made absolute: %v", c.DataDir, err)
		}
		c.DataDir = abs
	}
	return nil
}
