package load

import (
	"io"
	"time"
)

// Transports the load tool speaks.
const (
	TransportMCP  = "mcp"
	TransportREST = "rest"
)

// Protocols are the MCP spec revisions the host serves.
var Protocols = []string{"2025-11-25", "2026-07-28"}

// Options say what to drive, how hard and what to watch. Command fills
// them from flags and checks them; Run takes them as they are.
type Options struct {
	Transport string // TransportMCP or TransportREST
	Protocol  string // MCP spec revision, for TransportMCP
	URL       string // the server's base URL, e.g. http://127.0.0.1:8080
	MCPPath   string // the MCP endpoint's path, e.g. /mcp
	APIKey    string

	Clients  int
	Duration time.Duration // how long to measure, when Calls is 0
	Calls    int           // how many calls to measure, across all clients
	Warmup   time.Duration // calls made first and not counted
	Timeout  time.Duration // for one call, and for connecting
	Workload *Workload
	Seed     uint64 // of the mixed workload's draws

	// PIDs are the server's processes whose CPU is measured; Children adds
	// their descendants (the host's plugins). PIDOfHost finds the process
	// listening on URL's port and measures it and its descendants.
	PIDs      []int
	Children  bool
	PIDOfHost bool

	Label string // names the run in reports and in `load compare`

	// Progress gets a line a second while the run lasts; nil for none.
	// ProgressInPlace rewrites one line (a terminal) instead of adding one.
	Progress        io.Writer
	ProgressInPlace bool

	// ProcRoot is where /proc is ("" for /proc).
	ProcRoot string
}

func (o Options) procRoot() string {
	if o.ProcRoot == "" {
		return "/proc"
	}
	return o.ProcRoot
}

// endpoint is what the report names: the MCP endpoint or the REST base.
func (o Options) endpoint() string {
	if o.Transport == TransportREST {
		return o.URL + "/api/v1/tools/{name}"
	}
	return o.URL + o.MCPPath
}
