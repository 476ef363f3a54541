package handlers

import (
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// Health answers load balancers and orchestrators.
type Health struct {
	*Deps
	// Stopping is set once the instance has been asked to stop: it is no
	// longer ready, so a load balancer sends new requests elsewhere while it
	// finishes the ones it has.
	Stopping *atomic.Bool
}

// Live reports that the process serves requests.
func (h *Health) Live(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// Ready reports whether the database answers, so traffic goes elsewhere when not.
func (h *Health) Ready(c *fiber.Ctx) error {
	if h.Stopping != nil && h.Stopping.Load() {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "stopping"})
	}
	if err := h.Store.Ping(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ok", "database": "ok"})
}
