package app_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// samenBinary builds the real samen command once per test run.
func samenBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "samen-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "samen")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, out}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// process is a running samen serve with its log.
type process struct {
	cmd  *exec.Cmd
	addr string
	log  *apptest.SyncBuffer
	done chan error
}

// startSamen runs samen serve on databaseURL; env adds "KEY=value" settings.
func startSamen(t *testing.T, databaseURL string, env ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &process{addr: addr, log: &apptest.SyncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(samenBinary(t), "serve")
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SAMEN_ADDR=" + addr, "DATABASE_URL=" + databaseURL, "SAMEN_SHUTDOWN_TIMEOUT=10s"}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("log of samen at %s:\n%s", addr, p.log.String())
		}
	})
	return p
}

// command runs another samen subcommand beside the server, with its
// environment and folder, and returns what it printed.
func (p *process) command(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(samenBinary(t), args...)
	cmd.Dir, cmd.Env = p.cmd.Dir, p.cmd.Env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("samen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// waitReady polls /readyz until it answers 200 (bounded).
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	if !apptest.Ready(p.addr, time.Minute) {
		t.Fatalf("samen at %s never became ready", p.addr)
	}
}

func TestServeDrainsInFlightRequestsOnSIGTERM(t *testing.T) {
	p := startSamen(t, "sqlite:./data/samen.db")
	p.waitReady(t)

	// A request is on its way in when SIGTERM arrives.
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: samen\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the server start reading it
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := io.WriteString(conn, "\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("in-flight request: %d", resp.StatusCode)
	}

	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("samen exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("samen did not stop after SIGTERM")
	}
	if !strings.Contains(p.log.String(), "msg=stopped") {
		t.Fatalf("no clean stop in the log:\n%s", p.log.String())
	}
	if _, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		t.Fatal("still accepting connections after stopping")
	}
}

func TestTwoInstancesStartingTogetherMigrateOnce(t *testing.T) {
	db := modelstest.URL(t, models.Postgres)
	a, b := startSamen(t, db), startSamen(t, db)
	a.waitReady(t)
	b.waitReady(t)
	migrations := strings.Count(a.log.String(), "database migrated") + strings.Count(b.log.String(), "database migrated")
	if migrations != 1 {
		t.Fatalf("%d instances migrated, want exactly 1", migrations)
	}
	s := modelstest.Reopen(t, db)
	var applied int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != models.MigrationCount() {
		t.Fatalf("%d migrations recorded, want %d", applied, models.MigrationCount())
	}
	for _, p := range []*process{a, b} {
		resp, err := http.Get("http://" + p.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("instance at %s: home page %d", p.addr, resp.StatusCode)
		}
	}
}
