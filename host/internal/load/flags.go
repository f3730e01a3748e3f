package load

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// APIKeyEnv holds the API key when --api-key is not given. It is outside
// the BILLY_MCP_ namespace on purpose: the host refuses to start on a
// BILLY_MCP_ variable it does not know, so a key exported for the load tool
// under that prefix would stop a host started from the same shell.
const APIKeyEnv = "BILLY_LOAD_API_KEY"

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// cli is the parsed command line.
type cli struct {
	opts  Options
	json  bool
	quiet bool
}

// parseFlags turns the command line into Options and checks them; every
// error names the flag at fault.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (cli, error) {
	fs := flag.NewFlagSet("billy-mcp load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }

	defaultURL := "http://127.0.0.1:8080"
	if addr := getenv("BILLY_MCP_HTTP_ADDR"); addr != "" {
		defaultURL = "http://" + addr
	}
	var c cli
	o := &c.opts
	fs.StringVar(&o.URL, "url", defaultURL, "the server's base URL (BILLY_MCP_HTTP_ADDR, when set, gives the default)")
	fs.StringVar(&o.Transport, "transport", TransportMCP, "mcp (Streamable HTTP) or rest (the v1 REST API)")
	fs.StringVar(&o.Protocol, "protocol", Protocols[0], "MCP spec revision: "+strings.Join(Protocols, " or "))
	fs.StringVar(&o.MCPPath, "mcp-path", "/mcp", "the MCP endpoint's path")
	fs.StringVar(&o.APIKey, "api-key", "", "API key, sent as Authorization: Bearer (default $"+APIKeyEnv+")")
	fs.IntVar(&o.Clients, "clients", 1, "concurrent clients, each with its own connection and MCP session")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to measure")
	fs.IntVar(&o.Calls, "calls", 0, "measure this many calls instead of a duration (with --replay: the file's calls, once, unless --calls or --duration is given)")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "how long to call before measuring, not counted (with --replay: 0 unless given)")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "for one call, and for connecting")
	tool := fs.String("tool", "", "the tool to call")
	argsJSON := fs.String("args", "", `the tool's arguments, a JSON object (default {})`)
	workload := fs.String("workload", "", "a workload file: calls drawn by weight")
	replay := fs.String("replay", "", "a replay file: recorded calls, in order")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the mixed workload's draws")
	pidList := fs.String("pids", "", "comma-separated PIDs of the server's processes, for server CPU per call")
	fs.BoolVar(&o.Children, "children", false, "count the descendants of --pids too (the host's plugins)")
	fs.BoolVar(&o.PIDOfHost, "pid-of-host", false, "find the process listening on --url's port (this machine) and count it and its descendants")
	fs.StringVar(&o.Label, "label", "", "name of this run in the report and in load compare")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress line on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if err := checkTarget(o, set); err != nil {
		return c, err
	}
	if o.APIKey == "" {
		o.APIKey = getenv(APIKeyEnv)
	}
	if err := checkAmount(o, set); err != nil {
		return c, err
	}
	wl, err := readWorkload(*tool, *argsJSON, *workload, *replay, set)
	if err != nil {
		return c, err
	}
	o.Workload = wl
	if set["replay"] {
		// A replay is played as recorded: once, unless told otherwise, and
		// without a warm-up, which would play its first calls twice.
		if !set["warmup"] {
			o.Warmup = 0
		}
		if !set["calls"] && !set["duration"] {
			o.Calls = len(wl.Calls())
		}
	}
	if o.PIDs, err = parsePIDs(*pidList); err != nil {
		return c, err
	}
	if o.Children && len(o.PIDs) == 0 {
		return c, usagef("--children goes with --pids")
	}
	return c, nil
}

// checkTarget checks where the load goes and how.
func checkTarget(o *Options, set map[string]bool) error {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--url must be an http:// or https:// URL, got %q", o.URL)
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	switch o.Transport {
	case TransportMCP:
		if !slices.Contains(Protocols, o.Protocol) {
			return usagef("--protocol must be %s, got %q", strings.Join(Protocols, " or "), o.Protocol)
		}
		if !strings.HasPrefix(o.MCPPath, "/") {
			return usagef("--mcp-path must start with /, got %q", o.MCPPath)
		}
	case TransportREST:
		if set["protocol"] || set["mcp-path"] {
			return usagef("--protocol and --mcp-path are for --transport mcp")
		}
	default:
		return usagef("--transport must be mcp or rest, got %q", o.Transport)
	}
	return nil
}

// checkAmount checks how much load, for how long.
func checkAmount(o *Options, set map[string]bool) error {
	switch {
	case o.Clients < 1:
		return usagef("--clients must be 1 or more, got %d", o.Clients)
	case set["duration"] && set["calls"]:
		return usagef("--duration and --calls exclude each other: measure for a time or for a number of calls")
	case o.Calls < 0:
		return usagef("--calls must be 1 or more, got %d", o.Calls)
	case set["calls"] && o.Calls == 0:
		return usagef("--calls must be 1 or more, got 0")
	case o.Duration <= 0:
		return usagef("--duration must be more than 0, got %s", o.Duration)
	case o.Warmup < 0:
		return usagef("--warmup must be 0 or more, got %s", o.Warmup)
	case o.Timeout <= 0:
		return usagef("--timeout must be more than 0, got %s", o.Timeout)
	}
	return nil
}

// readWorkload builds the workload from exactly one of --tool, --workload
// and --replay.
func readWorkload(tool, argsJSON, workload, replay string, set map[string]bool) (*Workload, error) {
	var given []string
	for _, f := range []string{"tool", "workload", "replay"} {
		if set[f] {
			given = append(given, "--"+f)
		}
	}
	switch {
	case len(given) == 0:
		return nil, usagef("say what to call: --tool NAME (with --args JSON), --workload FILE or --replay FILE")
	case len(given) > 1:
		return nil, usagef("%s exclude each other: give one", strings.Join(given, " and "))
	case set["args"] && !set["tool"]:
		return nil, usagef("--args goes with --tool; a workload or replay file has each call's arguments")
	}
	switch {
	case set["tool"]:
		if tool == "" {
			return nil, usagef("--tool must name a tool")
		}
		args, err := objectArguments([]byte(argsJSON))
		if err != nil {
			return nil, usagef("--args: %v", err)
		}
		return Fixed(Call{Tool: tool, Arguments: args}), nil
	case set["workload"]:
		data, err := os.ReadFile(workload)
		if err != nil {
			return nil, usagef("--workload: %v", err)
		}
		w, err := ParseWorkload(workload, data)
		if err != nil {
			return nil, usagef("--workload: %v", err)
		}
		return w, nil
	}
	data, err := os.ReadFile(replay)
	if err != nil {
		return nil, usagef("--replay: %v", err)
	}
	w, err := ParseReplay(replay, data)
	if err != nil {
		return nil, usagef("--replay: %v", err)
	}
	return w, nil
}

func parsePIDs(list string) ([]int, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out []int
	for _, s := range strings.Split(list, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || pid < 1 {
			return nil, usagef("--pids: %q is not a process ID", strings.TrimSpace(s))
		}
		if !slices.Contains(out, pid) {
			out = append(out, pid)
		}
	}
	return out, nil
}
