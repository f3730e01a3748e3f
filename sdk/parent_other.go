//go:build !linux

package sdk

// watchParent does nothing outside Linux. The host's promise that plugins
// never outlive it (a parent-death signal, this watcher, reaping leftovers
// at start) is made and tested on Linux, where billy-mcp is deployed.
// Windows keeps a dead parent's PID as the child's parent, so getppid says
// nothing there; macOS and the BSDs would re-parent like Linux, but a
// watcher nobody tests there could end a developer's plugin wrongly.
func watchParent(string) {}
