package pluginhost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// A host that dies without stopping its plugins (SIGKILL, an OOM kill, a
// crash) used to leave them running, and every restart added more. Plugins
// now die with the host (dieWithHost, and the sdk's own parent watcher), but
// a plugin built with an older sdk, or one started in the instant before
// the kernel could arm the signal, may still be left. So each host keeps a
// ledger of the plugin processes it runs, and at start ends those that a
// dead host left behind.
//
// The ledger is one small JSON file per host process, in a per-user
// directory of the runtime or temp dir, not in the data directory: PIDs
// mean something only on one machine and in one PID namespace, which is
// what those directories are scoped to, while a data directory may be a
// volume shared by several containers. One file per host process (not one
// per listen address or config) because two hosts of the same config can
// run at once (a stdio host launched by a desktop client next to a serve
// host), and neither may touch the other's plugins.
//
// A recorded process is ended only when all of these hold, so nothing that
// is not ours is ever signalled:
//   - the file was written on this boot (boot ID), into a directory only
//     this user can write;
//   - the host that wrote it is gone: its PID is free or belongs to a
//     process started at another time;
//   - the plugin's PID runs a process with the recorded start time (the
//     kernel never gives one PID and start time to two processes in a
//     boot), so the PID was not reused;
//   - that process still runs the recorded binary (or the same path since
//     deleted, as when the binary was rebuilt while the orphan ran).
//
// Whether its parent is PID 1 is not checked: an orphan is adopted by the
// nearest subreaper (systemd --user, tini, a container's init) as often as
// by PID 1, and the dead recording host already proves it is an orphan.

// procID identifies one process across PID reuse.
type procID struct {
	PID int `json:"pid"`
	// Start is the start time in clock ticks after boot
	// (/proc/PID/stat field 22).
	Start uint64 `json:"start"`
}

// pluginRecord is one plugin process a host started.
type pluginRecord struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
	Name  string `json:"name"`
	// Exe is what /proc/PID/exe said right after the start: the
	// binary's real path, symlinks resolved.
	Exe string `json:"exe"`
}

func (p pluginRecord) id() procID { return procID{PID: p.PID, Start: p.Start} }

// ledgerFile is the content of one host's file.
type ledgerFile struct {
	Boot    string         `json:"boot"`
	Host    procID         `json:"host"`
	Plugins []pluginRecord `json:"plugins"`
}

// procInfo is what the process table says about a running process.
type procInfo struct {
	start uint64
	exe   string
}

// procTable is the operating system's process table; tests fake it.
type procTable interface {
	self() (procID, error)
	bootID() (string, error)
	// look reports whether pid is a running (not zombie) process, and
	// its start time and executable.
	look(pid int) (procInfo, bool)
	signal(pid int, sig syscall.Signal) error
}

const (
	// reapGrace is how long a left-behind plugin gets to exit after
	// SIGTERM before SIGKILL.
	reapGrace = 2 * time.Second
	// reapPoll is how often the reaper looks whether they have exited.
	reapPoll = 20 * time.Millisecond
)

// ledger records this host's plugin processes. A nil *ledger records
// nothing; every method may be called on it.
type ledger struct {
	dir    string
	path   string
	procs  procTable
	logger hclog.Logger

	mu    sync.Mutex
	state ledgerFile
	// warned keeps a failing disk from logging on every restart.
	warned bool
}

// defaultLedgerDir is a directory private to this user on this machine:
// $XDG_RUNTIME_DIR (a per-user tmpfs, when there is a login session) or
// the temp dir.
func defaultLedgerDir() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "billy-mcp-plugins-"+strconv.Itoa(os.Geteuid()))
}

// openLedger prepares this host's ledger in dir. It returns nil (and logs
// why) when there is no process table to check against or dir cannot be
// trusted: the host then runs as before, without reaping.
func openLedger(dir string, procs procTable, logger hclog.Logger) *ledger {
	if procs == nil {
		return nil
	}
	self, err := procs.self()
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	var boot string
	if err == nil {
		boot, err = procs.bootID()
	}
	if err != nil {
		logger.Warn("cannot keep a ledger of plugin processes; plugins left behind by a killed host will not be ended", "dir", dir, "error", err)
		return nil
	}
	if fi, err := os.Lstat(dir); err != nil || !privateDir(fi) {
		logger.Warn("the plugin process ledger directory is not private to this user; not using it", "dir", dir)
		return nil
	}
	return &ledger{dir: dir, procs: procs, logger: logger,
		path:  filepath.Join(dir, fmt.Sprintf("host-%d-%d.json", self.PID, self.Start)),
		state: ledgerFile{Boot: boot, Host: self}}
}

// reapStale ends the plugins that dead hosts left running and removes
// their files. It waits for them to exit, at most reapGrace plus a moment.
func (l *ledger) reapStale() {
	if l == nil {
		return
	}
	files, _ := filepath.Glob(filepath.Join(l.dir, "host-*.json"))
	var victims []pluginRecord
	var done []string
	for _, f := range files {
		if f == l.path {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue // removed by its host or another reaper meanwhile
		}
		var lf ledgerFile
		if err := json.Unmarshal(b, &lf); err != nil {
			l.logger.Warn("ignoring an unreadable plugin process ledger", "file", f, "error", err)
			continue
		}
		if lf.Boot == l.state.Boot && l.alive(lf.Host) {
			continue // that host still runs and minds its own plugins
		}
		done = append(done, f)
		if lf.Boot != l.state.Boot {
			continue // written before a reboot: none of it runs
		}
		for _, p := range lf.Plugins {
			if l.ours(p) {
				victims = append(victims, p)
			}
		}
	}
	l.end(victims)
	for _, f := range done {
		_ = os.Remove(f)
	}
}

// alive reports whether id still runs.
func (l *ledger) alive(id procID) bool {
	info, ok := l.procs.look(id.PID)
	return ok && info.start == id.Start
}

// ours reports whether p still runs the recorded plugin binary.
func (l *ledger) ours(p pluginRecord) bool {
	info, ok := l.procs.look(p.PID)
	return ok && info.start == p.Start && p.Exe != "" &&
		(info.exe == p.Exe || info.exe == p.Exe+" (deleted)")
}

// end sends SIGTERM to every victim, and SIGKILL to those still there
// after reapGrace.
func (l *ledger) end(victims []pluginRecord) {
	if len(victims) == 0 {
		return
	}
	for _, p := range victims {
		l.logger.Warn("ending a plugin process a killed host left behind", "plugin", p.Name, "pid", p.PID, "exe", p.Exe)
		_ = l.procs.signal(p.PID, syscall.SIGTERM)
	}
	left := l.waitGone(victims, reapGrace)
	for _, p := range left {
		l.logger.Warn("the left-behind plugin ignored SIGTERM; killing it", "plugin", p.Name, "pid", p.PID)
		_ = l.procs.signal(p.PID, syscall.SIGKILL)
	}
	for _, p := range l.waitGone(left, time.Second) {
		l.logger.Error("a left-behind plugin process survived SIGKILL", "plugin", p.Name, "pid", p.PID)
	}
}

// waitGone waits up to d for the processes to exit and returns those that
// have not.
func (l *ledger) waitGone(ps []pluginRecord, d time.Duration) []pluginRecord {
	deadline := time.Now().Add(d)
	for {
		var left []pluginRecord
		for _, p := range ps {
			if l.alive(p.id()) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || !time.Now().Before(deadline) {
			return left
		}
		ps = left
		time.Sleep(reapPoll)
	}
}

// add records that plugin name now runs as pid.
func (l *ledger) add(name string, pid int) {
	if l == nil {
		return
	}
	info, ok := l.procs.look(pid)
	if !ok {
		return // already gone; the supervisor will notice
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop(name)
	l.state.Plugins = append(l.state.Plugins, pluginRecord{PID: pid, Start: info.start, Name: name, Exe: info.exe})
	l.save()
}

// remove records that plugin name no longer runs.
func (l *ledger) remove(name string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drop(name) {
		l.save()
	}
}

func (l *ledger) drop(name string) bool {
	for i, p := range l.state.Plugins {
		if p.Name == name {
			l.state.Plugins = append(l.state.Plugins[:i], l.state.Plugins[i+1:]...)
			return true
		}
	}
	return false
}

// close removes the file: a host that stopped its plugins leaves nothing to
// reap.
func (l *ledger) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state.Plugins = nil
	_ = os.Remove(l.path)
}

// save writes the file whole and renames it into place, so a host reading
// it at its start never sees half of it. Called with mu held.
func (l *ledger) save() {
	b, _ := json.Marshal(l.state)
	tmp, err := os.CreateTemp(l.dir, ".tmp-")
	if err == nil {
		_, err = tmp.Write(b)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), l.path)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}
	if err != nil && !l.warned {
		l.warned = true
		l.logger.Warn("cannot write the plugin process ledger; if this host is killed, its plugins may not be ended at the next start", "file", l.path, "error", err)
	}
	if err == nil {
		l.warned = false
	}
}
