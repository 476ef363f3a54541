package handlers

import (
	"github.com/gofiber/fiber/v2"

	"samen/views"
)

// Lang switches the language pages are shown in.
type Lang struct{ *Deps }

// LangCookie remembers a visitor's language choice.
const LangCookie = "samen_lang"

// Set answers POST /lang: it remembers the choice (on the member, or in a
// cookie for visitors) and returns to the page it came from.
func (h *Lang) Set(c *fiber.Ctx) error {
	lang := c.FormValue("lang")
	if _, ok := views.LanguageNames[lang]; !ok {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "unknown language")
	}
	next := SafeNext(c.FormValue("next"))
	if v := h.ViewerOf(c); v.User != nil {
		if err := h.Store.SetLocale(c.UserContext(), v.User.ID, lang); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{
		Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: h.Secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(next, fiber.StatusSeeOther)
}
