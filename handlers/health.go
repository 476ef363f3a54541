package handlers

import "github.com/gofiber/fiber/v2"

// Health answers load balancers and orchestrators.
type Health struct{ *Deps }

// Live reports that the process serves requests.
func (h *Health) Live(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// Ready reports whether the database answers, so traffic goes elsewhere when not.
func (h *Health) Ready(c *fiber.Ctx) error {
	if err := h.Store.Ping(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": "ok"})
}
