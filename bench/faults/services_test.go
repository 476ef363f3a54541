package faults

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/bench/cluster"
)

// postgres is a PostgreSQL cluster of the harness's own, in a temporary
// folder on a free port, so that stopping it troubles nobody else.
type postgres struct {
	t    testing.TB
	bin  string // the folder of initdb and pg_ctl
	dir  string
	port string
	// as runs a command as the cluster's owner: PostgreSQL refuses root.
	as []string
}

func startPostgres(t testing.TB) *postgres {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		t.Fatal("the fault harness needs PostgreSQL's server programs (apt-get install -y postgresql)")
	}
	sort.Strings(found)
	dir, err := os.MkdirTemp("", "samen-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	_, port, _ := net.SplitHostPort(cluster.FreeAddr(t))
	pg := &postgres{t: t, bin: filepath.Dir(found[len(found)-1]), dir: dir, port: port}
	if os.Getuid() == 0 {
		owner, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal("running as root, the harness needs the postgres user to own its cluster")
		}
		var uid, gid int
		fmt.Sscan(owner.Uid, &uid)
		fmt.Sscan(owner.Gid, &gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.as = []string{"runuser", "-u", "postgres", "--"}
	}
	pg.run("initdb", "-D", pg.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	pg.start()
	t.Cleanup(func() { _ = pg.ctl("stop", "-m", "immediate") })
	return pg
}

func (pg *postgres) data() string { return filepath.Join(pg.dir, "data") }

// URL is the address of the cluster's database "postgres".
func (pg *postgres) URL() string {
	return "postgres://postgres@127.0.0.1:" + pg.port + "/postgres?sslmode=disable"
}

func (pg *postgres) run(name string, args ...string) {
	pg.t.Helper()
	argv := append(append(append([]string{}, pg.as...), filepath.Join(pg.bin, name)), args...)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		pg.t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

func (pg *postgres) ctl(args ...string) error {
	argv := append(append(append([]string{}, pg.as...), filepath.Join(pg.bin, "pg_ctl"), "-D", pg.data(), "-w"), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

func (pg *postgres) start() {
	pg.t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", pg.port, pg.dir)
	if err := pg.ctl("start", "-l", filepath.Join(pg.dir, "log"), "-o", opts); err != nil {
		pg.t.Fatal(err)
	}
}

// stop shuts the server down as a restart does: sessions are ended, and
// the server refuses connections until it starts again.
func (pg *postgres) stop() {
	pg.t.Helper()
	if err := pg.ctl("stop", "-m", "fast"); err != nil {
		pg.t.Fatal(err)
	}
}

// redisServer is a Redis of the harness's own, without persistence.
type redisServer struct {
	t    testing.TB
	port string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("the fault harness needs redis-server (apt-get install -y redis-server)")
	}
	_, port, _ := net.SplitHostPort(cluster.FreeAddr(t))
	r := &redisServer{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) URL() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	log := &apptest.SyncBuffer{}
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+r.port)
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server did not start: %v\n%s", err, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server (SIGTERM) and waits until it is gone.
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	<-r.done
	r.cmd = nil
}

// receiver is a webhook endpoint that keeps every body it takes, or, while
// hanging, answers nothing until the sender gives up.
type receiver struct {
	URL     string
	mu      sync.Mutex
	bodies  []string
	hanging bool
	hung    int
}

func startReceiver(t testing.TB) *receiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{URL: "http://" + ln.Addr().String() + "/hook"}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	r.mu.Lock()
	hanging := r.hanging
	if hanging {
		r.hung++
	} else {
		r.bodies = append(r.bodies, string(body))
	}
	r.mu.Unlock()
	if hanging {
		// Until Samen's attempt times out and it closes the connection.
		select {
		case <-req.Context().Done():
		case <-time.After(time.Minute):
		}
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) hang(on bool) {
	r.mu.Lock()
	r.hanging = on
	r.mu.Unlock()
}

// has reports whether some delivered body holds text.
func (r *receiver) has(text string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies {
		if strings.Contains(b, text) {
			return true
		}
	}
	return false
}

func (r *receiver) hungCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hung
}
