// Package apptest runs the whole Samen application for tests: a fresh
// database, NewServer, and a client that keeps cookies and CSRF tokens like
// a browser.
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"samen/app"
	"samen/models"
	"samen/models/modelstest"
)

// Server is a running Samen on a test database, serving on 127.0.0.1.
type Server struct {
	App    *fiber.App
	Store  *models.Store
	Config app.Config
	// URL is where the server listens, and its SAMEN_BASE_URL unless the test sets one.
	URL   string
	t     testing.TB
	logs  *SyncBuffer
	dbURL string
}

// New builds Samen on a new database of the dialect, with background jobs
// running, and serves it. env holds extra "KEY=value" settings.
func New(t testing.TB, dialect string, env ...string) *Server {
	t.Helper()
	return newOn(t, modelstest.MigratedURL(t, dialect), env)
}

// Twin starts a second Samen on s's database, as a second instance behind
// a load balancer would run: its own process state (caches, rate limits),
// the same data.
func (s *Server) Twin(env ...string) *Server {
	s.t.Helper()
	return newOn(s.t, s.dbURL, env)
}

// At serves Samen on the existing database at dbURL (a restored backup,
// say), migrating it as Samen does at start.
func At(t testing.TB, dbURL string, env ...string) *Server {
	t.Helper()
	return newOn(t, dbURL, env)
}

// DatabaseURL is the DATABASE_URL of s's database.
func (s *Server) DatabaseURL() string { return s.dbURL }

func newOn(t testing.TB, dbURL string, env []string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// Images go to a folder of the test's own unless the test names a bucket.
	environ := append([]string{"SAMEN_ENV=development", "SAMEN_BASE_URL=" + base, "SAMEN_BLOB_URL=file://" + t.TempDir()}, env...)
	cfg, err := app.LoadConfig(environ)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	store := modelstest.OpenURL(t, dbURL, models.Options{Logger: log, JobPollInterval: 20 * time.Millisecond, BaseURL: cfg.BaseURL, SearchTimeout: cfg.SearchTimeout,
		SMTPURL: cfg.SMTPURL, MailFrom: cfg.MailFrom, MailDelay: cfg.MailDelay, Brand: cfg.Brand,
		Replicas: cfg.ReplicaURLs, ReplicaLag: cfg.ReplicaLag})
	a, err := app.NewServer(cfg, store, log)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if err := store.StartJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.Listener(ln) }()
	t.Cleanup(func() {
		_ = a.ShutdownWithTimeout(5 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = store.StopJobs(ctx)
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &Server{App: a, Store: store, Config: cfg, URL: base, t: t, logs: logs, dbURL: dbURL}
}

// Listen returns the URL the server listens on.
func (s *Server) Listen() string { return s.URL }

// Logs returns everything the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// LogCount counts the log's matches of re.
func (s *Server) LogCount(re *regexp.Regexp) int { return len(re.FindAllString(s.Logs(), -1)) }

// WaitLog waits (bounded) until the log matches re n times and returns the
// last submatch of the nth match. Emails are written to the log without SMTP,
// by the job queue: under the race detector, with every package's tests
// sharing two cores and one PostgreSQL, a job has been seen to wait over 15
// seconds, so the bound is a minute; a passing test never waits that long.
func (s *Server) WaitLog(re *regexp.Regexp, n int) string {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if all := re.FindAllStringSubmatch(s.Logs(), -1); len(all) >= n {
			match := all[n-1]
			return match[len(match)-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("the log never matched %s %d times:\n%s", re, n, s.Logs())
	return ""
}

// User creates a user with the role.
func (s *Server) User(name, email string, role models.Role) *models.User {
	s.t.Helper()
	u, err := s.Store.CreateUser(context.Background(), models.NewUser{Name: name, Email: email, EmailVerified: true, Role: role})
	if err != nil {
		s.t.Fatalf("create user: %v", err)
	}
	return u
}

// Client is a browser-like client: it keeps cookies and the page's CSRF token.
type Client struct {
	s       *Server
	cookies map[string]string
	// CSRF is the token from the last page that carried one.
	CSRF string
	// Header is sent with every request.
	Header http.Header
}

// Client starts a client with no cookies.
func (s *Server) Client() *Client {
	return &Client{s: s, cookies: map[string]string{}, Header: http.Header{}}
}

// SignedIn starts a client signed in as u, with a session minted directly in
// the store rather than through a sign-in flow.
func (s *Server) SignedIn(u *models.User) *Client {
	s.t.Helper()
	token, _, err := s.Store.CreateSession(context.Background(), u.ID, "apptest", "127.0.0.1")
	if err != nil {
		s.t.Fatal(err)
	}
	c := s.Client()
	c.cookies["samen_session"] = token
	return c
}

// Response is an answer with its body read and, for HTML, parsed.
type Response struct {
	*http.Response
	Body []byte
	Doc  *goquery.Document
}

// httpClient sends requests as they are: no redirects followed, no cookie jar.
var httpClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// Do sends a request to the whole app over a real connection. A request
// made with httptest.NewRequest (a relative path) is sent to the server.
func (c *Client) Do(req *http.Request) *Response {
	c.s.t.Helper()
	target, err := url.Parse(c.s.Listen() + req.URL.RequestURI())
	if err != nil {
		c.s.t.Fatal(err)
	}
	req.URL, req.Host, req.RequestURI = target, target.Host, ""
	for name, value := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		c.s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.s.t.Fatal(err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	r := &Response{Response: resp, Body: body}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		r.Doc, err = goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			c.s.t.Fatalf("parse HTML of %s: %v", req.URL, err)
		}
		if token, ok := r.Doc.Find(`meta[name="csrf-token"]`).Attr("content"); ok && token != "" {
			c.CSRF = token
		}
	}
	return r
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	return c.Do(httptest.NewRequest(http.MethodGet, path, nil))
}

// PostForm sends a form with the client's CSRF token (unless the form sets _csrf).
func (c *Client) PostForm(path string, form url.Values) *Response {
	if form == nil {
		form = url.Values{}
	}
	if _, set := form["_csrf"]; !set && c.CSRF != "" {
		form.Set("_csrf", c.CSRF)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Cookie returns the value of a cookie the client holds.
func (c *Client) Cookie(name string) string { return c.cookies[name] }

// SyncBuffer is a bytes.Buffer safe for a server or process writing while a
// test reads.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Ready polls addr's /readyz until it answers 200, for at most within, and
// reports whether it did.
func Ready(addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
