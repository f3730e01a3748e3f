package load

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: billy-mcp load [flags]
       billy-mcp load compare [--baseline LABEL] REPORT.json...

Drives tool calls against a running server, over MCP Streamable HTTP or the
v1 REST API, and prints calls/s, latency percentiles, errors by category and
code and, given the server's processes, its CPU time per call.

What to call, one of:
  --tool NAME [--args JSON]  the same call every time
  --workload FILE            calls drawn by weight; YAML or JSON:
                             calls: [{tool: NAME, arguments: {...}, weight: 3}, ...]
  --replay FILE              recorded calls, JSON lines {"tool": ..., "arguments": {...}},
                             in order, round-robin across the clients

Exit status: 0 when at least one call succeeded, 1 when none did or the run
could not start, 2 for a wrong command line.

Flags:
`

const compareUsage = `usage: billy-mcp load compare [--baseline LABEL] REPORT.json...

Prints runs saved with --json (several may follow each other in one file)
side by side as a Markdown table, with calls/s as a ratio of the baseline's
at the same number of clients. The baseline is the first run's label unless
--baseline names another.
`

// Command is `billy-mcp load`: results on stdout, progress and errors on
// stderr. It returns the exit status.
func Command(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "compare" {
		return compare(args[1:], stdout, stderr)
	}
	c, err := parseFlags(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp load: %v\n(billy-mcp load --help lists the flags)\n", err)
		return 2
	}
	if !c.quiet {
		c.opts.Progress = stderr
		c.opts.ProgressInPlace = isTerminal(stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := Run(ctx, c.opts)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp load: %v\n", err)
		return 1
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = WriteText(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp load: writing the report: %v\n", err)
		return 1
	}
	if r.Successes == 0 {
		fmt.Fprintf(stderr, "billy-mcp load: no call succeeded (%d calls)\n", r.Calls)
		return 1
	}
	return 0
}

func compare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("billy-mcp load compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, compareUsage); fs.PrintDefaults() }
	baseline := fs.String("baseline", "", "the label of the runs the others are compared with (default: the first run's)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, compareUsage)
		return 2
	}
	var all []*Report
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp load compare: %v\n", err)
			return 1
		}
		reports, err := ReadReports(name, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp load compare: %v\n", err)
			return 1
		}
		all = append(all, reports...)
	}
	if err := WriteComparison(stdout, all, *baseline); err != nil {
		fmt.Fprintf(stderr, "billy-mcp load compare: %v\n", err)
		return 1
	}
	return 0
}

// isTerminal reports whether w is a terminal, where the progress line may
// be rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
