package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/markbates/goth"
	"golang.org/x/oauth2"
)

// oauth2Timeout bounds every call to the provider's token and user endpoints.
const oauth2Timeout = 10 * time.Second

// oauth2MaxBody caps how much of the user endpoint's answer is read.
const oauth2MaxBody = 1 << 20

// oauth2Spec describes a provider that speaks plain OAuth 2.0 with PKCE.
type oauth2Spec struct {
	Name                          string // "twitter", "pinterest"
	ClientID, Secret, CallbackURL string
	AuthURL, TokenURL, UserURL    string
	Scopes                        []string
	AuthStyle                     oauth2.AuthStyle                     // how the client authenticates at the token endpoint
	ParseUser                     func(body []byte) (goth.User, error) // reads UserURL's JSON
}

// oauth2Provider is a goth.Provider for an oauth2Spec. The caller adds the
// PKCE challenge to the auth URL and passes code_verifier to Authorize.
type oauth2Provider struct {
	name   string
	spec   oauth2Spec
	config *oauth2.Config
	client *http.Client
	debug  bool
}

// newOAuth2Provider builds a provider from spec; it does not touch the network.
func newOAuth2Provider(spec oauth2Spec) goth.Provider {
	return &oauth2Provider{
		name: spec.Name,
		spec: spec,
		config: &oauth2.Config{
			ClientID: spec.ClientID, ClientSecret: spec.Secret, RedirectURL: spec.CallbackURL, Scopes: spec.Scopes,
			Endpoint: oauth2.Endpoint{AuthURL: spec.AuthURL, TokenURL: spec.TokenURL, AuthStyle: spec.AuthStyle},
		},
		client: &http.Client{Timeout: oauth2Timeout},
	}
}

// newXProvider signs in with X (Twitter) through OAuth 2.0.
func newXProvider(key, secret, callbackURL string) goth.Provider {
	return newOAuth2Provider(oauth2Spec{
		Name: "twitter", ClientID: key, Secret: secret, CallbackURL: callbackURL,
		AuthURL:   "https://twitter.com/i/oauth2/authorize",
		TokenURL:  "https://api.twitter.com/2/oauth2/token",
		UserURL:   "https://api.twitter.com/2/users/me?user.fields=profile_image_url",
		Scopes:    []string{"users.read", "tweet.read"},
		AuthStyle: oauth2.AuthStyleInHeader, ParseUser: parseXUser,
	})
}

// newPinterestProvider signs in with Pinterest (API v5).
func newPinterestProvider(key, secret, callbackURL string) goth.Provider {
	return newOAuth2Provider(oauth2Spec{
		Name: "pinterest", ClientID: key, Secret: secret, CallbackURL: callbackURL,
		AuthURL:   "https://www.pinterest.com/oauth/",
		TokenURL:  "https://api.pinterest.com/v5/oauth/token",
		UserURL:   "https://api.pinterest.com/v5/user_account",
		Scopes:    []string{"user_accounts:read"},
		AuthStyle: oauth2.AuthStyleInHeader, ParseUser: parsePinterestUser,
	})
}

// parseXUser reads {"data":{"id","name","username","profile_image_url"}}.
func parseXUser(body []byte) (goth.User, error) {
	var v struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return goth.User{}, fmt.Errorf("x user: %w", err)
	}
	s := func(k string) string { x, _ := v.Data[k].(string); return x }
	return goth.User{UserID: s("id"), Name: s("name"), NickName: s("username"), AvatarURL: s("profile_image_url"), RawData: v.Data}, nil
}

// parsePinterestUser reads {"id","username","profile_image","business_name",...}.
func parsePinterestUser(body []byte) (goth.User, error) {
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		return goth.User{}, fmt.Errorf("pinterest user: %w", err)
	}
	s := func(k string) string { x, _ := v[k].(string); return x }
	name := s("business_name")
	if name == "" {
		name = s("username")
	}
	return goth.User{UserID: s("id"), Name: name, NickName: s("username"), AvatarURL: s("profile_image"), RawData: v}, nil
}

// Name returns the provider's name.
func (p *oauth2Provider) Name() string { return p.name }

// SetName renames the provider.
func (p *oauth2Provider) SetName(name string) { p.name = name }

// Debug is accepted for the interface; the provider logs nothing.
func (p *oauth2Provider) Debug(debug bool) { p.debug = debug }

// BeginAuth returns a session holding the auth URL, without PKCE parameters.
func (p *oauth2Provider) BeginAuth(state string) (goth.Session, error) {
	return &oauth2Session{AuthURL: p.config.AuthCodeURL(state)}, nil
}

// UnmarshalSession reads a session written by Marshal.
func (p *oauth2Provider) UnmarshalSession(data string) (goth.Session, error) {
	s := &oauth2Session{}
	if err := json.Unmarshal([]byte(data), s); err != nil {
		return nil, err
	}
	return s, nil
}

// RefreshToken is not supported: Samen only signs users in.
func (p *oauth2Provider) RefreshToken(string) (*oauth2.Token, error) {
	return nil, errors.New(p.name + ": refresh tokens are not used")
}

// RefreshTokenAvailable reports false.
func (p *oauth2Provider) RefreshTokenAvailable() bool { return false }

// FetchUser reads the signed-in account from UserURL with the session's token.
func (p *oauth2Provider) FetchUser(gs goth.Session) (goth.User, error) {
	s, ok := gs.(*oauth2Session)
	if !ok || s.AccessToken == "" {
		return goth.User{}, fmt.Errorf("%s: no access token", p.name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), oauth2Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.spec.UserURL, nil)
	if err != nil {
		return goth.User{}, err
	}
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return goth.User{}, fmt.Errorf("%s: user: %w", p.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return goth.User{}, fmt.Errorf("%s: user endpoint answered %d", p.name, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, oauth2MaxBody))
	if err != nil {
		return goth.User{}, fmt.Errorf("%s: user: %w", p.name, err)
	}
	u, err := p.spec.ParseUser(body)
	if err != nil {
		return goth.User{}, err
	}
	if u.UserID == "" {
		return goth.User{}, fmt.Errorf("%s: user without id", p.name)
	}
	u.Provider, u.AccessToken, u.RefreshToken, u.ExpiresAt = p.name, s.AccessToken, s.RefreshToken, s.ExpiresAt
	return u, nil
}

// oauth2Session is the state of one sign-in; it travels as JSON.
type oauth2Session struct {
	AuthURL      string
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
}

// GetAuthURL returns the URL BeginAuth built.
func (s *oauth2Session) GetAuthURL() (string, error) {
	if s.AuthURL == "" {
		return "", errors.New(goth.NoAuthUrlErrorMessage)
	}
	return s.AuthURL, nil
}

// Marshal writes the session as JSON.
func (s *oauth2Session) Marshal() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Authorize exchanges params' code (and code_verifier, if any) for a token.
// Any other parameter, redirect_uri included, is ignored.
func (s *oauth2Session) Authorize(gp goth.Provider, params goth.Params) (string, error) {
	p, ok := gp.(*oauth2Provider)
	if !ok {
		return "", errors.New("oauth2: session used with a different provider")
	}
	code := params.Get("code")
	if code == "" {
		return "", fmt.Errorf("%s: no code", p.name)
	}
	var opts []oauth2.AuthCodeOption
	if v := params.Get("code_verifier"); v != "" {
		opts = append(opts, oauth2.VerifierOption(v))
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, p.client), oauth2Timeout)
	defer cancel()
	tok, err := p.config.Exchange(ctx, code, opts...)
	if err != nil {
		return "", fmt.Errorf("%s: token: %w", p.name, err)
	}
	if !tok.Valid() {
		return "", fmt.Errorf("%s: invalid token", p.name)
	}
	s.AccessToken, s.RefreshToken, s.ExpiresAt = tok.AccessToken, tok.RefreshToken, tok.Expiry
	return tok.AccessToken, nil
}
