package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Categories is the admins' page for the board's categories.
type Categories struct{ *Deps }

type categoriesPage struct {
	Layout
	Categories []models.Category
	// The form of a new category, as typed, and what is wrong with it.
	Form   models.CategoryInput
	FormID int64
	Errors models.ValidationErrors
}

// List shows the categories with a form for each and one for a new one.
func (h *Categories) List(c *fiber.Ctx) error {
	return h.render(c, categoriesPage{}, fiber.StatusOK)
}

func (h *Categories) render(c *fiber.Ctx, data categoriesPage, status int) error {
	data.Layout = h.layout(c, "categories.title", "categories")
	var err error
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	return c.Status(status).Render("admin/categories", data)
}

// Save creates (no id) or changes a category.
func (h *Categories) Save(c *fiber.Ctx) error {
	var id int64
	if p := c.Params("id"); p != "" {
		var err error
		if id, err = strconv.ParseInt(p, 10, 64); err != nil {
			return fiber.ErrNotFound
		}
	}
	in := models.CategoryInput{Name: c.FormValue("name"), NameNL: c.FormValue("name_nl"), Slug: c.FormValue("slug"), Description: c.FormValue("description")}
	position, err := optionalInt(c.FormValue("position"))
	if err != nil {
		return h.render(c, categoriesPage{Form: in, FormID: id, Errors: models.ValidationErrors{"position": "must be a number"}}, fiber.StatusUnprocessableEntity)
	}
	in.Position = position
	saved, err := h.Store.SaveCategory(c.UserContext(), id, in)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return h.render(c, categoriesPage{Form: in, FormID: id, Errors: invalid}, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	audit := models.Audit{Actor: h.ViewerOf(c).User, Action: models.AuditCategory, TargetType: models.TargetCategory, TargetID: saved.ID, Reason: saved.Slug}
	if err := h.Store.Record(c.UserContext(), audit); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/categories", "category_saved")
}

// Delete removes a category; its ideas stay, without a category.
func (h *Categories) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return h.unconfirmed(c, "/admin/categories")
	}
	if err := h.Store.DeleteCategory(c.UserContext(), id); err != nil {
		return err
	}
	audit := models.Audit{Actor: h.ViewerOf(c).User, Action: models.AuditCategoryDel, TargetType: models.TargetCategory, TargetID: id}
	if err := h.Store.Record(c.UserContext(), audit); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/categories", "category_deleted")
}
