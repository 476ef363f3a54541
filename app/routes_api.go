package app

import (
	"github.com/gofiber/fiber/v2"

	"samen/handlers"
	"samen/models"
)

// apiIdeaRoutes are the JSON API's idea, vote, comment, status and category routes.
func (s *server) apiIdeaRoutes(api fiber.Router) {
	ideas := &handlers.IdeasAPI{Deps: s.deps}
	propose, team := s.require(models.ActPropose), s.require(models.ActSetStatus)

	api.Get("/ideas", ideas.List)
	api.Post("/ideas", propose, ideas.Create)
	api.Get("/ideas/:id", ideas.Show)
	api.Patch("/ideas/:id", propose, ideas.Update)
	api.Delete("/ideas/:id", propose, ideas.Delete)
	api.Post("/ideas/:id/vote", propose, ideas.Vote)
	api.Delete("/ideas/:id/vote", propose, ideas.Unvote)
	api.Get("/ideas/:id/comments", ideas.Comments)
	api.Post("/ideas/:id/comments", propose, ideas.Comment)
	api.Put("/ideas/:id/status", team, ideas.SetStatus)
	api.Get("/categories", ideas.Categories)
}
