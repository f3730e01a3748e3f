// Package hostsvc serves the HostServices gRPC API that plugins call back
// into over the go-plugin broker: Billy through the host's gateway, other
// tools, progress, logging, and the MCP client's user and model.
//
// Every callback names the call it belongs to. The host resolves that call
// and acts as its caller, for its client, and only if the plugin asking is
// the one serving it: a plugin cannot borrow another plugin's call, choose a
// different organization, or reach a client it was not called by.
package hostsvc
