package handlers

import "github.com/gofiber/fiber/v2"

// Home is the front page.
type Home struct{ *Deps }

type homePage struct {
	Layout
}

// Show renders the front page.
func (h *Home) Show(c *fiber.Ctx) error {
	return c.Render("home/index", homePage{Layout: h.layout(c, "", "home")})
}
