//go:build !linux

package pluginhost

import "os/exec"

// dieWithHost does nothing outside Linux, which alone has a parent-death
// signal; there the host stops its plugins only when it exits cleanly.
func dieWithHost(*exec.Cmd) {}
