package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// TestDatabaseOutageAnswers503WithRetryAfter: while PostgreSQL cannot be
// reached (a restart, a fail-over), pages and the API answer 503 with
// Retry-After, and a clear message, never a 500; once it is back, so is
// Samen. The database sits behind a proxy the test cuts and mends.
func TestDatabaseOutageAnswers503WithRetryAfter(t *testing.T) {
	dbURL := modelstest.URL(t, models.Postgres)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.addr
	srv := apptest.At(t, u.String(), "SAMEN_RATE_LIMITS=off")
	ctx := context.Background()
	author := srv.User("Ada", "ada@example.com", models.RoleMember)
	idea, err := srv.Store.CreateIdea(ctx, author, models.NewIdea{Title: "Lights that charge from the dynamo"})
	if err != nil {
		t.Fatal(err)
	}
	member := srv.SignedIn(srv.User("Bo", "bo@example.com", models.RoleMember))
	api := bearerClient(t, srv, author)
	page := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
	votePath := fmt.Sprintf("/ideas/%d/vote", idea.ID)
	wantStatus(t, member.Get(page), http.StatusOK)

	proxy.cut()
	r := apiCall(api, http.MethodPost, votePath, "")
	wantAPIError(t, r, http.StatusServiceUnavailable, "unavailable")
	if got := r.Header.Get("Retry-After"); got != "5" {
		t.Fatalf("API 503 Retry-After %q, want 5", got)
	}
	r = member.Get(page)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if got := r.Header.Get("Retry-After"); got != "5" {
		t.Fatalf("page 503 Retry-After %q, want 5", got)
	}
	if strings.Contains(srv.Logs(), "request failed") {
		t.Fatalf("an unreachable database was logged as a failed request:\n%s", srv.Logs())
	}

	proxy.mend()
	// The pool's connections were cut: the next requests make new ones.
	deadline := time.Now().Add(15 * time.Second)
	for {
		r = apiCall(api, http.MethodPost, votePath, "")
		if r.StatusCode == http.StatusOK {
			break
		}
		if r.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the database came back: status %d, body %.300s", r.StatusCode, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantStatus(t, member.Get(page), http.StatusOK)
}

// TestRateLimitsWithoutRedisServeAtOnce: when Redis, which holds only the
// rate limits' counts, fails, requests are served (the limits count
// nothing meanwhile) and each count is tried once, not retried with
// back-off as the Redis client's defaults do (which held requests up to 9 s
// in make faults). Redis sits behind a proxy that, once dropping, closes
// each connection as soon as it comes and counts them.
func TestRateLimitsWithoutRedisServeAtOnce(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		modelstest.Skip(t, "Redis tests skipped: TEST_REDIS_URL is not set")
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host, u.Path = proxy.addr, "/10"
	srv := apptest.New(t, models.SQLite, "SAMEN_REDIS_URL="+u.String())
	c := srv.Client()
	wantStatus(t, c.Get("/"), http.StatusOK)

	proxy.dropping()
	const requests = 10
	for range requests {
		wantStatus(t, c.Get("/"), http.StatusOK)
	}
	// A page view is counted once per address: a read and a write of the
	// count, each one connection at most. Retries would make it four each.
	if got := proxy.accepted(); got > 2*requests {
		t.Fatalf("%d connections to Redis for %d page views while it failed: the client retried", got, requests)
	}
	if proxy.accepted() == 0 {
		t.Fatal("no connection to Redis while it failed: the proxy did not stand between")
	}
}

// cutProxy forwards TCP connections to a server until cut, which closes
// every connection and refuses new ones, as a stopped server does; or,
// once dropping, closes every connection, and each new one as it comes,
// counting them.
type cutProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	drop   bool
	drops  int
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	p := &cutProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			client, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			p.mu.Lock()
			drop := p.drop
			if drop {
				p.drops++
			}
			p.mu.Unlock()
			if drop {
				client.Close()
				continue
			}
			server, err := net.Dial("tcp", p.target)
			if err != nil {
				client.Close()
				continue
			}
			p.mu.Lock()
			p.conns[client], p.conns[server] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(server, client); server.Close() }()
			go func() { _, _ = io.Copy(client, server); client.Close() }()
		}
	}()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *cutProxy) dropping() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *cutProxy) accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drops
}

func (p *cutProxy) mend() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}
