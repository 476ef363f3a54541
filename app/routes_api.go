package app

import "github.com/gofiber/fiber/v2"

// apiIdeaRoutes are the JSON API's idea, vote, comment, status and category routes.
func (s *server) apiIdeaRoutes(api fiber.Router) {
}
