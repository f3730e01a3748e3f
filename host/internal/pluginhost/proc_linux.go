package pluginhost

import (
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procfs reads the process table from /proc.
type procfs struct{}

// hostProcs is the process table the ledger uses; nil where there is none
// to read.
var hostProcs procTable = procfs{}

func (procfs) self() (procID, error) {
	pid := os.Getpid()
	info, ok := procfs{}.look(pid)
	if !ok {
		return procID{}, fmt.Errorf("cannot read /proc/%d/stat", pid)
	}
	return procID{PID: pid, Start: info.start}, nil
}

func (procfs) bootID() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// look reads /proc/PID/stat and /proc/PID/exe. A zombie counts as gone: it
// has exited and holds nothing but its entry in the table.
func (procfs) look(pid int) (procInfo, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	// The command name (field 2) is in parentheses and may itself contain
	// spaces and parentheses: the fields after the last ')' are safe to
	// split. They start with field 3, the state; field 22 is the start
	// time in clock ticks after boot.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procInfo{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return procInfo{}, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return procInfo{}, false
	}
	// Unreadable for another user's process: exe stays empty and matches
	// no recorded binary.
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	return procInfo{start: start, exe: exe}, true
}

func (procfs) signal(pid int, sig syscall.Signal) error { return syscall.Kill(pid, sig) }

// privateDir reports whether a ledger directory can be trusted: a real
// directory (not a symlink), owned by this user, that nobody else can write
// to or read. A ledger anyone could write to could name any of our
// processes to be killed.
func privateDir(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 &&
		st.Uid == uint32(os.Geteuid()) && fi.Mode().Perm()&0o077 == 0
}
