package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// Theme switches between the light and the dark theme, or back to
// following the system's setting. It works without JavaScript: a form
// posts the choice and the page comes back with it.
type Theme struct{ *Deps }

// ThemeCookie remembers the choice: "light", "dark" or "system".
const ThemeCookie = "samen_theme"

// ThemeOf is the theme the viewer chose, "light" or "dark", or "" to follow
// the system (prefers-color-scheme).
func ThemeOf(c *fiber.Ctx) string {
	switch t := c.Cookies(ThemeCookie); t {
	case "light", "dark":
		return t
	}
	return ""
}

// Set answers POST /theme: it remembers the choice in a cookie for a year
// and returns to the page it came from.
func (h *Theme) Set(c *fiber.Ctx) error {
	theme := c.FormValue("theme")
	switch theme {
	case "light", "dark", "system":
	default:
		return fiber.NewError(fiber.StatusUnprocessableEntity, "unknown theme")
	}
	c.Cookie(&fiber.Cookie{
		Name: ThemeCookie, Value: theme, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: h.Secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(SafeNext(c.FormValue("next")), fiber.StatusSeeOther)
}
