package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/storage/redis/v3"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// each runs f once per database, the two at once: each has its own
// database, server and clock, and the race detector sees what they share.
func each(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range []string{models.SQLite, models.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// eachInTurn is each for tests that change the process's environment: one
// database after the other.
func eachInTurn(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range []string{models.SQLite, models.Postgres} {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

func wantStatus(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body: %.300s", r.Request.Method, r.Request.URL, r.StatusCode, want, r.Body)
	}
}

func wantText(t *testing.T, r *apptest.Response, selector, want string) {
	t.Helper()
	if r.Doc == nil {
		t.Fatalf("%s: not an HTML page", r.Request.URL)
	}
	got := strings.TrimSpace(r.Doc.Find(selector).First().Text())
	if got != want {
		t.Fatalf("%s %q: got %q, want %q", r.Request.URL, selector, got, want)
	}
}

func wantCount(t *testing.T, r *apptest.Response, selector string, want int) {
	t.Helper()
	if got := r.Doc.Find(selector).Length(); got != want {
		t.Fatalf("%s: %d elements match %q, want %d", r.Request.URL, got, selector, want)
	}
}

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func wantAPIError(t *testing.T, r *apptest.Response, status int, code string) {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q, want JSON", ct)
	}
	var e apiError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.Body, err)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("error %+v, want code %q with a message", e.Error, code)
	}
}

// wantInvalidField checks an API answer is 422 with the JSON error shape,
// naming field among what is wrong.
func wantInvalidField(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
	var e apiError
	_ = json.Unmarshal(r.Body, &e)
	if e.Error.Fields[field] == "" {
		t.Fatalf("%s %s: fields %v, want %q named", r.Request.Method, r.Request.URL, e.Error.Fields, field)
	}
}

func TestHomePageInEnglishAndDutch(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		c := srv.Client()

		r := c.Get("/")
		wantStatus(t, r, 200)
		wantCount(t, r, `html[lang="en"]`, 1)
		wantText(t, r, "h1#home-title", "Shape what Samen makes next")
		wantText(t, r, "header .brand span", "Samen")
		wantCount(t, r, `header a.sign-in[href="/login?next=%2f"]`, 1)
		wantCount(t, r, `footer.site-footer`, 1)
		wantCount(t, r, `button[name="lang"][value="en"][aria-pressed="true"]`, 1)

		// The browser's language is the fallback.
		c.Header.Set("Accept-Language", "nl-BE,nl;q=0.9,en;q=0.5")
		r = c.Get("/")
		wantCount(t, r, `html[lang="nl"]`, 1)
		wantText(t, r, "h1#home-title", "Bepaal mee wat Samen hierna maakt")
		c.Header.Del("Accept-Language")

		// A choice made with the switch wins over the browser's language.
		r = c.PostForm("/lang", url.Values{"lang": {"nl"}, "next": {"/?x=1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/?x=1" {
			t.Fatalf("redirected to %q", loc)
		}
		c.Header.Set("Accept-Language", "en")
		r = c.Get("/")
		wantCount(t, r, `html[lang="nl"]`, 1)
		wantText(t, r, "header a.sign-in", "Inloggen")
	})
}

func TestLanguageSwitchRefusesOtherSitesAndUnknownLanguages(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	c := srv.Client()
	c.Get("/")
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""} {
		r := c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {next}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Errorf("next %q: redirected to %q, want /", next, loc)
		}
	}
	r := c.PostForm("/lang", url.Values{"lang": {"fr"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantText(t, r, ".error-page .code", "422")
}

func TestSignedInLanguageChoiceIsKeptOnTheMember(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Femke", "femke@example.com", models.RoleMember)
		c := srv.SignedIn(u)
		c.Get("/")
		wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"nl"}, "next": {"/me"}}), http.StatusSeeOther)
		// Another browser of the same member, without the cookie, is in Dutch too.
		other := srv.SignedIn(u)
		wantCount(t, other.Get("/"), `html[lang="nl"]`, 1)
	})
}

func TestSecurityHeaders(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	r := srv.Client().Get("/")
	want := map[string]string{
		"Content-Security-Policy":      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"X-Frame-Options":              "DENY",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "same-origin",
		"Cross-Origin-Embedder-Policy": "credentialless",
		"Cross-Origin-Opener-Policy":   "same-origin",
	}
	for name, value := range want {
		if got := r.Header.Get(name); got != value {
			t.Errorf("%s: %q, want %q", name, got, value)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	if hsts := r.Header.Get("Strict-Transport-Security"); hsts != "" {
		t.Errorf("HSTS on http: %q", hsts)
	}
	// No inline script anywhere: every script has a src under /static/.
	r.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/") || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("inline or foreign script: src=%q", src)
		}
	})
	wantCount(t, r, "[style]", 0)

	secure := apptest.New(t, models.SQLite, "SAMEN_BASE_URL=https://ideas.example.com")
	r = secure.Client().Get("/")
	if hsts := r.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=31536000") {
		t.Errorf("HSTS on https: %q", hsts)
	}
	for _, ck := range r.Cookies() {
		if !ck.Secure || !ck.HttpOnly {
			t.Errorf("cookie %s on https: secure=%v httponly=%v", ck.Name, ck.Secure, ck.HttpOnly)
		}
	}
}

func TestCSRF(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		visitor := srv.Client()
		visitor.Get("/")

		// Missing, malformed and foreign tokens are refused with the 403 page.
		other := srv.Client()
		other.Get("/")
		for name, token := range map[string]string{
			"missing":       "",
			"malformed":     "not-a-token",
			"other browser": other.CSRF,
			"truncated":     visitor.CSRF[:20],
		} {
			r := visitor.PostForm("/lang", url.Values{"lang": {"nl"}, "_csrf": {token}})
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("%s token: status %d, want 403", name, r.StatusCode)
			}
			wantText(t, r, ".error-page .code", "403")
		}
		wantStatus(t, visitor.PostForm("/lang", url.Values{"lang": {"nl"}}), http.StatusSeeOther)

		// Each page masks the token differently, and every mask is accepted.
		first := visitor.CSRF
		visitor.Get("/")
		if visitor.CSRF == first {
			t.Fatal("the CSRF token is the same on two pages")
		}
		wantStatus(t, visitor.PostForm("/lang", url.Values{"lang": {"en"}, "_csrf": {first}}), http.StatusSeeOther)

		// Signed in: sign-out without a token is refused and the session lives on.
		u := srv.User("Gijs", "gijs@example.com", models.RoleMember)
		member := srv.SignedIn(u)
		member.Get("/")
		wantStatus(t, member.PostForm("/logout", url.Values{"_csrf": {visitor.CSRF}}), http.StatusForbidden)
		wantStatus(t, member.Get("/me"), http.StatusOK)

		// Cookie-authenticated API writes need the header; the header form works too.
		req := httptest.NewRequest(http.MethodPost, "/api/v1/me", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		wantAPIError(t, member.Do(req), http.StatusForbidden, "forbidden")
		req = httptest.NewRequest(http.MethodPost, "/api/v1/me", strings.NewReader(`{}`))
		req.Header.Set("X-CSRF-Token", member.CSRF)
		if r := member.Do(req); r.StatusCode == http.StatusForbidden {
			t.Fatalf("API call with the CSRF header refused: %s", r.Body)
		}

		// A bearer token carries no ambient authority and needs no CSRF token.
		token, _, err := srv.Store.CreateAPIToken(context.Background(), u.ID, models.NewAPIToken{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		api := srv.Client()
		api.Header.Set("Authorization", "Bearer "+token)
		req = httptest.NewRequest(http.MethodPost, "/api/v1/me", strings.NewReader(`{}`))
		if r := api.Do(req); r.StatusCode == http.StatusForbidden {
			t.Fatalf("bearer API call refused for CSRF: %s", r.Body)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	c := srv.Client()
	c.Get("/")
	addr := strings.TrimPrefix(srv.URL, "http://")
	cookies := "samen_csrf=" + c.Cookie("samen_csrf")

	// The server answers as soon as it reads the declared length, before the body.
	for _, target := range []struct{ path, ct string }{
		{"/lang", "application/x-www-form-urlencoded"},
		{"/api/v1/me", "application/json"},
	} {
		raw := "POST " + target.path + " HTTP/1.1\r\nHost: " + addr + "\r\nCookie: " + cookies +
			"\r\nContent-Type: " + target.ct + "\r\nContent-Length: " + strconv.Itoa(4<<20) + "\r\n\r\nlang=nl&"
		status, body := rawResponse(t, addr, raw)
		if status != http.StatusRequestEntityTooLarge {
			t.Fatalf("POST %s with 2 MiB: %d", target.path, status)
		}
		if target.path == "/lang" && !strings.Contains(body, `<p class="code">413</p>`) {
			t.Fatalf("413 page: %.300s", body)
		}
		if target.path == "/api/v1/me" && !strings.Contains(body, `"code":"too_large"`) {
			t.Fatalf("413 JSON: %s", body)
		}
	}

	// Just under the limit is read and handled.
	r := c.PostForm("/lang", url.Values{"lang": {"nl"}, "next": {"/" + strings.Repeat("a", 1<<20-1000)}})
	wantStatus(t, r, http.StatusSeeOther)
}

func TestRateLimits(t *testing.T) {
	srv := apptest.New(t, models.SQLite, "SAMEN_RATE_LIMIT_REQUESTS=5", "SAMEN_RATE_LIMIT_WRITES=2")
	c := srv.Client()
	c.Get("/")
	wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"nl"}}), http.StatusSeeOther)
	wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther)
	r := c.PostForm("/lang", url.Values{"lang": {"nl"}})
	wantStatus(t, r, http.StatusTooManyRequests)
	wantText(t, r, ".error-page .code", "429")
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Four requests so far; the fifth passes and the sixth is over the address limit.
	wantStatus(t, c.Get("/"), http.StatusOK)
	r = c.Get("/api/v1/me")
	wantAPIError(t, r, http.StatusTooManyRequests, "too_many_requests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After in the API answer")
	}
	// Static files, health checks and metrics are not counted.
	wantStatus(t, c.Get("/healthz"), http.StatusOK)

	off := apptest.New(t, models.SQLite, "SAMEN_RATE_LIMIT_REQUESTS=2", "SAMEN_RATE_LIMITS=off")
	oc := off.Client()
	for range 10 {
		wantStatus(t, oc.Get("/"), http.StatusOK)
	}
}

func TestClientAddressBehindTrustedProxy(t *testing.T) {
	// Tests connect from 127.0.0.1; trust it as the proxy.
	srv := apptest.New(t, models.SQLite, "SAMEN_RATE_LIMIT_REQUESTS=2", "SAMEN_TRUSTED_PROXIES=127.0.0.1/32,10.0.0.0/8")
	get := func(xff string) int {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Forwarded-For", xff)
		return srv.Client().Do(req).StatusCode
	}
	// The client forges a left-most address; the proxy appends the real one.
	for _, forged := range []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"} {
		get(forged + ", 203.0.113.7:41000, 10.1.2.3")
	}
	if status := get("4.4.4.4, 203.0.113.7"); status != http.StatusTooManyRequests {
		t.Fatalf("forged X-Forwarded-For dodged the limit: %d", status)
	}
	if status := get("198.51.100.9"); status != http.StatusOK {
		t.Fatalf("another client was limited: %d", status)
	}
}

func TestNotFound(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	c := srv.Client()
	r := c.Get("/no/such/page")
	wantStatus(t, r, http.StatusNotFound)
	wantText(t, r, ".error-page .code", "404")
	wantText(t, r, ".error-page h1", "Page not found")
	if strings.Contains(string(r.Body), "Cannot GET") {
		t.Fatal("the 404 page shows the framework's message")
	}
	c.Header.Set("Accept-Language", "nl")
	wantText(t, c.Get("/nergens"), ".error-page h1", "Pagina niet gevonden")
	wantAPIError(t, c.Get("/api/v1/nothing"), http.StatusNotFound, "not_found")
	wantStatus(t, c.Get("/static/css/nothing.css"), http.StatusNotFound)
}

// TestMalformedInputNeverA500 throws broken requests at every route over a
// real connection, bytes as written, so nothing is tidied by an HTTP client.
func TestMalformedInputNeverA500(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Hanna", "hanna@example.com", models.RoleMember)
		member := srv.SignedIn(u)
		member.Get("/")
		addr := strings.TrimPrefix(srv.Listen(), "http://")
		session := "samen_session=" + member.Cookie("samen_session") + "; samen_csrf=" + member.Cookie("samen_csrf")

		paths := []string{"/", "/me", "/lang", "/logout", "/me/tokens", "/me/sessions/1/revoke",
			"/me/sessions/99999999999999999999999/revoke", "/me/sessions/-1/revoke", "/me/sessions/%ff/revoke",
			"/me/tokens/abc/revoke", "/api/v1/me", "/api/v1/ideas", "/%ff%fe", "/static/%2e%2e/go.mod",
			"/static/../../etc/passwd", "/healthz", "/readyz", "/?page=%ff&sort=" + strings.Repeat("x", 5000)}
		methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
		bodies := []struct{ ct, body string }{
			{"application/x-www-form-urlencoded", "lang=%ff%fe&next=%00&_csrf=" + url.QueryEscape(member.CSRF)},
			{"application/x-www-form-urlencoded", "%%%%&&&==="},
			{"application/json", `{"name": [1,2,{`},
			{"application/json", "\xff\xfe\x00"},
			{"multipart/form-data; boundary=zzz", "--zzz\r\nbroken"},
			{"text/plain", strings.Repeat("\x00", 100)},
		}
		headers := []string{
			"Cookie: " + session,
			"Cookie: " + session + "\r\nAuthorization: Bearer \xff\xfe",
			"Authorization: Basic Zm9vOmJhcg==",
			"Authorization: Bearer samen_" + strings.Repeat("A", 500),
			"Cookie: " + session + "\r\nAccept-Language: \xff;q=abc,,,;;",
			"Cookie: samen_session=%ff%00; samen_lang=xx; samen_csrf=" + strings.Repeat("z", 4000),
			"Cookie: " + session + "\r\nX-CSRF-Token: \x01\x02",
			"Cookie: " + strings.Repeat("a=b; ", 5000),
		}
		for _, path := range paths {
			for _, method := range methods {
				for _, b := range bodies {
					for _, h := range headers {
						raw := method + " " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n" +
							h + "\r\nContent-Type: " + b.ct + "\r\nContent-Length: " + strconv.Itoa(len(b.body)) +
							"\r\n\r\n" + b.body
						if status := rawStatus(t, addr, raw); status >= 500 || status == 0 {
							t.Fatalf("%s %.80s (%s, %.80q): status %d", method, path, b.ct, h, status)
						}
					}
				}
			}
		}
	})
}

// rawStatus writes raw bytes to the server and returns the response status.
func rawStatus(t *testing.T, addr, raw string) int {
	t.Helper()
	status, _ := rawResponse(t, addr, raw)
	return status
}

// rawResponse writes raw bytes to the server and returns the response.
func rawResponse(t *testing.T, addr, raw string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response to %.100q: %v", raw, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAPIMe(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Ilse", "ilse@example.com", models.RoleTeam)
		token, _, err := srv.Store.CreateAPIToken(context.Background(), u.ID, models.NewAPIToken{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}

		wantAPIError(t, srv.Client().Get("/api/v1/me"), http.StatusUnauthorized, "unauthorized")
		for _, auth := range []string{"Bearer nope", "Bearer samen_nope", "Basic " + token, token, "Bearer"} {
			c := srv.Client()
			c.Header.Set("Authorization", auth)
			wantAPIError(t, c.Get("/api/v1/me"), http.StatusUnauthorized, "unauthorized")
		}

		c := srv.Client()
		c.Header.Set("Authorization", "Bearer "+token)
		r := c.Get("/api/v1/me")
		wantStatus(t, r, http.StatusOK)
		var me map[string]any
		if err := json.Unmarshal(r.Body, &me); err != nil {
			t.Fatal(err)
		}
		if me["id"] != float64(u.ID) || me["name"] != "Ilse" || me["email"] != "ilse@example.com" ||
			me["role"] != "team" || me["avatar_url"] != "" {
			t.Fatalf("GET /api/v1/me: %v", me)
		}
		if len(me) != 5 {
			t.Fatalf("GET /api/v1/me has fields beyond the contract: %v", me)
		}

		// The session cookie works for the API too.
		wantStatus(t, srv.SignedIn(u).Get("/api/v1/me"), http.StatusOK)
	})
}

func TestMePageSessions(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		wantLogin := func(r *apptest.Response) {
			t.Helper()
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.Header.Get("Location"); loc != "/login?next=%2Fme" {
				t.Fatalf("visitor sent to %q", loc)
			}
		}
		wantLogin(srv.Client().Get("/me"))

		u := srv.User("Joost", "joost@example.com", models.RoleMember)
		laptop, phone := srv.SignedIn(u), srv.SignedIn(u)
		r := laptop.Get("/me")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".profile dd.name", "Joost")
		wantText(t, r, ".profile dd.email", "joost@example.com")
		wantCount(t, r, "tr.session", 2)
		wantCount(t, r, "tr.session .badge.current", 1)

		// Revoke the phone from the laptop.
		phoneRow := r.Doc.Find("tr.session").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find(".badge.current").Length() == 0
		})
		phoneID, _ := phoneRow.Attr("data-id")
		r = laptop.PostForm("/me/sessions/"+phoneID+"/revoke", nil)
		wantStatus(t, r, http.StatusSeeOther)
		r = laptop.Get("/me")
		wantCount(t, r, "tr.session", 1)
		wantText(t, r, "p.flash", "That device is signed out.")
		wantLogin(phone.Get("/me"))

		// Someone else's session is not found.
		other := srv.SignedIn(srv.User("Kees", "kees@example.com", models.RoleMember))
		other.Get("/")
		currentID, _ := r.Doc.Find("tr.session").Attr("data-id")
		wantStatus(t, other.PostForm("/me/sessions/"+currentID+"/revoke", nil), http.StatusNotFound)

		// Revoking the current session signs this browser out.
		laptop.Get("/me")
		r = laptop.PostForm("/me/sessions/"+currentID+"/revoke", nil)
		wantStatus(t, r, http.StatusSeeOther)
		wantLogin(laptop.Get("/me"))
	})
}

func TestAPITokensOnMePage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Lotte", "lotte@example.com", models.RoleMember)
		c := srv.SignedIn(u)
		c.Get("/me")
		r := c.PostForm("/me/tokens", url.Values{"name": {"my script"}})
		wantStatus(t, r, http.StatusOK)
		token := strings.TrimSpace(r.Doc.Find(".new-token code").Text())
		if !regexp.MustCompile(`^samen_[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Fatalf("new token %q", token)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("the page with the new token may be cached: %q", cc)
		}
		wantText(t, r, "tr.token td", "my script")

		api := srv.Client()
		api.Header.Set("Authorization", "Bearer "+token)
		wantStatus(t, api.Get("/api/v1/me"), http.StatusOK)

		// The token is never shown again.
		r = c.Get("/me")
		wantCount(t, r, ".new-token code", 0)
		if strings.Contains(string(r.Body), token) {
			t.Fatal("the token appears on a later page")
		}
		id, _ := r.Doc.Find("tr.token").Attr("data-id")
		wantStatus(t, c.PostForm("/me/tokens/"+id+"/revoke", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		wantAPIError(t, api.Get("/api/v1/me"), http.StatusUnauthorized, "unauthorized")

		r = c.PostForm("/me/tokens", url.Values{"name": {strings.Repeat("x", 101)}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
	})
}

func TestLogout(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Maarten", "maarten@example.com", models.RoleMember)
		c := srv.SignedIn(u)
		token := c.Cookie("samen_session")
		r := c.Get("/")
		wantText(t, r, "header a.account-name", "Maarten")
		r = c.PostForm("/logout", nil)
		wantStatus(t, r, http.StatusSeeOther)
		if c.Cookie("samen_session") != "" {
			t.Fatal("the session cookie was not cleared")
		}
		if _, err := srv.Store.SessionByToken(context.Background(), token); err == nil {
			t.Fatal("the session still exists after sign-out")
		}
		r = c.Get("/")
		wantCount(t, r, "header a.sign-in", 1)
		wantText(t, r, "p.flash", "You are signed out.")
	})
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		c := srv.Client()
		wantStatus(t, c.Get("/healthz"), http.StatusOK)
		wantStatus(t, c.Get("/readyz"), http.StatusOK)
		c.Get("/")
		r := c.Get("/metrics")
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `samen_http_requests_total{method="GET",route="/",status="200"} 1`) {
			t.Fatalf("metrics lack the home page request:\n%.2000s", r.Body)
		}
		// The caches' sizes: the visitor's home page is kept, whole.
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^samen_cache_entries\{cache="pages"\} 1$`),
			regexp.MustCompile(`(?m)^samen_cache_bytes\{cache="pages"\} [1-9][0-9]{3,}$`),
			regexp.MustCompile(`(?m)^samen_cache_entries\{cache="share_images"\} 0$`),
			regexp.MustCompile(`(?m)^samen_cache_entries\{cache="list_totals"\} [0-9]+$`),
		} {
			if !want.Match(r.Body) {
				t.Errorf("metrics lack %s", want)
			}
		}
		// The database goes away: stop the jobs using it, then close it.
		if err := srv.Store.StopJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		_ = srv.Store.Close()
		wantStatus(t, c.Get("/readyz"), http.StatusServiceUnavailable)
		wantStatus(t, c.Get("/healthz"), http.StatusOK)
	})
}

func TestStaticFilesAreFingerprintedAndCached(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	c := srv.Client()
	r := c.Get("/")
	href, _ := r.Doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !regexp.MustCompile(`^/static/css/samen\.[0-9a-f]{10}\.css$`).MatchString(href) {
		t.Fatalf("stylesheet %q is not fingerprinted", href)
	}
	var scripts []string
	r.Doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) { scripts = append(scripts, s.AttrOr("src", "")) })
	if len(scripts) != 2 || !strings.HasPrefix(scripts[0], "/static/js/htmx-2.0.11.min.") {
		t.Fatalf("scripts %v", scripts)
	}

	css := c.Get(href)
	wantStatus(t, css, http.StatusOK)
	if cc := css.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control %q", cc)
	}
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Fatalf("Content-Type %q", ct)
	}
	etag := css.Header.Get("ETag")
	req := httptest.NewRequest(http.MethodGet, href, nil)
	req.Header.Set("If-None-Match", etag)
	wantStatus(t, c.Do(req), http.StatusNotModified)

	plain := c.Get("/static/css/samen.css")
	wantStatus(t, plain, http.StatusOK)
	if cc := plain.Header.Get("Cache-Control"); cc != "public, no-cache" {
		t.Fatalf("unfingerprinted Cache-Control %q", cc)
	}
	// A stale fingerprint is not served from the long cache.
	wantStatus(t, c.Get("/static/css/samen.0000000000.css"), http.StatusNotFound)

	// Compression.
	req = httptest.NewRequest(http.MethodGet, scripts[0], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if enc := c.Do(req).Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("htmx served with Content-Encoding %q", enc)
	}
}

// TestRateLimitsSharedThroughRedis runs two instances on one Redis: together
// they allow no more than one instance would.
func TestRateLimitsSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("TEST_REDIS_URL")
	if redisURL == "" {
		modelstest.Skip(t, "Redis tests skipped: TEST_REDIS_URL is not set")
	}
	// A database of its own, emptied first: counts live for a minute.
	flush := redis.New(redis.Config{URL: redisURL, Database: 9, Reset: true})
	_ = flush.Close()
	env := []string{"SAMEN_REDIS_URL=" + strings.TrimSuffix(redisURL, "/") + "/9", "SAMEN_RATE_LIMIT_REQUESTS=4"}
	a, b := apptest.New(t, models.SQLite, env...), apptest.New(t, models.SQLite, env...)
	ca, cb := a.Client(), b.Client()
	for _, c := range []*apptest.Client{ca, cb, ca, cb} {
		wantStatus(t, c.Get("/"), http.StatusOK)
	}
	r := cb.Get("/")
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	wantStatus(t, ca.Get("/"), http.StatusTooManyRequests)
}

// TestProductionStartWarnings: production warns at start when its links
// would point at localhost, and when emails go to the log.
func TestProductionStartWarnings(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		warn := regexp.MustCompile(`level=WARN msg="[^"]*(SAMEN_BASE_URL|SAMEN_MAIL_LOG)[^"]*"`)
		named := func(logs string) map[string]bool {
			out := map[string]bool{}
			for _, m := range warn.FindAllStringSubmatch(logs, -1) {
				out[m[1]] = true
			}
			return out
		}
		local := apptest.New(t, dialect, "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure", "SAMEN_BASE_URL=http://localhost:8080")
		if got := named(local.Logs()); !got["SAMEN_BASE_URL"] || !got["SAMEN_MAIL_LOG"] {
			t.Fatalf("production on localhost, emails to the log: warnings %v in\n%s", got, local.Logs())
		}
		loopback := apptest.New(t, dialect, "SAMEN_ENV=production", "SAMEN_MAIL_LOG=allow-insecure", "SAMEN_BASE_URL=http://127.0.0.1:8080")
		if got := named(loopback.Logs()); !got["SAMEN_BASE_URL"] {
			t.Fatalf("production on 127.0.0.1: warnings %v", got)
		}
		public := apptest.New(t, dialect, "SAMEN_ENV=production", "SAMEN_SMTP_URL=smtp://mail.example.com:587",
			"SAMEN_MAIL_FROM=ideas@example.com", "SAMEN_BASE_URL=https://ideas.example.com")
		if got := named(public.Logs()); len(got) != 0 {
			t.Fatalf("a proper production start warns: %v", got)
		}
		dev := apptest.New(t, dialect, "SAMEN_BASE_URL=http://localhost:8080")
		if got := named(dev.Logs()); len(got) != 0 {
			t.Fatalf("development warns: %v", got)
		}
	})
}

// TestErrorLogRedactsTokensInPaths: the log line of a failed request cuts a
// sign-in token from its path, as the access log does.
func TestErrorLogRedactsTokensInPaths(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		execSQL(t, srv, "DROP TABLE login_tokens")
		token := "SECRETsecretSECRETsecretSECRETsecretSECRET1"
		r := srv.Client().Get("/auth/email/" + token)
		wantStatus(t, r, http.StatusInternalServerError)
		logs := srv.Logs()
		if !regexp.MustCompile(`level=ERROR msg="request failed" .*path=/auth/email/…`).MatchString(logs) {
			t.Fatalf("no redacted error line:\n%s", logs)
		}
		if strings.Contains(logs, token) {
			t.Fatalf("the log holds the token:\n%s", logs)
		}
	})
}

// TestAPITokenExpiryAndReadOnly: a token made on /me may expire and may be
// limited to reading; an expired token answers 401, a read-only one 403 on
// every write, in the API's error shape.
func TestAPITokenExpiryAndReadOnly(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Nora", "nora@example.com", models.RoleMember)
		c := srv.SignedIn(u)
		r := c.Get("/me")
		wantCount(t, r, `form.new-token-form select[name="expires"] option[value="30d"]`, 1)
		wantCount(t, r, `form.new-token-form input[type="checkbox"][name="read_only"]`, 1)

		newToken := func(form url.Values) string {
			t.Helper()
			r := c.PostForm("/me/tokens", form)
			wantStatus(t, r, http.StatusOK)
			return strings.TrimSpace(r.Doc.Find(".new-token code").Text())
		}
		reader := newToken(url.Values{"name": {"reader"}, "expires": {"30d"}, "read_only": {"1"}})
		writer := newToken(url.Values{"name": {"writer"}, "expires": {""}})

		r = c.Get("/me")
		row := func(name string) *goquery.Selection {
			return r.Doc.Find("tr.token").FilterFunction(func(_ int, s *goquery.Selection) bool {
				return strings.TrimSpace(s.Find("td.name").Text()) == name
			})
		}
		if row("reader").Find(".badge.read-only").Length() != 1 || row("writer").Find(".badge.read-only").Length() != 0 {
			t.Fatal("the list does not say which token is read-only")
		}
		expires, _ := row("reader").Find("td.expires time").Attr("datetime")
		when, err := time.Parse(time.RFC3339, expires)
		if err != nil || when.Sub(time.Now().Add(30*24*time.Hour)).Abs() > time.Hour {
			t.Fatalf("reader expires %q", expires)
		}
		wantText(t, r, "tr.token:has(td.name:contains('writer')) td.expires", "Never")

		api := func(token string) *apptest.Client {
			a := srv.Client()
			a.Header.Set("Authorization", "Bearer "+token)
			a.Header.Set("Accept", "application/json")
			return a
		}
		post := func(a *apptest.Client, path, body string) *apptest.Response {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return a.Do(req)
		}
		idea := `{"title":"A bell that sounds nice","body":"It rings softly, so walkers do not jump."}`
		wantStatus(t, api(reader).Get("/api/v1/me"), http.StatusOK)
		wantStatus(t, api(reader).Get("/api/v1/ideas"), http.StatusOK)
		wantAPIError(t, post(api(reader), "/api/v1/ideas", idea), http.StatusForbidden, "forbidden")
		wantAPIError(t, api(reader).Do(httptest.NewRequest(http.MethodDelete, "/api/v1/ideas/1", nil)), http.StatusForbidden, "forbidden")
		wantStatus(t, post(api(writer), "/api/v1/ideas", idea), http.StatusCreated)

		// Past its expiry the token is refused like an unknown one.
		execSQL(t, srv, "UPDATE api_tokens SET expires_at = ? WHERE name = ?", time.Now().UTC().Add(-time.Minute), "reader")
		wantAPIError(t, api(reader).Get("/api/v1/me"), http.StatusUnauthorized, "unauthorized")
		wantCount(t, c.Get("/me"), "tr.token .badge.expired", 1)

		// A lifetime the form does not offer is a clear error, not a 500.
		r = c.PostForm("/me/tokens", url.Values{"name": {"odd"}, "expires": {"soon"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#token-expires-error", 1)
	})
}

// TestSignOutEverywhereCanRevokeAPITokens: signing out everywhere keeps the
// API tokens unless the member ticks the box that revokes them too.
func TestSignOutEverywhereCanRevokeAPITokens(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Olaf", "olaf@example.com", models.RoleMember)
		token, _, err := srv.Store.CreateAPIToken(context.Background(), u.ID, models.NewAPIToken{Name: "script"})
		if err != nil {
			t.Fatal(err)
		}
		api := srv.Client()
		api.Header.Set("Authorization", "Bearer "+token)

		c := srv.SignedIn(u)
		r := c.Get("/me")
		wantCount(t, r, `form.sign-out-everywhere input[type="checkbox"][name="revoke_tokens"]`, 1)
		wantStatus(t, c.PostForm("/me/sessions/revoke-all", nil), http.StatusSeeOther)
		wantStatus(t, api.Get("/api/v1/me"), http.StatusOK)

		c = srv.SignedIn(u)
		c.Get("/me")
		wantStatus(t, c.PostForm("/me/sessions/revoke-all", url.Values{"revoke_tokens": {"1"}}), http.StatusSeeOther)
		wantAPIError(t, api.Get("/api/v1/me"), http.StatusUnauthorized, "unauthorized")
		if r := c.Get("/me"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("the session survived: %d", r.StatusCode)
		}
		if n := countRows(t, srv, "api_tokens"); n != 0 {
			t.Fatalf("%d API tokens left", n)
		}
	})
}
