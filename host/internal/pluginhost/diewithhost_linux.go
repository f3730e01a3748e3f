package pluginhost

import (
	"os/exec"
	"syscall"
)

// dieWithHost has the kernel SIGKILL the plugin when the host thread that
// started it ends, which includes the host process dying by any signal (a
// SIGKILL or an OOM kill gives the host no chance to stop its plugins).
// SIGKILL rather than SIGTERM: the plugin's only way to the world is the
// host, which is gone, so there is nothing left for it to finish.
//
// See forkThread for why the starting thread must outlive the plugin; the
// sdk also watches for the host going away on its own.
func dieWithHost(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
