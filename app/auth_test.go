package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/oauth2-proxy/mockoidc"

	"samen/app/apptest"
	"samen/models"
)

// oidcServer starts a local OpenID Connect provider and Samen configured to use it.
func oidcServer(t *testing.T, dialect string, env ...string) (*apptest.Server, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	env = append(env, "SAMEN_OIDC_ISSUER="+m.Issuer(), "SAMEN_OIDC_KEY="+m.ClientID,
		"SAMEN_OIDC_SECRET="+m.ClientSecret, "SAMEN_OIDC_NAME=Company SSO")
	return apptest.New(t, dialect, env...), m
}

// browser plays a browser with a cookie jar; it follows no redirects, so each
// hop of a sign-in can be inspected.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newJarBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get fetches a URL and returns the status, the Location header and the body.
func (b *browser) get(rawURL string) (int, string, string) {
	b.t.Helper()
	resp, err := b.client.Get(rawURL)
	if err != nil {
		b.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// post sends a form and returns the status, the Location header and the body.
func (b *browser) post(rawURL string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, err := b.client.PostForm(rawURL, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// toCallback begins a sign-in and follows the provider's redirect, returning
// the callback URL the provider sends the browser to (not yet visited).
func (b *browser) toCallback(srv *apptest.Server, begin string) string {
	b.t.Helper()
	status, loc, body := b.get(srv.URL + begin)
	return b.providerToCallback(srv, begin, status, loc, body)
}

// providerToCallback follows Samen's redirect to the provider, returning the
// callback URL the provider sends the browser to (not yet visited).
func (b *browser) providerToCallback(srv *apptest.Server, begin string, status int, loc, body string) string {
	b.t.Helper()
	if status != http.StatusSeeOther {
		b.t.Fatalf("begin %s: %d %s", begin, status, body)
	}
	status, callback, body := b.get(loc)
	if status != http.StatusFound || !strings.HasPrefix(callback, srv.URL+"/auth/oidc/callback?") {
		b.t.Fatalf("provider answered %d, Location %q: %s", status, callback, body)
	}
	return callback
}

// signIn runs a whole sign-in and returns where Samen sends the browser at the end.
func (b *browser) signIn(srv *apptest.Server, begin string) string {
	b.t.Helper()
	status, loc, body := b.get(b.toCallback(srv, begin))
	if status != http.StatusSeeOther {
		b.t.Fatalf("callback: %d %s", status, body)
	}
	return loc
}

// connect connects a provider from /me, with the form there and its CSRF
// token, and returns where Samen sends the browser at the end.
func (b *browser) connect(srv *apptest.Server, provider string) string {
	b.t.Helper()
	_, _, page := b.get(srv.URL + "/me")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		b.t.Fatal(err)
	}
	form := doc.Find(`form.connect-form[method="post"][action="/me/connect/` + provider + `"]`)
	csrf, _ := form.Find(`input[name="_csrf"]`).Attr("value")
	if form.Length() != 1 || csrf == "" {
		b.t.Fatalf("/me has no form with a CSRF token to connect %s", provider)
	}
	status, loc, body := b.post(srv.URL+"/me/connect/"+provider, url.Values{"_csrf": {csrf}})
	status, loc, body = b.get(b.providerToCallback(srv, "/me/connect/"+provider, status, loc, body))
	if status != http.StatusSeeOther {
		b.t.Fatalf("callback: %d %s", status, body)
	}
	return loc
}

func (b *browser) me(srv *apptest.Server) map[string]string {
	b.t.Helper()
	status, _, body := b.get(srv.URL + "/me")
	if status != http.StatusOK {
		b.t.Fatalf("/me: %d", status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	return map[string]string{
		"name":  strings.TrimSpace(doc.Find(".profile dd.name").Text()),
		"email": strings.TrimSpace(doc.Find(".profile dd.email").Text()),
		"role":  strings.TrimSpace(doc.Find(".profile dd.role").Text()),
		"flash": strings.TrimSpace(doc.Find("p.flash").Text()),
	}
}

func countRows(t *testing.T, srv *apptest.Server, table string) int {
	t.Helper()
	var n int
	if err := srv.Store.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func execSQL(t *testing.T, srv *apptest.Server, query string, args ...any) {
	t.Helper()
	if srv.Store.Dialect() == models.Postgres {
		n := 0
		query = regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return "$" + string(rune('0'+n)) })
	}
	if _, err := srv.Store.DB().Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	srv.Store.Changed(context.Background())
}

func TestOpenIDConnectSignIn(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect)
		anna := &mockoidc.MockUser{Subject: "anna-1", Email: "anna@example.com", EmailVerified: true, PreferredUsername: "anna"}

		// First sign-in creates the member and lands where they started.
		m.QueueUser(anna)
		b := newJarBrowser(t)
		if loc := b.signIn(srv, "/auth/oidc?next=%2Fme%3Ftab%3D1"); loc != "/me?tab=1" {
			t.Fatalf("after sign-in sent to %q", loc)
		}
		me := b.me(srv)
		if me["name"] != "anna" || me["email"] != "anna@example.com" {
			t.Fatalf("/me after first sign-in: %v", me)
		}

		// The second sign-in reuses the member.
		m.QueueUser(anna)
		other := newJarBrowser(t)
		other.signIn(srv, "/auth/oidc")
		if other.me(srv)["name"] != "anna" || countRows(t, srv, "users") != 1 || countRows(t, srv, "identities") != 1 {
			t.Fatalf("second sign-in made %d users, %d identities", countRows(t, srv, "users"), countRows(t, srv, "identities"))
		}
		if countRows(t, srv, "auth_states") != 0 {
			t.Fatal("used sign-in states are left behind")
		}

		// A provider may post the answer back (Apple's form_post): no CSRF token, state protects it.
		m.QueueUser(anna)
		poster := newJarBrowser(t)
		u, _ := url.Parse(poster.toCallback(srv, "/auth/oidc?next=%2Fme"))
		resp, err := poster.client.PostForm(srv.URL+u.Path, u.Query())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/me" {
			t.Fatalf("posted callback: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if poster.me(srv)["name"] != "anna" {
			t.Fatal("the posted callback did not sign in")
		}
	})
}

func TestOpenIDConnectCallbackRefusals(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect)
		user := &mockoidc.MockUser{Subject: "bob-1", Email: "bob@example.com", EmailVerified: true, PreferredUsername: "bob"}
		refused := func(name string, status int, body string) {
			t.Helper()
			if status != http.StatusForbidden {
				t.Fatalf("%s: status %d, want 403: %.200s", name, status, body)
			}
			if !strings.Contains(body, `class="error-page"`) {
				t.Fatalf("%s: not the friendly 403 page", name)
			}
		}

		// Replay: the same callback twice.
		m.QueueUser(user)
		b := newJarBrowser(t)
		callback := b.toCallback(srv, "/auth/oidc")
		if status, _, _ := b.get(callback); status != http.StatusSeeOther {
			t.Fatalf("first callback: %d", status)
		}
		status, _, body := b.get(callback)
		refused("replayed callback", status, body)

		// The callback delivered to another browser.
		m.QueueUser(user)
		callback = newJarBrowser(t).toCallback(srv, "/auth/oidc")
		status, _, body = newJarBrowser(t).get(callback)
		refused("callback in another browser", status, body)

		// Wrong and missing state.
		for name, edit := range map[string]func(url.Values){
			"wrong state":   func(q url.Values) { q.Set("state", "not-the-state") },
			"missing state": func(q url.Values) { q.Del("state") },
			"redirect_uri":  func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") },
		} {
			m.QueueUser(user)
			b := newJarBrowser(t)
			u, _ := url.Parse(b.toCallback(srv, "/auth/oidc"))
			q := u.Query()
			edit(q)
			u.RawQuery = q.Encode()
			status, _, body := b.get(u.String())
			refused(name, status, body)
		}

		// State older than ten minutes.
		m.QueueUser(user)
		b = newJarBrowser(t)
		callback = b.toCallback(srv, "/auth/oidc")
		execSQL(t, srv, "UPDATE auth_states SET created_at = ?", time.Now().UTC().Add(-11*time.Minute))
		status, _, body = b.get(callback)
		refused("state older than ten minutes", status, body)

		// Another provider's callback with this state.
		m.QueueUser(user)
		b = newJarBrowser(t)
		callback = b.toCallback(srv, "/auth/oidc")
		status, _, _ = b.get(strings.Replace(callback, "/auth/oidc/", "/auth/github/", 1))
		if status != http.StatusNotFound {
			t.Fatalf("callback of an unconfigured provider: %d", status)
		}

		// A PKCE verifier that does not match is refused by the provider.
		m.QueueUser(user)
		b = newJarBrowser(t)
		callback = b.toCallback(srv, "/auth/oidc")
		execSQL(t, srv, "UPDATE auth_states SET verifier = ?", "a-verifier-that-does-not-match-the-challenge-at-all")
		status, _, body = b.get(callback)
		refused("wrong PKCE verifier", status, body)

		// A nonce that does not match the ID token.
		m.QueueUser(user)
		b = newJarBrowser(t)
		callback = b.toCallback(srv, "/auth/oidc")
		execSQL(t, srv, "UPDATE auth_states SET nonce = ?", "another-nonce")
		status, _, body = b.get(callback)
		refused("wrong nonce", status, body)

		// A tampered next never leaves the site.
		m.QueueUser(user)
		if loc := newJarBrowser(t).signIn(srv, "/auth/oidc?next="+url.QueryEscape("https://evil.example/")); loc != "/" {
			t.Fatalf("next to another site sent the member to %q", loc)
		}
		m.QueueUser(user)
		if loc := newJarBrowser(t).signIn(srv, "/auth/oidc?next="+url.QueryEscape("//evil.example/")); loc != "/" {
			t.Fatalf("protocol-relative next sent the member to %q", loc)
		}

		// The member cancels at the provider.
		m.QueueUser(user)
		b = newJarBrowser(t)
		u, _ := url.Parse(b.toCallback(srv, "/auth/oidc"))
		q := u.Query()
		q.Del("code")
		q.Set("error", "access_denied")
		u.RawQuery = q.Encode()
		status, loc, _ := b.get(u.String())
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Fatalf("cancelled sign-in: %d %q", status, loc)
		}

		if n := countRows(t, srv, "sessions"); n != 3 {
			t.Fatalf("%d sessions exist; only the 3 good sign-ins should have made one", n)
		}
	})
}

func TestAccountsJoinOnlyByVerifiedEmail(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect)
		owner := srv.User("Carla", "carla@example.com", models.RoleMember) // verified (made by an admin)

		// Unverified email at the provider: a separate, new member.
		m.QueueUser(&mockoidc.MockUser{Subject: "mallory", Email: "carla@example.com", EmailVerified: false, PreferredUsername: "mallory"})
		b := newJarBrowser(t)
		b.signIn(srv, "/auth/oidc")
		if me := b.me(srv); me["name"] != "mallory" || me["email"] != "" {
			t.Fatalf("unverified email joined an account: %v", me)
		}
		if n := countRows(t, srv, "users"); n != 2 {
			t.Fatalf("%d users, want 2", n)
		}

		// Verified email: the same member.
		m.QueueUser(&mockoidc.MockUser{Subject: "carla-sso", Email: "Carla@Example.com", EmailVerified: true, PreferredUsername: "carla.sso"})
		b = newJarBrowser(t)
		b.signIn(srv, "/auth/oidc")
		if me := b.me(srv); me["name"] != "Carla" {
			t.Fatalf("verified email did not sign in the owner: %v", me)
		}
		ids, err := srv.Store.Identities(context.Background(), owner.ID)
		if err != nil || len(ids) != 1 || ids[0].Provider != "oidc" {
			t.Fatalf("owner's identities: %+v, %v", ids, err)
		}
	})
}

func TestConnectAndDisconnectProvidersFromMe(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect)
		u := srv.User("Dana", "dana@example.com", models.RoleMember)
		token, _, err := srv.Store.CreateSession(context.Background(), u.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		b := newJarBrowser(t)
		base, _ := url.Parse(srv.URL)
		b.client.Jar.SetCookies(base, []*http.Cookie{{Name: "samen_session", Value: token, Path: "/"}})

		// An account with another email connects because the member is signed in.
		m.QueueUser(&mockoidc.MockUser{Subject: "dana-work", Email: "d.work@corp.example", EmailVerified: false, PreferredUsername: "dw"})
		if loc := b.connect(srv, "oidc"); loc != "/me" {
			t.Fatalf("after connecting sent to %q", loc)
		}
		if flash := b.me(srv)["flash"]; flash != "The account is connected. You can now sign in with it too." {
			t.Fatalf("flash %q", flash)
		}
		// It now signs Dana in on its own.
		m.QueueUser(&mockoidc.MockUser{Subject: "dana-work", Email: "d.work@corp.example", EmailVerified: false, PreferredUsername: "dw"})
		fresh := newJarBrowser(t)
		fresh.signIn(srv, "/auth/oidc")
		if name := fresh.me(srv)["name"]; name != "Dana" {
			t.Fatalf("connected account signs in %q", name)
		}

		// A second member cannot take an identity that belongs to Dana.
		eve := srv.User("Eve", "eve@example.com", models.RoleMember)
		eveToken, _, _ := srv.Store.CreateSession(context.Background(), eve.ID, "test", "127.0.0.1")
		e := newJarBrowser(t)
		e.client.Jar.SetCookies(base, []*http.Cookie{{Name: "samen_session", Value: eveToken, Path: "/"}})
		m.QueueUser(&mockoidc.MockUser{Subject: "dana-work", Email: "d.work@corp.example", PreferredUsername: "dw"})
		e.connect(srv, "oidc")
		if flash := e.me(srv)["flash"]; !strings.Contains(flash, "belongs to another member") {
			t.Fatalf("taking another's identity: flash %q", flash)
		}

		// Disconnect through the page: allowed, since Dana has a verified email.
		c := srv.SignedIn(u)
		r := c.Get("/me")
		wantCount(t, r, "li.identity[data-provider=oidc]", 1)
		action, _ := r.Doc.Find("li.identity form").Attr("action")
		wantStatus(t, c.PostForm(action, nil), http.StatusSeeOther)
		wantText(t, c.Get("/me"), "p.flash", "The account is disconnected.")

		// A member whose only way in is one provider keeps it.
		m.QueueUser(&mockoidc.MockUser{Subject: "solo", PreferredUsername: "solo"})
		solo := newJarBrowser(t)
		solo.signIn(srv, "/auth/oidc")
		soloUser, err := srv.Store.SessionByToken(context.Background(), jarCookie(solo, srv, "samen_session"))
		if err != nil {
			t.Fatal(err)
		}
		sc := srv.SignedIn(&soloUser.User)
		r = sc.Get("/me")
		action, _ = r.Doc.Find("li.identity form").Attr("action")
		wantStatus(t, sc.PostForm(action, nil), http.StatusSeeOther)
		wantText(t, sc.Get("/me"), "p.flash", "That is your only way to sign in, so it stays connected.")
	})
}

func jarCookie(b *browser, srv *apptest.Server, name string) string {
	base, _ := url.Parse(srv.URL)
	for _, c := range b.client.Jar.Cookies(base) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestAdminEmailsAndBans(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect, "SAMEN_ADMIN_EMAILS=boss@example.com")
		m.QueueUser(&mockoidc.MockUser{Subject: "boss", Email: "boss@example.com", EmailVerified: true, PreferredUsername: "boss"})
		b := newJarBrowser(t)
		b.signIn(srv, "/auth/oidc")
		if role := b.me(srv)["role"]; role != "Administrator" {
			t.Fatalf("listed admin has role %q", role)
		}
		// An unverified claim to the admin address gets nothing.
		m.QueueUser(&mockoidc.MockUser{Subject: "fake-boss", Email: "boss@example.com", EmailVerified: false, PreferredUsername: "fake"})
		f := newJarBrowser(t)
		f.signIn(srv, "/auth/oidc")
		if role := f.me(srv)["role"]; role != "Member" {
			t.Fatalf("unverified admin email got role %q", role)
		}

		// A banned member: live sessions stop at once, sign-in is refused with a clear page.
		execSQL(t, srv, "UPDATE users SET banned_at = ? WHERE name = ?", time.Now().UTC(), "fake")
		if status, loc, _ := f.get(srv.URL + "/me"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Fatalf("banned member's session still works: %d %q", status, loc)
		}
		m.QueueUser(&mockoidc.MockUser{Subject: "fake-boss", Email: "boss@example.com", PreferredUsername: "fake"})
		g := newJarBrowser(t)
		status, _, body := g.get(g.toCallback(srv, "/auth/oidc"))
		if status != http.StatusForbidden || !strings.Contains(body, `id="banned-title"`) {
			t.Fatalf("banned sign-in: %d %.300s", status, body)
		}
	})
}

var linkInLog = regexp.MustCompile(`(http://127\.0\.0\.1:\d+/auth/email/[A-Za-z0-9_-]{43})`)

func TestEmailLinkSignIn(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_ADMIN_EMAILS=lead@example.com")
		c := srv.Client()
		r := c.Get("/login?next=%2Fme")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "ul.providers", 0)
		wantCount(t, r, `form.email-form input[name="next"][value="/me"]`, 1)

		r = c.PostForm("/auth/email", url.Values{"email": {"New.Member@Example.com"}, "next": {"/me"}})
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "h1#sent-title", "Check your inbox")
		link := srv.WaitLog(linkInLog, 1)
		path := strings.TrimPrefix(link, srv.URL)

		// Opening the link does not use it; a new member chooses a name.
		r = c.Get(path)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `form.confirm-form input[name="name"]`, 1)
		r = c.Get(path)
		wantStatus(t, r, http.StatusOK)
		r = c.PostForm(path, url.Values{"name": {"   "}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#name-error", 1)
		r = c.PostForm(path, url.Values{"name": {"Nina Nieuw"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/me" {
			t.Fatalf("after the link sent to %q", loc)
		}
		r = c.Get("/me")
		wantText(t, r, ".profile dd.name", "Nina Nieuw")
		wantText(t, r, ".profile dd.email", "new.member@example.com")

		// A second use is refused, opening and posting alike.
		other := srv.Client()
		r = other.Get(path)
		wantStatus(t, r, http.StatusGone)
		wantCount(t, r, "h1#invalid-title", 1)
		wantStatus(t, other.PostForm(path, url.Values{"name": {"Someone"}}), http.StatusGone)

		// An expired link is refused.
		k := srv.Client()
		k.Get("/login")
		k.PostForm("/auth/email", url.Values{"email": {"new.member@example.com"}})
		expired := strings.TrimPrefix(srv.WaitLog(linkInLog, 2), srv.URL)
		execSQL(t, srv, "UPDATE login_tokens SET expires_at = ? WHERE used_at IS NULL", time.Now().UTC().Add(-time.Second))
		wantStatus(t, k.Get(expired), http.StatusGone)
		wantStatus(t, k.PostForm(expired, nil), http.StatusGone)

		// A known member signs in without being asked for a name; listed admins become admin.
		srv.User("Lead", "lead@example.com", models.RoleMember)
		k.PostForm("/auth/email", url.Values{"email": {"lead@example.com"}})
		known := strings.TrimPrefix(srv.WaitLog(regexp.MustCompile(`to=lead@example.com .*?`+linkInLog.String()), 1), srv.URL)
		r = k.Get(known)
		wantText(t, r, ".confirm-as", "Sign in as Lead (lead@example.com)?")
		wantCount(t, r, `input[name="name"]`, 0)
		wantStatus(t, k.PostForm(known, nil), http.StatusSeeOther)
		wantText(t, k.Get("/me"), ".profile dd.role", "Administrator")

		// Garbage tokens are simply invalid.
		for _, bad := range []string{"/auth/email/x", "/auth/email/" + strings.Repeat("A", 43), "/auth/email/%ff%fe"} {
			wantStatus(t, srv.Client().Get(bad), http.StatusGone)
		}
	})
}

func TestEmailLinkAnswersAlikeForKnownAndUnknownAddresses(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		srv.User("Known", "known@example.com", models.RoleMember)
		answer := func(email string) (int, string) {
			c := srv.Client()
			c.Get("/login")
			r := c.PostForm("/auth/email", url.Values{"email": {email}})
			html, _ := r.Doc.Find("main").Html()
			return r.StatusCode, html
		}
		knownStatus, knownPage := answer("known@example.com")
		unknownStatus, unknownPage := answer("unknown@example.com")
		if knownStatus != http.StatusOK || knownStatus != unknownStatus || knownPage != unknownPage {
			t.Fatalf("known: %d %q\nunknown: %d %q", knownStatus, knownPage, unknownStatus, unknownPage)
		}
		srv.WaitLog(regexp.MustCompile(`to=unknown@example.com`), 1)
		srv.WaitLog(regexp.MustCompile(`to=known@example.com`), 1)

		// Invalid input re-renders the form with what was typed.
		c := srv.Client()
		c.Get("/login")
		r := c.PostForm("/auth/email", url.Values{"email": {"not an email"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if v, _ := r.Doc.Find("input#email").Attr("value"); v != "not an email" {
			t.Fatalf("the form lost the input: %q", v)
		}
		wantCount(t, r, "#email-error", 1)
	})
}

func TestEmailLinkRateLimits(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		c := srv.Client()
		c.Get("/login")
		for range 5 {
			wantStatus(t, c.PostForm("/auth/email", url.Values{"email": {"flood@example.com"}}), http.StatusOK)
		}
		r := c.PostForm("/auth/email", url.Values{"email": {"FLOOD@example.com"}})
		wantStatus(t, r, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// Other addresses from the same client still work, up to 20 requests in all.
		for i := range 14 {
			email := "person" + string(rune('a'+i)) + "@example.com"
			if status := c.PostForm("/auth/email", url.Values{"email": {email}}).StatusCode; status != http.StatusOK {
				t.Fatalf("request %d from this client: %d", 7+i, status)
			}
		}
		wantStatus(t, c.PostForm("/auth/email", url.Values{"email": {"one-more@example.com"}}), http.StatusTooManyRequests)
	})
}

func TestLoginPageFollowsTheConfiguration(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_GITHUB_KEY=k", "SAMEN_GITHUB_SECRET=s",
			"SAMEN_GOOGLE_KEY=k", "SAMEN_GOOGLE_SECRET=s", "SAMEN_TWITTER_KEY=k", "SAMEN_TWITTER_SECRET=s")
		c := srv.Client()
		r := c.Get("/login")
		var names []string
		r.Doc.Find("ul.providers a.provider-button").Each(func(_ int, s *goquery.Selection) {
			names = append(names, strings.TrimSpace(s.Text()))
		})
		if strings.Join(names, "|") != "Continue with Google|Continue with GitHub|Continue with X" {
			t.Fatalf("buttons %q", names)
		}
		wantCount(t, r, `a.provider-google img[src^="/static/img/providers/google."]`, 1)
		c.Header.Set("Accept-Language", "nl")
		wantText(t, c.Get("/login"), "a.provider-github span", "Verder met GitHub")

		// GitHub's sign-in starts at GitHub, with state and our callback, and no PKCE.
		status, loc, _ := newJarBrowser(t).get(srv.URL + "/auth/github")
		u, err := url.Parse(loc)
		if status != http.StatusSeeOther || err != nil || u.Host != "github.com" {
			t.Fatalf("GitHub begin: %d %q", status, loc)
		}
		q := u.Query()
		if q.Get("state") == "" || q.Get("redirect_uri") != srv.URL+"/auth/github/callback" || q.Get("code_challenge") != "" {
			t.Fatalf("GitHub authorize URL %s", loc)
		}
		// X uses PKCE.
		_, loc, _ = newJarBrowser(t).get(srv.URL + "/auth/twitter")
		u, _ = url.Parse(loc)
		if u.Query().Get("code_challenge_method") != "S256" || len(u.Query().Get("code_challenge")) != 43 {
			t.Fatalf("X authorize URL without PKCE: %s", loc)
		}

		wantStatus(t, c.Get("/auth/myspace"), http.StatusNotFound)
		none := apptest.New(t, dialect).Client()
		wantCount(t, none.Get("/login"), "a.provider-button", 0)
		wantStatus(t, none.Get("/auth/google"), http.StatusNotFound)
	})
}

func TestProfileAndSignOutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Fien", "fien@example.com", models.RoleMember)
		c, phone := srv.SignedIn(u), srv.SignedIn(u)
		c.Get("/me")
		r := c.PostForm("/me/profile", url.Values{"name": {"Fien B."}, "avatar_url": {"javascript:alert(1)"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#profile-avatar-error", 1)
		if v, _ := r.Doc.Find("#profile-name").Attr("value"); v != "Fien B." {
			t.Fatalf("the form lost the name: %q", v)
		}
		wantStatus(t, c.PostForm("/me/profile", url.Values{"name": {"Fien B."}, "avatar_url": {"https://img.example/f.png"}}), http.StatusSeeOther)
		r = c.Get("/me")
		wantText(t, r, "p.flash", "Your profile is saved.")
		wantCount(t, r, `.profile dd.name img.avatar[src="https://img.example/f.png"]`, 1)

		wantStatus(t, c.PostForm("/me/sessions/revoke-all", nil), http.StatusSeeOther)
		for _, client := range []*apptest.Client{c, phone} {
			if r := client.Get("/me"); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("a session survived signing out everywhere: %d", r.StatusCode)
			}
		}
		if _, err := srv.Store.UserByID(context.Background(), u.ID); err != nil || errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the member is gone: %v", err)
		}
	})
}

func TestSignInCookiesAndSessionRotation(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		// Over https the OAuth cookie survives Apple's cross-site form POST.
		secure := apptest.New(t, dialect, "SAMEN_BASE_URL=https://ideas.example.com", "SAMEN_GITHUB_KEY=k", "SAMEN_GITHUB_SECRET=s")
		r := secure.Client().Get("/auth/github")
		wantStatus(t, r, http.StatusSeeOther)
		set := strings.Join(r.Header.Values("Set-Cookie"), "\n")
		for _, part := range []string{"samen_oauth=", "max-age=600", "path=/auth/", "HttpOnly", "secure", "SameSite=None"} {
			if !strings.Contains(strings.ToLower(set), strings.ToLower(part)) {
				t.Errorf("https OAuth cookie lacks %q: %s", part, set)
			}
		}
		plain := apptest.New(t, dialect, "SAMEN_GITHUB_KEY=k", "SAMEN_GITHUB_SECRET=s")
		set = strings.Join(plain.Client().Get("/auth/github").Header.Values("Set-Cookie"), "\n")
		if !strings.Contains(set, "SameSite=Lax") || strings.Contains(strings.ToLower(set), "secure") {
			t.Errorf("http OAuth cookie: %s", set)
		}

		// Signing in again gives a new session and ends the old one.
		u := plain.User("Gerrit", "gerrit@example.com", models.RoleMember)
		c := plain.SignedIn(u)
		old := c.Cookie("samen_session")
		c.Get("/")
		wantStatus(t, c.PostForm("/auth/email", url.Values{"email": {"gerrit@example.com"}}), http.StatusOK)
		path := strings.TrimPrefix(plain.WaitLog(linkInLog, 1), plain.URL)
		c.Get(path)
		wantStatus(t, c.PostForm(path, nil), http.StatusSeeOther)
		if now := c.Cookie("samen_session"); now == "" || now == old {
			t.Fatalf("session cookie not rotated: %q -> %q", old, now)
		}
		if _, err := plain.Store.SessionByToken(context.Background(), old); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the old session still works: %v", err)
		}
		wantText(t, c.Get("/me"), ".profile dd.name", "Gerrit")
	})
}

// linkInArgs finds a sign-in link with a token in a job's arguments.
var linkInArgs = regexp.MustCompile(`/auth/email/[A-Za-z0-9_-]{20}`)

// TestSignInLinkIsStoredOnlyAsAHash: the job that mails a sign-in link
// carries no link; it makes the token when it sends, so neither the job
// table nor the sign-in link table ever holds a link that works.
func TestSignInLinkIsStoredOnlyAsAHash(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		c := srv.Client()
		c.Get("/login")
		wantStatus(t, c.PostForm("/auth/email", url.Values{"email": {"rest@example.com"}, "next": {"/me"}}), http.StatusOK)
		link := srv.WaitLog(linkInLog, 1)
		token := link[strings.LastIndex(link, "/")+1:]

		rows, err := srv.Store.DB().Query("SELECT CAST(args AS TEXT) FROM river_job")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		jobs := 0
		for rows.Next() {
			var args string
			if err := rows.Scan(&args); err != nil {
				t.Fatal(err)
			}
			jobs++
			if strings.Contains(args, token) || linkInArgs.MatchString(args) {
				t.Fatalf("the job table holds the sign-in link: %s", args)
			}
		}
		if err := rows.Err(); err != nil || jobs == 0 {
			t.Fatalf("%d jobs, %v", jobs, err)
		}
		// The link still signs in, once.
		path := strings.TrimPrefix(link, srv.URL)
		wantStatus(t, c.Get(path), http.StatusOK)
		wantStatus(t, c.PostForm(path, url.Values{"name": {"Rest"}}), http.StatusSeeOther)
		wantText(t, c.Get("/me"), ".profile dd.email", "rest@example.com")
	})
}

// TestAdminEmailsPromoteAtFirstSignInOnly: a listed address makes its owner
// admin when they first sign in; a demotion afterwards sticks.
func TestAdminEmailsPromoteAtFirstSignInOnly(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect, "SAMEN_ADMIN_EMAILS=boss@example.com,lead@example.com")
		ctx := context.Background()
		demote := func(email string) {
			t.Helper()
			u, err := srv.Store.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Store.SetRole(ctx, u.ID, models.RoleMember); err != nil { // as `samen user role` does
				t.Fatal(err)
			}
		}

		// Through a provider.
		boss := &mockoidc.MockUser{Subject: "boss", Email: "boss@example.com", EmailVerified: true, PreferredUsername: "boss"}
		m.QueueUser(boss)
		b := newJarBrowser(t)
		b.signIn(srv, "/auth/oidc")
		if role := b.me(srv)["role"]; role != "Administrator" {
			t.Fatalf("listed admin at first sign-in has role %q", role)
		}
		demote("boss@example.com")
		m.QueueUser(boss)
		again := newJarBrowser(t)
		again.signIn(srv, "/auth/oidc")
		if role := again.me(srv)["role"]; role != "Member" {
			t.Fatalf("the demoted admin signed in again as %q", role)
		}

		// Through an emailed link, for a member made before their first sign-in.
		srv.User("Lead", "lead@example.com", models.RoleMember)
		signInByLink := func(n int) *apptest.Client {
			c := srv.Client()
			c.Get("/login")
			wantStatus(t, c.PostForm("/auth/email", url.Values{"email": {"lead@example.com"}}), http.StatusOK)
			path := strings.TrimPrefix(srv.WaitLog(regexp.MustCompile(`to=lead@example.com .*?`+linkInLog.String()), n), srv.URL)
			c.Get(path)
			wantStatus(t, c.PostForm(path, nil), http.StatusSeeOther)
			return c
		}
		wantText(t, signInByLink(1).Get("/me"), ".profile dd.role", "Administrator")
		demote("lead@example.com")
		wantText(t, signInByLink(2).Get("/me"), ".profile dd.role", "Member")
	})
}

// TestConnectingAProviderIsAPostWithCSRF: connecting another provider to the
// signed-in member's account starts with a form POST that carries the CSRF
// token; a link (GET) another site could plant connects nothing.
func TestConnectingAProviderIsAPostWithCSRF(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, m := oidcServer(t, dialect)
		u := srv.User("Hanna", "hanna@example.com", models.RoleMember)
		c := srv.SignedIn(u)
		r := c.Get("/me")
		wantCount(t, r, `form.connect-form[method="post"][action="/me/connect/oidc"] input[name="_csrf"]`, 1)
		wantCount(t, r, `a[href*="link="]`, 0)

		// Without the CSRF token: refused.
		wantStatus(t, c.PostForm("/me/connect/oidc", url.Values{"_csrf": {""}}), http.StatusForbidden)
		// A visitor is sent to sign in; an unknown provider is not found.
		visitor := srv.Client()
		visitor.Get("/")
		r = visitor.PostForm("/me/connect/oidc", nil)
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("visitor sent to %q", loc)
		}
		c.Get("/me")
		wantStatus(t, c.PostForm("/me/connect/myspace", nil), http.StatusNotFound)

		// A planted GET link signs in as whoever the provider says, and
		// attaches nothing to the signed-in member.
		token, _, err := srv.Store.CreateSession(context.Background(), u.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		b := newJarBrowser(t)
		base, _ := url.Parse(srv.URL)
		b.client.Jar.SetCookies(base, []*http.Cookie{{Name: "samen_session", Value: token, Path: "/"}})
		m.QueueUser(&mockoidc.MockUser{Subject: "planted", Email: "mallory@example.com", EmailVerified: true, PreferredUsername: "mallory"})
		b.signIn(srv, "/auth/oidc?link=1")
		if ids, err := srv.Store.Identities(context.Background(), u.ID); err != nil || len(ids) != 0 {
			t.Fatalf("a GET connected %+v to the member (%v)", ids, err)
		}

		// The form connects.
		b = newJarBrowser(t)
		b.client.Jar.SetCookies(base, []*http.Cookie{{Name: "samen_session", Value: srv.SignedIn(u).Cookie("samen_session"), Path: "/"}})
		m.QueueUser(&mockoidc.MockUser{Subject: "hanna-sso", Email: "h@corp.example", PreferredUsername: "hanna"})
		if loc := b.connect(srv, "oidc"); loc != "/me" {
			t.Fatalf("after connecting sent to %q", loc)
		}
		if ids, err := srv.Store.Identities(context.Background(), u.ID); err != nil || len(ids) != 1 || ids[0].Subject != "hanna-sso" {
			t.Fatalf("identities after connecting: %+v, %v", ids, err)
		}
	})
}
