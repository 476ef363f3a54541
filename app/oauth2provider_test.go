package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/markbates/goth"
	"golang.org/x/oauth2"
)

const (
	testClientID = "client-123"
	testSecret   = "s3cret"
	testCallback = "https://samen.example/auth/twitter/callback"
	testCode     = "code-abc"
	testToken    = "token-xyz"
)

// Realistic answers of X's /2/users/me and Pinterest's /v5/user_account.
const (
	xUserJSON = `{"data":{"id":"2244994945","name":"Ada Lovelace","username":"ada",` +
		`"profile_image_url":"https://pbs.twimg.com/profile_images/1/ada_normal.jpg"}}`
	pinterestUserJSON = `{"account_type":"PINNER","id":"549755885175","username":"ada_pins",` +
		`"profile_image":"https://i.pinimg.com/75x75_RS/ab/cd/ada.jpg","website_url":"https://ada.example",` +
		`"business_name":null,"board_count":3,"pin_count":42,"follower_count":7,"following_count":9,"monthly_views":0}`
)

// fakeOAuth2 is a token and user endpoint that expects one verifier.
type fakeOAuth2 struct {
	*httptest.Server
	verifier string
	mu       sync.Mutex
	form     url.Values // last token request
	user     string
	pass     string
	basic    bool
}

func newFakeOAuth2(t *testing.T, verifier string) *fakeOAuth2 {
	f := &fakeOAuth2{verifier: verifier}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.form = r.PostForm
		f.user, f.pass, f.basic = r.BasicAuth()
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !f.basic || f.user != testClientID || f.pass != testSecret || r.PostForm.Get("client_secret") != "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		if r.PostForm.Get("code") != testCode || r.PostForm.Get("code_verifier") != f.verifier {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"` + testToken + `","token_type":"bearer","expires_in":7200}`))
	})
	user := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+testToken {
				http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.Handle("GET /x", user(xUserJSON))
	mux.Handle("GET /pinterest", user(pinterestUserJSON))
	mux.Handle("GET /noid", user(`{"data":{"name":"Nobody","username":"nobody"}}`))
	mux.HandleFunc("GET /denied", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOAuth2) provider(name, userPath string, parse func([]byte) (goth.User, error)) goth.Provider {
	return newOAuth2Provider(oauth2Spec{
		Name: name, ClientID: testClientID, Secret: testSecret, CallbackURL: testCallback,
		AuthURL: f.URL + "/authorize", TokenURL: f.URL + "/token", UserURL: f.URL + userPath,
		Scopes: []string{"users.read", "tweet.read"}, AuthStyle: oauth2.AuthStyleInHeader, ParseUser: parse,
	})
}

// signIn runs BeginAuth, a Marshal/UnmarshalSession round trip and Authorize.
func signIn(t *testing.T, p goth.Provider, params url.Values) (goth.Session, error) {
	t.Helper()
	sess, err := p.BeginAuth("state-1")
	if err != nil {
		t.Fatal(err)
	}
	restored, err := p.UnmarshalSession(sess.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	_, err = restored.Authorize(p, params)
	return restored, err
}

func TestOAuth2TokenExchange(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	f := newFakeOAuth2(t, verifier)
	p := f.provider("twitter", "/x", parseXUser)

	// A redirect_uri in the callback query must not reach the token request.
	params := url.Values{"code": {testCode}, "code_verifier": {verifier}, "redirect_uri": {"https://evil.example/cb"}}
	sess, err := signIn(t, p, params)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	f.mu.Lock()
	form, user, pass, basic := f.form, f.user, f.pass, f.basic
	f.mu.Unlock()
	want := map[string]string{"grant_type": "authorization_code", "code": testCode, "code_verifier": verifier, "redirect_uri": testCallback}
	for k, v := range want {
		if got := form.Get(k); got != v {
			t.Errorf("token request %s = %q, want %q", k, got, v)
		}
	}
	if !basic || user != testClientID || pass != testSecret {
		t.Errorf("basic auth = %v %q %q", basic, user, pass)
	}
	if s := sess.(*oauth2Session); s.AccessToken != testToken || s.ExpiresAt.IsZero() {
		t.Errorf("session = %+v", s)
	}
	var round oauth2Session
	if err := json.Unmarshal([]byte(sess.Marshal()), &round); err != nil || round.AccessToken != testToken {
		t.Errorf("Marshal = %q, %v", sess.Marshal(), err)
	}

	if _, err := signIn(t, p, url.Values{"code": {testCode}, "code_verifier": {oauth2.GenerateVerifier()}}); err == nil {
		t.Error("wrong verifier: Authorize succeeded")
	}
	if _, err := signIn(t, p, url.Values{"code": {testCode}}); err == nil {
		t.Error("missing verifier: Authorize succeeded")
	}
}

func TestOAuth2FetchUser(t *testing.T) {
	verifier := oauth2.GenerateVerifier()
	f := newFakeOAuth2(t, verifier)
	params := url.Values{"code": {testCode}, "code_verifier": {verifier}}
	fetch := func(p goth.Provider) (goth.User, error) {
		sess, err := signIn(t, p, params)
		if err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		return p.FetchUser(sess)
	}

	u, err := fetch(f.provider("twitter", "/x", parseXUser))
	if err != nil {
		t.Fatal(err)
	}
	if u.Provider != "twitter" || u.UserID != "2244994945" || u.Name != "Ada Lovelace" || u.NickName != "ada" ||
		!strings.HasSuffix(u.AvatarURL, "ada_normal.jpg") || u.AccessToken != testToken || u.RawData["username"] != "ada" {
		t.Errorf("X user = %+v", u)
	}

	u, err = fetch(f.provider("pinterest", "/pinterest", parsePinterestUser))
	if err != nil {
		t.Fatal(err)
	}
	if u.Provider != "pinterest" || u.UserID != "549755885175" || u.Name != "ada_pins" || u.NickName != "ada_pins" ||
		!strings.HasSuffix(u.AvatarURL, "ada.jpg") || u.AccessToken != testToken || u.RawData["account_type"] != "PINNER" {
		t.Errorf("Pinterest user = %+v", u)
	}

	if _, err := fetch(f.provider("twitter", "/denied", parseXUser)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("401 from user endpoint: %v", err)
	}
	if _, err := fetch(f.provider("twitter", "/noid", parseXUser)); err == nil {
		t.Error("user without id accepted")
	}
	if _, err := f.provider("twitter", "/x", parseXUser).FetchUser(&oauth2Session{}); err == nil {
		t.Error("FetchUser without token succeeded")
	}
}

func TestOAuth2BeginAuth(t *testing.T) {
	f := newFakeOAuth2(t, "")
	p := f.provider("twitter", "/x", parseXUser)
	sess, err := p.BeginAuth("state-1")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sess.GetAuthURL()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{"client_id": testClientID, "redirect_uri": testCallback, "state": "state-1", "scope": "users.read tweet.read", "response_type": "code"}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("auth URL %s = %q, want %q", k, got, v)
		}
	}
	if q.Has("code_challenge") || q.Has("code_challenge_method") {
		t.Errorf("auth URL carries PKCE: %s", raw)
	}
	if _, err := (&oauth2Session{}).GetAuthURL(); err == nil {
		t.Error("empty session has an auth URL")
	}
}

func TestOAuth2Providers(t *testing.T) {
	for _, p := range []goth.Provider{newXProvider("k", "s", testCallback), newPinterestProvider("k", "s", testCallback)} {
		op := p.(*oauth2Provider)
		if op.client.Timeout == 0 || op.config.Endpoint.AuthStyle != oauth2.AuthStyleInHeader || p.RefreshTokenAvailable() {
			t.Errorf("%s: %+v", p.Name(), op)
		}
		if _, err := p.RefreshToken("r"); err == nil {
			t.Errorf("%s: RefreshToken succeeded", p.Name())
		}
		sess, _ := p.BeginAuth("st")
		raw, _ := sess.GetAuthURL()
		if !strings.HasPrefix(raw, "https://") {
			t.Errorf("%s: auth URL %q", p.Name(), raw)
		}
	}
	p := newXProvider("k", "s", testCallback)
	p.SetName("x")
	if p.Name() != "x" {
		t.Errorf("SetName: %q", p.Name())
	}
	if _, err := parseXUser([]byte("not json")); err == nil {
		t.Error("parseXUser accepted garbage")
	}
	if _, err := parsePinterestUser([]byte("[")); err == nil {
		t.Error("parsePinterestUser accepted garbage")
	}
}
