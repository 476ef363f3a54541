package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Settings is the admins' page for moderation and the spam brakes.
type Settings struct{ *Deps }

type settingsPage struct {
	Layout
	Keys      []string
	Values    map[string]string
	PublicLog bool
	Errors    models.ValidationErrors
}

// Show is the settings form with the values in force.
func (h *Settings) Show(c *fiber.Ctx) error {
	st, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, settingsPage{Values: st.Form(), PublicLog: st.PublicModerationLog}, fiber.StatusOK)
}

func (h *Settings) render(c *fiber.Ctx, data settingsPage, status int) error {
	data.Layout = h.layout(c, "settings.title", "settings")
	data.Keys = models.SettingKeys()
	return c.Status(status).Render("admin/settings", data)
}

// Save stores the settings; invalid values come back with the form as typed.
func (h *Settings) Save(c *fiber.Ctx) error {
	data := settingsPage{Values: map[string]string{}, PublicLog: c.FormValue("public_moderation_log") != ""}
	for _, k := range models.SettingKeys() {
		data.Values[k] = c.FormValue(k)
	}
	_, err := h.Store.SaveSettings(c.UserContext(), h.ViewerOf(c).User, data.Values, data.PublicLog)
	if errors.As(err, &data.Errors) {
		return h.render(c, data, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/settings", "settings_saved")
}
