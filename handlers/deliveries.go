package handlers

import (
	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Deliveries shows admins the notification emails that are stuck or failing.
type Deliveries struct{ *Deps }

type deliveriesPage struct {
	Layout
	Deliveries []models.Delivery
	StuckAfter int // minutes
}

// List answers GET /admin/deliveries.
func (h *Deliveries) List(c *fiber.Ctx) error {
	list, err := h.Store.MailDeliveries(c.UserContext())
	if err != nil {
		return err
	}
	data := deliveriesPage{Layout: h.layout(c, "admin.deliveries.title", "deliveries"), Deliveries: list,
		StuckAfter: int(models.StuckDeliveryAfter.Minutes())}
	return c.Render("admin/deliveries", data)
}
