package handlers

import (
	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Members are the public profiles: what a member proposed and said.
type Members struct{ *Deps }

type memberPage struct {
	Layout
	Member   *models.User
	Ideas    *models.IdeaPage
	Comments []models.Comment
}

// Show is a member's public page.
func (h *Members) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, v := c.UserContext(), h.ViewerOf(c)
	member, err := h.Store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	data := memberPage{Layout: h.layout(c, "", ""), Member: member}
	data.Title = member.Name
	if data.Ideas, err = h.Store.ListIdeas(ctx, models.ListOptions{AuthorID: member.ID, Sort: models.SortNew, PerPage: 50}, v.User); err != nil {
		return err
	}
	if data.Comments, err = h.Store.CommentsBy(ctx, member.ID, 20); err != nil {
		return err
	}
	return c.Render("members/show", data)
}
