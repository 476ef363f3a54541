package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/markbates/goth"
	"golang.org/x/oauth2"

	"samen/models"
	"samen/views"
)

// Provider is a sign-in provider the community offers.
type Provider struct {
	Name  string // in URLs: "google", "oidc"
	Label string // on the button: "Google", or SAMEN_OIDC_NAME
	// PKCE: the provider's session passes code_verifier on (OpenID Connect
	// and Samen's own OAuth 2.0 clients), so a code_challenge is sent.
	PKCE bool
	// OIDC: the ID token's nonce claim is checked.
	OIDC bool
	// EmailVerified tells whether the provider vouches for the user's email.
	EmailVerified func(goth.User) bool
	// Build makes the goth provider. It runs on first use, not at start,
	// because OpenID Connect providers fetch their discovery document.
	Build func() (goth.Provider, error)

	mu    sync.Mutex
	built goth.Provider
}

func (p *Provider) goth() (goth.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.built == nil {
		built, err := p.Build()
		if err != nil {
			return nil, fmt.Errorf("set up %s sign-in: %w", p.Name, err)
		}
		p.built = built
	}
	return p.built, nil
}

// Auth signs members in: with a provider, or with a link sent by email.
type Auth struct {
	*Deps
	Providers   []*Provider
	AdminEmails []string
}

const oauthCookie = "samen_oauth"

func (h *Auth) provider(c *fiber.Ctx) (*Provider, error) {
	name := c.Params("provider")
	for _, p := range h.Providers {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fiber.ErrNotFound
}

type loginPage struct {
	Layout
	Providers []*Provider
	Next      string
	Email     string
	Errors    models.ValidationErrors
}

// Login shows the ways to sign in.
func (h *Auth) Login(c *fiber.Ctx) error {
	next := SafeNext(c.Query("next"))
	if h.ViewerOf(c).User != nil {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return c.Render("auth/login", loginPage{Layout: h.layout(c, "auth.login.title", "login"), Providers: h.Providers, Next: next})
}

// Begin sends the browser to the provider to sign in.
func (h *Auth) Begin(c *fiber.Ctx) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	return h.begin(c, p, &models.AuthState{NextPath: SafeNext(c.Query("next"))})
}

// Connect sends the signed-in member to the provider to connect it as
// another way to sign in. It is a form POST with the CSRF token, so another
// site cannot start it.
func (h *Auth) Connect(c *fiber.Ctx) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	userID := h.ViewerOf(c).User.ID
	return h.begin(c, p, &models.AuthState{LinkUserID: &userID, NextPath: "/me"})
}

// begin sends the browser to the provider. The state, PKCE verifier, nonce
// and the provider's session wait in a row found by a short-lived cookie.
func (h *Auth) begin(c *fiber.Ctx, p *Provider, st *models.AuthState) error {
	st.Provider = p.Name
	st.State = randomToken()
	st.Verifier = oauth2.GenerateVerifier()
	st.Nonce = randomToken()
	gp, err := p.goth()
	if err != nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
	}
	sess, err := gp.BeginAuth(st.State)
	if err != nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
	}
	authURL, err := sess.GetAuthURL()
	if err != nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return fmt.Errorf("%s sign-in URL: %w", p.Name, err)
	}
	q := u.Query()
	if p.PKCE {
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(st.Verifier))
		q.Set("code_challenge_method", "S256")
	}
	if p.OIDC {
		q.Set("nonce", st.Nonce)
	}
	u.RawQuery = q.Encode()
	st.GothSession = sess.Marshal()

	token, err := h.Store.SaveAuthState(c.UserContext(), st)
	if err != nil {
		return err
	}
	h.setOAuthCookie(c, token, int(models.AuthStateTTL.Seconds()))
	return c.Redirect(u.String(), fiber.StatusSeeOther)
}

// setOAuthCookie keeps the sign-in in progress. Apple answers with a
// cross-site form POST, so over https the cookie is SameSite=None.
func (h *Auth) setOAuthCookie(c *fiber.Ctx, value string, maxAge int) {
	sameSite := fiber.CookieSameSiteLaxMode
	if h.Secure {
		sameSite = fiber.CookieSameSiteNoneMode
	}
	c.Cookie(&fiber.Cookie{
		Name: oauthCookie, Value: value, Path: "/auth/", MaxAge: maxAge,
		HTTPOnly: true, Secure: h.Secure, SameSite: sameSite,
	})
}

// Callback finishes a provider sign-in. The waiting row is used once; state
// must match in constant time, come back to the same provider within ten
// minutes, and for OpenID Connect the ID token must carry our nonce.
func (h *Auth) Callback(c *fiber.Ctx) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	param := c.Query
	if c.Method() == fiber.MethodPost {
		param = func(key string, def ...string) string { return c.FormValue(key, def...) }
	}
	ctx := c.UserContext()
	cookie := c.Cookies(oauthCookie)
	h.setOAuthCookie(c, "", -1)
	st, err := h.Store.TakeAuthState(ctx, cookie)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return fiber.ErrForbidden
	case err != nil:
		return err
	}
	if st.Provider != p.Name || h.Store.Now().Sub(st.CreatedAt) > models.AuthStateTTL ||
		subtle.ConstantTimeCompare([]byte(param("state")), []byte(st.State)) != 1 ||
		param("redirect_uri") != "" {
		return fiber.ErrForbidden
	}
	if param("error") != "" {
		return h.redirectWithFlash(c, "/login?next="+url.QueryEscape(st.NextPath), "sign_in_cancelled")
	}

	gp, err := p.goth()
	if err != nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, err.Error())
	}
	sess, err := gp.UnmarshalSession(st.GothSession)
	if err != nil {
		return fmt.Errorf("%s session: %w", p.Name, err)
	}
	params := url.Values{"code": {param("code")}}
	if p.PKCE {
		params.Set("code_verifier", st.Verifier)
	}
	if _, err := sess.Authorize(gp, params); err != nil {
		h.Log.Warn("sign-in refused by provider", "provider", p.Name, "error", err)
		return fiber.ErrForbidden
	}
	gu, err := gp.FetchUser(sess)
	if err != nil {
		h.Log.Warn("sign-in: provider sent no user", "provider", p.Name, "error", err)
		return fiber.ErrForbidden
	}
	if p.OIDC {
		if nonce, _ := gu.RawData["nonce"].(string); subtle.ConstantTimeCompare([]byte(nonce), []byte(st.Nonce)) != 1 {
			return fiber.ErrForbidden
		}
	}

	profile := models.Profile{
		Provider:      p.Name,
		Subject:       gu.UserID,
		Email:         gu.Email,
		EmailVerified: p.EmailVerified != nil && p.EmailVerified(gu),
		Name:          strings.TrimSpace(firstNonEmpty(gu.Name, gu.FirstName+" "+gu.LastName)),
		Nickname:      gu.NickName,
	}
	if strings.HasPrefix(gu.AvatarURL, "https://") && len(gu.AvatarURL) <= 500 {
		profile.AvatarURL = gu.AvatarURL
	}
	user, _, err := h.Store.SignInWithProvider(ctx, profile, models.SignInOptions{LinkTo: st.LinkUserID, AdminEmails: h.AdminEmails})
	switch {
	case errors.Is(err, models.ErrBanned):
		return h.banned(c)
	case errors.Is(err, models.ErrConflict) && st.LinkUserID != nil:
		return h.redirectWithFlash(c, "/me", "identity_taken")
	case err != nil:
		return err
	}
	if st.LinkUserID != nil {
		return h.redirectWithFlash(c, "/me", "identity_linked")
	}
	if err := h.StartSession(c, user.ID); err != nil {
		return err
	}
	return c.Redirect(SafeNext(st.NextPath), fiber.StatusSeeOther)
}

func (h *Auth) banned(c *fiber.Ctx) error {
	return c.Status(fiber.StatusForbidden).Render("auth/banned", struct{ Layout }{h.layout(c, "auth.banned.title", "")})
}

// SendLink emails a sign-in link. The answer is the same whether or not the
// address belongs to a member.
func (h *Auth) SendLink(c *fiber.Ctx) error {
	email, next := strings.TrimSpace(c.FormValue("email")), SafeNext(c.FormValue("next"))
	v := h.ViewerOf(c)
	compose := func(token string) models.Email {
		link := h.BaseURL + "/auth/email/" + token
		return models.Email{
			Subject: views.T(v.L, "email.login.subject", "Brand", h.BrandName(c)),
			Text:    views.T(v.L, "email.login.text", "Brand", h.BrandName(c), "Link", link, "Minutes", int(models.LoginTokenTTL.Minutes())),
		}
	}
	err := h.Store.SendLoginLink(c.UserContext(), email, next, compose)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data := loginPage{Layout: h.layout(c, "auth.login.title", "login"), Providers: h.Providers, Next: next, Email: email, Errors: invalid}
		return c.Status(fiber.StatusUnprocessableEntity).Render("auth/login", data)
	}
	if err != nil {
		return err
	}
	return c.Render("auth/sent", struct{ Layout }{h.layout(c, "auth.sent.title", "login")})
}

type linkPage struct {
	Layout
	Token  string
	Link   *models.LoginLink
	Name   string
	Errors models.ValidationErrors
}

// ShowLink asks to confirm an emailed sign-in link. Opening the link does
// not use it, so mail scanners that follow links cannot spend it.
func (h *Auth) ShowLink(c *fiber.Ctx) error {
	token := c.Params("token")
	link, err := h.Store.PeekLoginLink(c.UserContext(), token)
	if errors.Is(err, models.ErrNotFound) {
		return h.invalidLink(c)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("auth/confirm", linkPage{Layout: h.layout(c, "auth.confirm.title", "login"), Token: token, Link: link})
}

// UseLink signs in with an emailed link, once. A new member gives a name.
func (h *Auth) UseLink(c *fiber.Ctx) error {
	token, name := c.Params("token"), c.FormValue("name")
	ctx := c.UserContext()
	user, next, _, err := h.Store.SignInWithLink(ctx, token, name, h.AdminEmails)
	var invalid models.ValidationErrors
	switch {
	case errors.As(err, &invalid):
		link, perr := h.Store.PeekLoginLink(ctx, token)
		if perr != nil {
			return h.invalidLink(c)
		}
		data := linkPage{Layout: h.layout(c, "auth.confirm.title", "login"), Token: token, Link: link, Name: name, Errors: invalid}
		return c.Status(fiber.StatusUnprocessableEntity).Render("auth/confirm", data)
	case errors.Is(err, models.ErrNotFound):
		return h.invalidLink(c)
	case errors.Is(err, models.ErrBanned):
		return h.banned(c)
	case err != nil:
		return err
	}
	if err := h.StartSession(c, user.ID); err != nil {
		return err
	}
	return c.Redirect(SafeNext(next), fiber.StatusSeeOther)
}

// invalidLink answers 410, which browsers may cache without being told: the
// page, in the reader's language and theme, must not be kept.
func (h *Auth) invalidLink(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusGone).Render("auth/invalid", struct{ Layout }{h.layout(c, "auth.invalid.title", "login")})
}

// randomToken returns 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
