package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"samen/app/apptest"
)

// TestStopAfterABurstClosesIdleConnectionsSilently plays the issue: 80
// keep-alive clients toggle votes for 10 s, then go idle, then the server gets
// SIGTERM. A connection nobody sent a request on must never receive an answer
// (a proxy would hand that page to the next user of the connection: Go's
// client logs "Unsolicited response received on idle HTTP channel"), and the
// stop must be quick when every connection is idle.
func TestStopAfterABurstClosesIdleConnectionsSilently(t *testing.T) {
	p := startSamen(t, "sqlite:./data/samen.db", "SAMEN_RATE_LIMITS=off")
	p.waitReady(t)
	p.command(t, "user", "create", "--email", "voter@example.com", "--name", "Voter")
	token := p.command(t, "token", "create", "--email", "voter@example.com")
	ideaID := createIdea(t, p.addr, token)

	// Go's client reports an answer on an idle connection through the log package.
	var clientLog apptest.SyncBuffer
	was := log.Writer()
	log.SetOutput(&clientLog)
	t.Cleanup(func() { log.SetOutput(was) })

	// Connections opened but never used, as a proxy's or a browser's
	// preconnect: some from the start of the burst, some just before the stop.
	early := openIdle(t, p.addr, 4)

	var served, failed atomic.Int64
	var wg sync.WaitGroup
	until := time.Now().Add(10 * time.Second)
	for range 80 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			method := http.MethodPost
			for time.Now().Before(until) {
				req, _ := http.NewRequest(method, fmt.Sprintf("http://%s/api/v1/ideas/%d/vote", p.addr, ideaID), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				served.Add(1)
				if method == http.MethodPost {
					method = http.MethodDelete
				} else {
					method = http.MethodPost
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 || served.Load() == 0 {
		t.Fatalf("during the burst: %d answered, %d failed", served.Load(), failed.Load())
	}
	// Idle past the server's read timeout for a first request (15 s after the
	// early connections opened), then stop with fresh idle connections open.
	time.Sleep(6 * time.Second)
	late := openIdle(t, p.addr, 4)
	time.Sleep(500 * time.Millisecond)

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("samen exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("samen did not stop after SIGTERM")
	}
	took := time.Since(start)
	t.Logf("%d requests in the burst; stopped %v after SIGTERM", served.Load(), took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("stopping with only idle connections took %v, want under 3s", took.Round(time.Millisecond))
	}
	for i, c := range append(early, late...) {
		if got := c.received(); got != "" {
			t.Errorf("idle connection %d received an answer to no request: %.80q", i, got)
		}
	}
	if strings.Contains(clientLog.String(), "Unsolicited response") {
		t.Errorf("a client got an answer on an idle connection:\n%.300s", clientLog.String())
	}
}

func createIdea(t *testing.T, addr, token string) int64 {
	t.Helper()
	body := `{"title":"A bike that folds in two","body":"For the train, and for small flats."}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/ideas", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idea struct{ ID int64 }
	if err := json.NewDecoder(resp.Body).Decode(&idea); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create idea: %d %v", resp.StatusCode, err)
	}
	return idea.ID
}

// idleConn is a connection that sends nothing and keeps whatever arrives.
type idleConn struct {
	mu  sync.Mutex
	got bytes.Buffer
}

func (c *idleConn) received() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got.String()
}

func openIdle(t *testing.T, addr string, n int) []*idleConn {
	t.Helper()
	conns := make([]*idleConn, n)
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		c := &idleConn{}
		conns[i] = c
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := conn.Read(buf)
				c.mu.Lock()
				c.got.Write(buf[:n])
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	return conns
}
