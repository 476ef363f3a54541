package handlers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Statuses is the admins' page for the statuses ideas move through.
type Statuses struct{ *Deps }

type statusesPage struct {
	Layout
	Statuses []models.Status
	Kinds    []string
	// Use counts the ideas in each status, by id.
	Use map[int64]int64
	// The form as typed, which status it was for ("" for a new one), and what is wrong with it.
	Form     models.Status
	FormSlug string
	Errors   models.ValidationErrors
}

// List shows the statuses, each with its form, and a form for a new one.
func (h *Statuses) List(c *fiber.Ctx) error {
	return h.render(c, statusesPage{Form: models.Status{Colour: "#5f6b73", Kind: models.KindOpen}}, fiber.StatusOK)
}

func (h *Statuses) render(c *fiber.Ctx, data statusesPage, status int) error {
	data.Layout = h.layout(c, "statuses.title", "statuses")
	data.Kinds = models.Kinds
	var err error
	if data.Statuses, err = h.Store.Statuses(c.UserContext()); err != nil {
		return err
	}
	if data.Use, err = h.Store.StatusUse(c.UserContext()); err != nil {
		return err
	}
	return c.Status(status).Render("admin/statuses", data)
}

// statusForm reads a status form: every field is on it, so an unticked
// roadmap box means off.
func statusForm(c *fiber.Ctx) (models.StatusInput, error) {
	name, nameNL, colour, kind := c.FormValue("name"), c.FormValue("name_nl"), c.FormValue("colour"), c.FormValue("kind")
	roadmap := c.FormValue("roadmap") != ""
	in := models.StatusInput{Name: &name, NameNL: &nameNL, Colour: &colour, Kind: &kind, Roadmap: &roadmap}
	if raw := c.FormValue("position"); raw != "" {
		position, err := optionalInt(raw)
		if err != nil {
			return in, models.ValidationErrors{"position": "must be a number"}
		}
		in.Position = &position
	}
	return in, nil
}

// formOf is the form as typed, to show again with its errors.
func formOf(in models.StatusInput) models.Status {
	st := models.Status{Name: *in.Name, NameNL: *in.NameNL, Colour: *in.Colour, Kind: *in.Kind, OnRoadmap: *in.Roadmap}
	if in.Position != nil {
		st.Position = *in.Position
	}
	return st
}

// Create adds a status.
func (h *Statuses) Create(c *fiber.Ctx) error {
	in, err := statusForm(c)
	if err == nil {
		_, err = h.Store.CreateStatus(c.UserContext(), h.ViewerOf(c).User, in)
	}
	return h.afterSave(c, in, "", err)
}

// Update changes a status.
func (h *Statuses) Update(c *fiber.Ctx) error {
	slug := c.Params("slug")
	in, err := statusForm(c)
	if err == nil {
		_, err = h.Store.UpdateStatus(c.UserContext(), h.ViewerOf(c).User, slug, in)
	}
	return h.afterSave(c, in, slug, err)
}

func (h *Statuses) afterSave(c *fiber.Ctx, in models.StatusInput, slug string, err error) error {
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return h.render(c, statusesPage{Form: formOf(in), FormSlug: slug, Errors: invalid}, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/statuses", "status_saved")
}

// Move moves a status one place up or down the order.
func (h *Statuses) Move(c *fiber.Ctx) error {
	by := map[string]int{"up": -1, "down": 1}[c.FormValue("direction")]
	if err := h.Store.MoveStatus(c.UserContext(), h.ViewerOf(c).User, c.Params("slug"), by); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/statuses", "status_saved")
}

// Delete deletes a status, moving its ideas to the status chosen.
func (h *Statuses) Delete(c *fiber.Ctx) error {
	if !confirmed(c) {
		return h.unconfirmed(c, "/admin/statuses")
	}
	_, err := h.Store.DeleteStatus(c.UserContext(), h.ViewerOf(c).User, c.Params("slug"), c.FormValue("move_to"))
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/statuses", "status_deleted")
}

// StatusesAPI is the JSON API of the statuses.
type StatusesAPI struct{ *Deps }

// APIStatus is a status in the JSON API. name is English, name_nl Dutch
// (empty: the English name serves).
type APIStatus struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	NameNL   string `json:"name_nl"`
	Colour   string `json:"colour"`
	Kind     string `json:"kind"`
	Position int    `json:"position"`
	Roadmap  bool   `json:"roadmap"`
}

func apiStatus(st *models.Status) APIStatus {
	return APIStatus{Slug: st.Slug, Name: st.Name, NameNL: st.NameNL, Colour: st.Colour, Kind: st.Kind, Position: st.Position, Roadmap: st.OnRoadmap}
}

type statusBody struct {
	Name     *string `json:"name"`
	NameNL   *string `json:"name_nl"`
	Slug     *string `json:"slug"`
	Colour   *string `json:"colour"`
	Kind     *string `json:"kind"`
	Position *int    `json:"position"`
	Roadmap  *bool   `json:"roadmap"`
}

func (b statusBody) input() models.StatusInput {
	return models.StatusInput{Name: b.Name, NameNL: b.NameNL, Slug: b.Slug, Colour: b.Colour, Kind: b.Kind, Position: b.Position, Roadmap: b.Roadmap}
}

// List answers GET /statuses: every status in order.
func (h *StatusesAPI) List(c *fiber.Ctx) error {
	list, err := h.Store.Statuses(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]APIStatus, len(list))
	for i := range list {
		out[i] = apiStatus(&list[i])
	}
	return c.JSON(fiber.Map{"statuses": out})
}

// Create answers POST /statuses (201).
func (h *StatusesAPI) Create(c *fiber.Ctx) error {
	var b statusBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return models.ValidationErrors{"name": "is required"}
	}
	st, err := h.Store.CreateStatus(c.UserContext(), h.ViewerOf(c).User, b.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(apiStatus(st))
}

// Update answers PATCH /statuses/:slug: the fields given change, the slug stays.
func (h *StatusesAPI) Update(c *fiber.Ctx) error {
	var b statusBody
	if err := readJSON(c, &b); err != nil {
		return err
	}
	if b.Slug != nil && *b.Slug != c.Params("slug") {
		return models.ValidationErrors{"slug": "cannot change: links and clients use it"}
	}
	st, err := h.Store.UpdateStatus(c.UserContext(), h.ViewerOf(c).User, c.Params("slug"), b.input())
	if err != nil {
		return err
	}
	return c.JSON(apiStatus(st))
}

// Delete answers DELETE /statuses/:slug?move_to=S (204): its ideas move to S.
func (h *StatusesAPI) Delete(c *fiber.Ctx) error {
	if _, err := h.Store.DeleteStatus(c.UserContext(), h.ViewerOf(c).User, c.Params("slug"), c.Query("move_to")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Stylesheet answers GET /statuses.css: each status's badge in the colour
// its admin chose, with text that stays readable on it. (The pages' policy
// allows no inline styles; this sheet is served from Samen itself.)
func (h *Statuses) Stylesheet(c *fiber.Ctx) error {
	list, err := h.Store.Statuses(c.UserContext())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, st := range list {
		fmt.Fprintf(&b, ".status.status-is-%s { background: %s; color: %s; }\n", st.Slug, st.Colour, textOn(st.Colour))
	}
	c.Response().Header.DelAllCookies()
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.SendString(b.String())
}

// textOn picks black or white text for a #rrggbb background, whichever
// contrasts more (WCAG relative luminance).
func textOn(colour string) string {
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(colour[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return "#fff"
		}
		c := float64(v) / 255
		if c <= 0.03928 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	l := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	if (l+0.05)/0.05 > 1.05/(l+0.05) {
		return "#000"
	}
	return "#fff"
}
