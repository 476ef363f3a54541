package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Preferences are a member's choices of language, following and email: the
// API, and the email settings form on /me.
type Preferences struct {
	*Deps
	Me *Me
}

// APIPreferences is GET /api/v1/me/preferences, and what PATCH takes (any part).
type APIPreferences struct {
	Language      string            `json:"language"`
	AutoSubscribe bool              `json:"auto_subscribe"`
	Digest        string            `json:"digest"`
	Email         map[string]string `json:"email"`
}

type preferencesInput struct {
	Language      *string           `json:"language"`
	AutoSubscribe *bool             `json:"auto_subscribe"`
	Digest        *string           `json:"digest"`
	Email         map[string]string `json:"email"`
}

func apiPreferences(p *models.Preferences) APIPreferences {
	return APIPreferences{Language: p.Language, AutoSubscribe: p.AutoSubscribe, Digest: p.Digest, Email: p.Email}
}

// Show answers GET /api/v1/me/preferences.
func (h *Preferences) Show(c *fiber.Ctx) error {
	p, err := h.Store.Preferences(c.UserContext(), h.ViewerOf(c).User.ID)
	if err != nil {
		return err
	}
	return c.JSON(apiPreferences(p))
}

// Update answers PATCH /api/v1/me/preferences: it changes the parts given.
func (h *Preferences) Update(c *fiber.Ctx) error {
	var in preferencesInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	change := models.PreferencesChange{Language: in.Language, AutoSubscribe: in.AutoSubscribe, Digest: in.Digest, Email: in.Email}
	p, err := h.Store.UpdatePreferences(c.UserContext(), h.ViewerOf(c).User.ID, change)
	if err != nil {
		return err
	}
	return c.JSON(apiPreferences(p))
}

// Save answers the email settings form on /me, which sends every field.
func (h *Preferences) Save(c *fiber.Ctx) error {
	language, digest := c.FormValue("language"), c.FormValue("digest")
	follow := c.FormValue("auto_subscribe") != ""
	change := models.PreferencesChange{Language: &language, Digest: &digest, AutoSubscribe: &follow, Email: map[string]string{}}
	for _, kind := range models.NotificationKinds {
		if mode := c.FormValue("email." + kind); mode != "" {
			change.Email[kind] = mode
		}
	}
	_, err := h.Store.UpdatePreferences(c.UserContext(), h.ViewerOf(c).User.ID, change)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data := h.Me.page(c)
		data.PrefsErrors = invalid
		c.Status(fiber.StatusUnprocessableEntity)
		return h.Me.renderPage(c, &data)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/me#email-settings", "preferences_saved")
}
