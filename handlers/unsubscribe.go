package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Unsubscribe is the link in every notification email (RFC 8058): GET shows
// a page with a button, POST turns the email off. Neither needs a session:
// the signed token says whose email and which.
type Unsubscribe struct{ *Deps }

type unsubscribePage struct {
	Layout
	Token string
	What  string // the email the link turns off, in the reader's language
	Done  bool
}

// Show answers GET /unsubscribe/:token. Opening the link changes nothing,
// so mail scanners that follow links cannot unsubscribe anyone.
func (h *Unsubscribe) Show(c *fiber.Ctx) error {
	token := c.Params("token")
	u, err := h.Store.ParseUnsubscribe(c.UserContext(), token)
	if err != nil {
		return h.invalid(c, err)
	}
	data := unsubscribePage{Layout: h.layout(c, "unsubscribe.title", ""), Token: token, What: h.what(c, u)}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("unsubscribe/show", data)
}

// Act answers POST /unsubscribe/:token, from the page's button or from a
// mail client's one-click unsubscribe (no cookies, no CSRF token).
func (h *Unsubscribe) Act(c *fiber.Ctx) error {
	u, err := h.Store.Unsubscribe(c.UserContext(), c.Params("token"))
	if err != nil {
		return h.invalid(c, err)
	}
	data := unsubscribePage{Layout: h.layout(c, "unsubscribe.done.title", ""), What: h.what(c, u), Done: true}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("unsubscribe/show", data)
}

func (h *Unsubscribe) what(c *fiber.Ctx, u *models.Unsubscription) string {
	kinds := u.Kinds
	if u.All {
		kinds = nil
	}
	return models.UnsubscribeWhat(h.ViewerOf(c).L, kinds)
}

// invalid answers a link that is not (or no longer) valid with a friendly
// 404 page; anything else is an error.
func (h *Unsubscribe) invalid(c *fiber.Ctx, err error) error {
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	c.Status(fiber.StatusNotFound)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("unsubscribe/invalid", h.layout(c, "unsubscribe.invalid.title", ""))
}
