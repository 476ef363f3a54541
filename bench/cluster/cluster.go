// Package cluster runs Samen as an operator would run it at scale, for the
// harnesses in bench/: instances built from this tree on one PostgreSQL
// database and one Redis, behind HAProxy. The scale-out harness
// (bench/scale) and the fault harness (bench/faults) share it.
package cluster

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"samen/app/apptest"
)

// Options say what to start.
type Options struct {
	DatabaseURL string
	RedisURL    string
	Instances   int
	// Env is added to every instance's environment (and every command's).
	Env []string
	// HAProxyDefaults is added to the defaults section of HAProxy's configuration.
	HAProxyDefaults string
}

// Cluster is the running harness.
type Cluster struct {
	t         testing.TB
	Dir       string
	bin       string
	env       []string
	Instances []*Instance
	// LB is HAProxy's address.
	LB string
}

// Instance is one Samen server process.
type Instance struct {
	Name string
	Addr string
	cmd  *exec.Cmd
	Log  *apptest.SyncBuffer
	done chan error
}

// Start builds Samen, migrates the database, starts the instances and
// HAProxy in front of them, and waits until HAProxy answers. Everything
// stops when t ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatal("the harness needs haproxy (apt-get install -y haproxy)")
	}
	c := &Cluster{t: t, Dir: t.TempDir()}
	c.bin = filepath.Join(c.Dir, "samen")
	if out, err := exec.Command("go", "build", "-o", c.bin, "../..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c.env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + opts.DatabaseURL,
		"SAMEN_REDIS_URL=" + opts.RedisURL,
		"SAMEN_INSTANCES=" + fmt.Sprint(opts.Instances),
		"SAMEN_TRUSTED_PROXIES=127.0.0.1",
		"SAMEN_RATE_LIMIT_REQUESTS=1000000",
		"SAMEN_RATE_LIMIT_WRITES=1000000",
		// Serve on for a while after SIGTERM with /readyz at 503: HAProxy
		// checks every 200 ms and takes an instance out after one failure.
		"SAMEN_DRAIN_DELAY=1s",
		"SAMEN_SHUTDOWN_TIMEOUT=10s",
		"SAMEN_MAIL_DELAY=0s",
	}, opts.Env...)
	c.Run("migrate")
	for i := range opts.Instances {
		in := &Instance{Name: fmt.Sprintf("s%d", i+1), Addr: FreeAddr(t)}
		c.Instances = append(c.Instances, in)
		c.StartInstance(in)
	}
	for _, in := range c.Instances {
		c.WaitReady(in)
	}
	c.LB = FreeAddr(t)
	var servers strings.Builder
	for _, in := range c.Instances {
		fmt.Fprintf(&servers, "    server %s %s check\n", in.Name, in.Addr)
	}
	cfg := filepath.Join(c.Dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(haproxyConfig, c.LB, servers.String(), opts.HAProxyDefaults)), 0o600); err != nil {
		t.Fatal(err)
	}
	lb := exec.Command(haproxy, "-db", "-f", cfg)
	lbLog := &apptest.SyncBuffer{}
	lb.Stdout, lb.Stderr = lbLog, lbLog
	if err := lb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = lb.Process.Kill()
		_ = lb.Wait()
		if t.Failed() {
			t.Logf("haproxy:\n%s", lbLog.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + c.LB + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy at %s never answered: %v\n%s", c.LB, err, lbLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

// haproxyConfig balances over the instances (%[2]s) from %[1]s, with
// %[3]s added to the defaults. An instance whose /readyz fails once is out
// for new requests; it is back after two good checks. A check may take 2 s:
// without "timeout check" it may take only the 200 ms between checks, and
// a busy machine's slower answer took a healthy instance out. A request whose
// connection failed before any answer goes to another instance; a POST only
// when it was never sent: one whose answer was lost may have been stored
// (a comment), and sent again it would be refused as a repeat (422), so its
// client is told 502, the answer that says the outcome is unknown.
const haproxyConfig = `global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    timeout check 2s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
%[3]s
frontend samen
    bind %[1]s
    option forwardfor
    default_backend instances
backend instances
    balance roundrobin
    http-request disable-l7-retry if METH_POST
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 1 rise 2
%[2]s`

// FreeAddr returns a 127.0.0.1 address nobody listens on.
func FreeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Run runs a samen subcommand on the harness's database and returns its output.
func (c *Cluster) Run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Dir, cmd.Env = c.Dir, c.env
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("samen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// StartInstance starts in's server process; it is killed when the test ends.
func (c *Cluster) StartInstance(in *Instance) {
	in.Log, in.done = &apptest.SyncBuffer{}, make(chan error, 1)
	in.cmd = exec.Command(c.bin, "serve")
	in.cmd.Dir = c.Dir
	in.cmd.Env = append(append([]string{}, c.env...), "SAMEN_ADDR="+in.Addr)
	in.cmd.Stdout, in.cmd.Stderr = in.Log, in.Log
	if err := in.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := in.done
	go func() { done <- in.cmd.Wait() }()
	cmd, log := in.cmd, in.Log
	c.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if c.t.Failed() {
			c.t.Logf("log of %s at %s:\n%.20000s", in.Name, in.Addr, log.String())
		}
	})
}

// WaitReady waits (at most a minute) until in's /readyz answers 200.
func (c *Cluster) WaitReady(in *Instance) {
	c.t.Helper()
	if !apptest.Ready(in.Addr, time.Minute) {
		c.t.Fatalf("%s never became ready:\n%s", in.Name, in.Log.String())
	}
}

// Stop sends SIGTERM and waits for a clean exit.
func (c *Cluster) Stop(in *Instance) {
	c.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatal(err)
	}
	select {
	case err := <-in.done:
		in.done <- err
		if err != nil {
			c.t.Fatalf("%s exited with %v", in.Name, err)
		}
	case <-time.After(20 * time.Second):
		c.t.Fatalf("%s did not stop after SIGTERM", in.Name)
	}
}

// Kill ends in with SIGKILL, as a crash or an out-of-memory kill does, and
// waits until the process is gone.
func (c *Cluster) Kill(in *Instance) {
	c.t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	err := <-in.done
	in.done <- err
}
