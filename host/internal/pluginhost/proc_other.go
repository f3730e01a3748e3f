//go:build !linux

package pluginhost

import "io/fs"

// hostProcs is nil outside Linux: there is no /proc to confirm a recorded
// process is still the plugin that was started, and killing on a PID alone
// could end an unrelated process. The ledger is off there.
var hostProcs procTable

func privateDir(fs.FileInfo) bool { return false }
