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
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"samen/app"
	"samen/models"
	"samen/models/modelstest"
)

// Server is a running Samen on a test database.
type Server struct {
	App    *fiber.App
	Store  *models.Store
	Config app.Config
	t      testing.TB
	base   string // set once the server listens
}

// New builds Samen on a new database of the dialect. env holds extra
// "KEY=value" settings on top of the test defaults.
func New(t testing.TB, dialect string, env ...string) *Server {
	t.Helper()
	store := modelstest.Open(t, dialect)
	environ := append([]string{"SAMEN_ENV=development"}, env...)
	cfg, err := app.LoadConfig(environ)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.NewServer(cfg, store, log)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return &Server{App: a, Store: store, Config: cfg, t: t}
}

// Listen serves on a free 127.0.0.1 port (once) and returns its URL.
func (s *Server) Listen() string {
	s.t.Helper()
	if s.base != "" {
		return s.base
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	go func() { _ = s.App.Listener(ln) }()
	s.t.Cleanup(func() { _ = s.App.ShutdownWithTimeout(5 * time.Second) })
	s.base = "http://" + ln.Addr().String()
	return s.base
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

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
