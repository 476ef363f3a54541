package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Me is the signed-in member's own page: profile, sign-in methods,
// sessions and API tokens.
type Me struct {
	*Deps
	// Providers can be connected as further ways to sign in.
	Providers []*Provider
}

type mePage struct {
	Layout
	Identities []models.Identity
	Connect    []*Provider // configured providers not linked yet
	Sessions   []models.Session
	Tokens     []models.APIToken
	Reports    []models.Report // the member's reports and what became of them
	Trust      *models.TrustProgress
	// MaySuggest offers the form that suggests categories and tags.
	MaySuggest bool
	Suspended  bool
	Now        time.Time
	NewToken   string // shown once, right after it was made
	// TokenForm and TokenErrors are the new-token form, as typed, and what is wrong with it.
	TokenForm   models.NewAPIToken
	TokenErrors models.ValidationErrors
	// TokenLifetimes are the form's choices of how long a new token works.
	TokenLifetimes []string
	Name           string // the profile form, as typed
	AvatarURL      string
	Errors         models.ValidationErrors
	// DeleteErrors says what is wrong with the delete-account confirmation.
	DeleteErrors models.ValidationErrors
	// Prefs are the email settings form's values; PrefsErrors what is wrong
	// with the last one sent.
	Prefs       *models.Preferences
	PrefsErrors models.ValidationErrors
	// MailKinds, MailModes and DigestPeriods are the form's choices.
	MailKinds, MailModes, DigestPeriods []string
}

// Show renders /me.
func (h *Me) Show(c *fiber.Ctx) error {
	data := h.page(c)
	return h.renderPage(c, &data)
}

func (h *Me) page(c *fiber.Ctx) mePage {
	data := mePage{Layout: h.layout(c, "me.title", "me"), TokenLifetimes: []string{"7d", "30d", "90d", "365d"}}
	data.Name, data.AvatarURL = data.User.Name, data.User.AvatarURL
	return data
}

func (h *Me) renderPage(c *fiber.Ctx, data *mePage) error {
	ctx, user := c.UserContext(), data.User
	var err error
	if data.Identities, err = h.Store.Identities(ctx, user.ID); err != nil {
		return err
	}
	linked := map[string]bool{}
	for _, id := range data.Identities {
		linked[id.Provider] = true
	}
	for _, p := range h.Providers {
		if !linked[p.Name] {
			data.Connect = append(data.Connect, p)
		}
	}
	if data.Sessions, err = h.Store.Sessions(ctx, user.ID); err != nil {
		return err
	}
	if data.Tokens, err = h.Store.APITokens(ctx, user.ID); err != nil {
		return err
	}
	if data.Reports, err = h.Store.ReportsBy(ctx, user.ID, 50); err != nil {
		return err
	}
	if data.Prefs, err = h.Store.Preferences(ctx, user.ID); err != nil {
		return err
	}
	if data.Trust, err = h.Store.TrustProgress(ctx, user); err != nil {
		return err
	}
	settings, err := h.Store.Settings(ctx)
	if err != nil {
		return err
	}
	data.MaySuggest = models.MaySuggest(user, settings, h.Store.Now())
	data.MailKinds, data.MailModes, data.DigestPeriods = models.NotificationKinds, models.MailModes, models.DigestPeriods
	data.Now = h.Store.Now()
	data.Suspended = user.Suspended(data.Now)
	return c.Render("me/index", data)
}

// UpdateProfile changes the member's display name and avatar.
func (h *Me) UpdateProfile(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	name, avatar := c.FormValue("name"), c.FormValue("avatar_url")
	err := h.Store.UpdateProfile(c.UserContext(), v.User.ID, name, avatar)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data := h.page(c)
		data.Name, data.AvatarURL, data.Errors = name, avatar, invalid
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderPage(c, &data)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/me", "profile_saved")
}

// Unlink removes a sign-in provider from the account, while another way remains.
func (h *Me) Unlink(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	err = h.Store.Unlink(c.UserContext(), h.ViewerOf(c).User.ID, int64(id))
	if errors.Is(err, models.ErrConflict) {
		return h.redirectWithFlash(c, "/me", "unlink_last")
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/me", "identity_unlinked")
}

// SignOutEverywhere ends every session of the member, this one included,
// and when asked the member's API tokens too.
func (h *Me) SignOutEverywhere(c *fiber.Ctx) error {
	tokens := c.FormValue("revoke_tokens") != ""
	if err := h.Store.RevokeAllSessions(c.UserContext(), h.ViewerOf(c).User.ID, tokens); err != nil {
		return err
	}
	h.ClearSessionCookie(c)
	return h.redirectWithFlash(c, "/", "signed_out_everywhere")
}

// RevokeSession ends one of the member's sessions (a lost phone, a shared computer).
func (h *Me) RevokeSession(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	v := h.ViewerOf(c)
	if err := h.Store.RevokeSession(c.UserContext(), v.User.ID, int64(id)); err != nil {
		return err
	}
	if v.Session != nil && v.Session.ID == int64(id) {
		h.ClearSessionCookie(c)
		return h.redirectWithFlash(c, "/", "signed_out")
	}
	return h.redirectWithFlash(c, "/me", "session_revoked")
}

// CreateToken makes an API token and shows it once.
func (h *Me) CreateToken(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	spec := models.NewAPIToken{Name: c.FormValue("name"), Expires: c.FormValue("expires"), ReadOnly: c.FormValue("read_only") != ""}
	token, _, err := h.Store.CreateAPIToken(c.UserContext(), v.User.ID, spec)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data := h.page(c)
		data.TokenForm, data.TokenErrors = spec, invalid
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderPage(c, &data)
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	data := h.page(c)
	data.NewToken = token
	return h.renderPage(c, &data)
}

// RevokeToken deletes one of the member's API tokens.
func (h *Me) RevokeToken(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	if !confirmed(c) {
		return h.unconfirmed(c, "/me#tokens-title")
	}
	if err := h.Store.RevokeAPIToken(c.UserContext(), h.ViewerOf(c).User.ID, int64(id)); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/me", "token_revoked")
}

// Logout ends this browser's session.
func (h *Me) Logout(c *fiber.Ctx) error {
	if token := c.Cookies(SessionCookie); token != "" {
		if err := h.Store.RevokeSessionToken(c.UserContext(), token); err != nil {
			return err
		}
	}
	h.ClearSessionCookie(c)
	return h.redirectWithFlash(c, "/", "signed_out")
}

// APIUser is a user as the JSON API shows them to themselves.
type APIUser struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	AvatarURL string `json:"avatar_url"`
}

// ShowAPI answers GET /api/v1/me.
func (h *Me) ShowAPI(c *fiber.Ctx) error {
	u := h.ViewerOf(c).User
	out := APIUser{ID: u.ID, Name: u.Name, Role: string(u.Role), AvatarURL: u.AvatarURL}
	if u.Email != nil {
		out.Email = *u.Email
	}
	return c.JSON(out)
}

// SessionCookie carries the session token.
const SessionCookie = "samen_session"

// StartSession signs the user in on this browser: a new session and a new
// cookie, replacing whatever session the browser had.
func (d *Deps) StartSession(c *fiber.Ctx, userID int64) error {
	ctx := c.UserContext()
	if old := c.Cookies(SessionCookie); old != "" {
		if err := d.Store.RevokeSessionToken(ctx, old); err != nil {
			return err
		}
	}
	token, sess, err := d.Store.CreateSession(ctx, userID, c.Get(fiber.HeaderUserAgent), d.ViewerOf(c).IP)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return nil
}

// ClearSessionCookie tells the browser to forget its session.
func (d *Deps) ClearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}
