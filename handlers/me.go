package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Me is the signed-in member's own page: profile, sessions and API tokens.
type Me struct{ *Deps }

type mePage struct {
	Layout
	Sessions []models.Session
	Tokens   []models.APIToken
	NewToken string // shown once, right after it was made
}

// Show renders /me.
func (h *Me) Show(c *fiber.Ctx) error {
	return h.renderPage(c, "")
}

func (h *Me) renderPage(c *fiber.Ctx, newToken string) error {
	data := mePage{Layout: h.layout(c, "me.title", "me"), NewToken: newToken}
	ctx, user := c.UserContext(), data.User
	var err error
	if data.Sessions, err = h.Store.Sessions(ctx, user.ID); err != nil {
		return err
	}
	if data.Tokens, err = h.Store.APITokens(ctx, user.ID); err != nil {
		return err
	}
	return c.Render("me/index", data)
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
	token, _, err := h.Store.CreateAPIToken(c.UserContext(), v.User.ID, c.FormValue("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.renderPage(c, token)
}

// RevokeToken deletes one of the member's API tokens.
func (h *Me) RevokeToken(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
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
