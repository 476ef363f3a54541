package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"samen/models"
	"samen/views"
)

// Export answers GET /me/export and GET /api/v1/me/export: everything Samen
// holds about the caller, as one JSON file to keep.
func (h *Me) Export(c *fiber.Ctx) error {
	u := h.ViewerOf(c).User
	out, err := h.Store.ExportOf(c.UserContext(), u)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="samen-export-`+strconv.FormatInt(u.ID, 10)+`.json"`)
	return c.JSON(out)
}

// DeleteAccount answers POST /me/delete: with the confirmation typed, the
// account is deleted at once and this browser signed out; otherwise /me
// again, with what is wrong.
func (h *Me) DeleteAccount(c *fiber.Ctx) error {
	u := h.ViewerOf(c).User
	err := h.Store.DeleteAccount(c.UserContext(), u, c.FormValue("confirm"))
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data := h.page(c)
		data.DeleteErrors = invalid
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderPage(c, &data)
	}
	if err != nil {
		return err
	}
	h.ClearSessionCookie(c)
	return h.redirectWithFlash(c, "/", "account_deleted")
}

// DeleteAPI answers DELETE /api/v1/me {"confirm":"<the caller's email>"}
// (their display name when they have no email): 204, and the session or
// token of this very request works no more.
func (h *Me) DeleteAPI(c *fiber.Ctx) error {
	var body struct {
		Confirm string `json:"confirm"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if err := h.Store.DeleteAccount(c.UserContext(), v.User, body.Confirm); err != nil {
		return err
	}
	if v.Session != nil {
		h.ClearSessionCookie(c)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// SavePrivacy answers POST /me/privacy: whether the member's name shows
// among an idea's voters, and the language pages speak to them in.
func (h *Me) SavePrivacy(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), h.ViewerOf(c).User
	lang := c.FormValue("language")
	if _, ok := views.LanguageNames[lang]; !ok && lang != "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "unknown language")
	}
	if err := h.Store.SetShowVotes(ctx, u.ID, c.FormValue("show_votes") != ""); err != nil {
		return err
	}
	if err := h.Store.SetLocale(ctx, u.ID, lang); err != nil {
		return err
	}
	if lang != "" {
		c.Cookie(&fiber.Cookie{
			Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HTTPOnly: true, Secure: h.Secure, SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
	return h.redirectWithFlash(c, "/me", "privacy_saved")
}

// APIPrivacy is the member's privacy and language choices in the API.
type APIPrivacy struct {
	ShowVotes bool   `json:"show_votes"`
	Language  string `json:"language"`
}

// UpdateAPI answers PATCH /api/v1/me {"show_votes"?,"language"?}: "" as
// language follows the browser again.
func (h *Me) UpdateAPI(c *fiber.Ctx) error {
	var body struct {
		ShowVotes *bool   `json:"show_votes"`
		Language  *string `json:"language"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	ctx, u := c.UserContext(), h.ViewerOf(c).User
	if body.Language != nil {
		if _, ok := views.LanguageNames[*body.Language]; !ok && *body.Language != "" {
			return models.ValidationErrors{"language": "must be en, nl or empty"}
		}
	}
	out := APIPrivacy{ShowVotes: u.ShowVotes, Language: u.Locale}
	if body.ShowVotes != nil {
		if err := h.Store.SetShowVotes(ctx, u.ID, *body.ShowVotes); err != nil {
			return err
		}
		out.ShowVotes = *body.ShowVotes
	}
	if body.Language != nil {
		if err := h.Store.SetLocale(ctx, u.ID, *body.Language); err != nil {
			return err
		}
		out.Language = *body.Language
	}
	return c.JSON(out)
}
