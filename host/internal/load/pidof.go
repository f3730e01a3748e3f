package load

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// listenerPID finds the process on this machine that listens on the URL's
// TCP port: the socket's inode from /proc/net/tcp{,6}, then the process
// holding that inode among its open files. It sees processes of the same
// user (or all, as root), in this network namespace.
func listenerPID(root, rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	if !isLocalHost(u.Hostname()) {
		return 0, fmt.Errorf("%s is not on this machine; give the server's processes with --pids", u.Host)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, fmt.Errorf("port %q: %v", port, err)
	}
	inodes := map[string]bool{}
	for _, table := range []string{"net/tcp", "net/tcp6"} {
		if err := listeningInodes(filepath.Join(root, table), p, inodes); err != nil && !os.IsNotExist(err) {
			return 0, err
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d", p)
	}
	all, err := pids(root)
	if err != nil {
		return 0, err
	}
	var found []int
	for _, pid := range all {
		fds, err := os.ReadDir(filepath.Join(root, strconv.Itoa(pid), "fd"))
		if err != nil {
			continue // another user's process, or gone
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(root, strconv.Itoa(pid), "fd", fd.Name()))
			if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok && inodes[strings.TrimSuffix(inode, "]")] {
				found = append(found, pid)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("port %d is listened on by a process this user cannot see; give --pids", p)
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return 0, fmt.Errorf("several processes listen on port %d (%v); give --pids", p, found)
}

// listeningInodes adds the inodes of the sockets in LISTEN state (0A) on
// port from one /proc/net/tcp table.
func listeningInodes(path string, port int, into map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	want := fmt.Sprintf(":%04X", port)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		cols := strings.Fields(sc.Text())
		if len(cols) >= 10 && cols[3] == "0A" && strings.HasSuffix(cols[1], want) {
			into[cols[9]] = true
		}
	}
	return sc.Err()
}

// isLocalHost reports whether host names this machine: localhost, a
// loopback or unspecified address, or an address of a local interface.
func isLocalHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}
