package testkit

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The Redis servers tests share, started by scripts/test.sh with
// scripts/redis.sh start (outside the BILLY_MCP_ names, which the host
// refuses when it does not know them).
const (
	RedisEnv        = "BILLY_TEST_REDIS_URL"
	RedisClusterEnv = "BILLY_TEST_REDIS_CLUSTER"
)

// RedisURL returns the shared standalone server's URL. Without it the test
// fails, unless it runs with -short, the local opt-out: make test always
// provides one, and a test that skipped there would prove nothing. Tests
// sharing it keep apart by KeyPrefix.
func RedisURL(t testing.TB) string {
	t.Helper()
	return sharedRedis(t, RedisEnv)
}

// RedisCluster returns the shared Cluster's node addresses.
func RedisCluster(t testing.TB) []string {
	t.Helper()
	return strings.Split(sharedRedis(t, RedisClusterEnv), ",")
}

func sharedRedis(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if testing.Short() {
			t.Skipf("%s is not set and -short is given: skipping the Redis run", env)
		}
		t.Fatalf("%s is not set: run `D=$(mktemp -d); scripts/redis.sh start $D; set -a; . $D/env` from the repository root first (make test does), or pass -short to skip the Redis runs", env)
	}
	return v
}

// KeyPrefix is a Redis key prefix no other test uses.
func KeyPrefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test-" + hex.EncodeToString(b[:])
}

// RedisServers are servers a test started for itself, to kill some of
// them: scripts/redis.sh under a directory the test owns, stopped and
// removed at its end.
type RedisServers struct {
	t     testing.TB
	dir   string
	Addrs []string
}

// PrivateRedis starts one server of the test's own.
func PrivateRedis(t testing.TB) *RedisServers { return privateRedis(t, "server") }

// PrivateRedisCluster starts a 6-node Cluster (3 primaries, 3 replicas) of
// the test's own.
func PrivateRedisCluster(t testing.TB) *RedisServers { return privateRedis(t, "cluster") }

func privateRedis(t testing.TB, kind string) *RedisServers {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testing.Short() {
			t.Skip("redis-server is not installed and -short is given")
		}
		t.Fatal("redis-server is not installed: run scripts/install-deps.sh redis (make test does)")
	}
	dir, err := os.MkdirTemp("", "billy-test-redis-")
	if err != nil {
		t.Fatal(err)
	}
	script := RedisScript()
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/redis.sh stop: %v\n%s", err, out)
		}
	})
	out, err := exec.Command(script, kind, dir).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("scripts/redis.sh %s: %v\n%s", kind, err, stderr)
	}
	return &RedisServers{t: t, dir: dir, Addrs: strings.Split(strings.TrimSpace(string(out)), ",")}
}

// RedisScript is scripts/redis.sh's path.
func RedisScript() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "scripts", "redis.sh")
}

// Kill stops the server at addr at once (SIGKILL), as a crash would.
func (r *RedisServers) Kill(addr string) {
	r.t.Helper()
	pid := r.pid(addr)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		r.t.Fatalf("killing redis-server %s (pid %d): %v", addr, pid, err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			return
		}
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); strings.Contains(string(b), ") Z ") {
			return // a zombie: gone, waiting for its parent (init) to reap it
		}
	}
	r.t.Fatalf("redis-server %s (pid %d) did not die", addr, pid)
}

func (r *RedisServers) pid(addr string) int {
	r.t.Helper()
	_, port, _ := strings.Cut(addr, ":")
	b, err := os.ReadFile(filepath.Join(r.dir, port, "redis.pid"))
	if err != nil {
		r.t.Fatalf("no pid file for redis-server %s: %v", addr, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		r.t.Fatalf("pid file of redis-server %s: %v", addr, err)
	}
	return pid
}
