package app

import (
	"github.com/gofiber/fiber/v2"

	"samen/handlers"
	"samen/models"
	"samen/static"
)

// routes is the one table of every URL, its middleware and its handler.
func (s *server) routes(app *fiber.App, assets *static.Assets) {
	d := s.deps
	var (
		files   = &handlers.Static{Assets: assets}
		health  = &handlers.Health{Deps: d}
		ideas   = &handlers.Ideas{Deps: d}
		members = &handlers.Members{Deps: d}
		cats    = &handlers.Categories{Deps: d}
		ideaAPI = &handlers.IdeasAPI{Deps: d}
		lang    = &handlers.Lang{Deps: d}
		auth    = &handlers.Auth{Deps: d, Providers: s.providers, AdminEmails: s.cfg.AdminEmails}
		me      = &handlers.Me{Deps: d, Providers: s.providers}
		feeds   = &handlers.Feeds{Deps: d}
	)

	// Served before sessions and rate limits: no database work, no cookies.
	app.Get("/static/*", files.Serve)
	app.Get("/healthz", health.Live)
	app.Get("/readyz", health.Ready)
	app.Get("/metrics", s.metrics.handler())

	app.Use(s.viewer, s.checkCSRF)
	app.Use(s.rateLimits()...)

	propose, team := s.require(models.ActPropose), s.require(models.ActSetStatus)
	app.Get("/", ideas.List)
	app.Get("/ideas/new", propose, ideas.New)
	app.Get("/ideas/similar", ideas.Similar)
	app.Post("/ideas", propose, ideas.Create)
	app.Post("/ideas/:id/vote", propose, ideas.Vote)
	app.Post("/ideas/:id/unvote", propose, ideas.Unvote)
	app.Post("/ideas/:id/comments", propose, ideas.Comment)
	app.Post("/ideas/:id/status", team, ideas.SetStatus)
	app.Get("/ideas/:id/edit", propose, ideas.Edit)
	app.Post("/ideas/:id/edit", propose, ideas.Update)
	app.Post("/ideas/:id/delete", propose, ideas.Delete)
	app.Post("/ideas/:id/comments/:comment/edit", propose, ideas.EditComment)
	app.Post("/ideas/:id/comments/:comment/delete", propose, ideas.DeleteComment)
	app.Get("/ideas/:id/:slug?", ideas.Show)
	app.Get("/members/:id", members.Show)
	app.Get("/search", ideas.Search)
	app.Get("/feeds/ideas.atom", feeds.Ideas)
	app.Get("/feeds/ideas/:id.atom", feeds.Idea)
	app.Get("/feeds/changelog.atom", feeds.Changelog)
	app.Post("/lang", lang.Set)
	app.Post("/logout", me.Logout)

	app.Get("/login", auth.Login)
	app.Post("/auth/email", append(s.signInLinkLimits(), auth.SendLink)...)
	app.Get("/auth/email/:token", auth.ShowLink)
	app.Post("/auth/email/:token", auth.UseLink)
	app.Get("/auth/:provider", auth.Begin)
	app.Get("/auth/:provider/callback", auth.Callback)
	app.Post("/auth/:provider/callback", auth.Callback) // Apple's form_post; state protects it, not CSRF

	member := s.require(models.ActAccount)
	app.Get("/me", member, me.Show)
	app.Post("/me/profile", member, me.UpdateProfile)
	app.Post("/me/identities/:id/unlink", member, me.Unlink)
	app.Post("/me/sessions/revoke-all", member, me.SignOutEverywhere)
	app.Post("/me/sessions/:id/revoke", member, me.RevokeSession)
	app.Post("/me/tokens", member, me.CreateToken)
	app.Post("/me/tokens/:id/revoke", member, me.RevokeToken)

	admin := s.require(models.ActManageCategories)
	app.Get("/admin/categories", admin, cats.List)
	app.Post("/admin/categories", admin, cats.Save)
	app.Post("/admin/categories/:id", admin, cats.Save)
	app.Post("/admin/categories/:id/delete", admin, cats.Delete)

	api := app.Group("/api/v1")
	api.Get("/me", member, me.ShowAPI)
	api.Get("/ideas", ideaAPI.List)
	api.Post("/ideas", propose, ideaAPI.Create)
	api.Get("/ideas/:id", ideaAPI.Show)
	api.Patch("/ideas/:id", propose, ideaAPI.Update)
	api.Delete("/ideas/:id", propose, ideaAPI.Delete)
	api.Post("/ideas/:id/vote", propose, ideaAPI.Vote)
	api.Delete("/ideas/:id/vote", propose, ideaAPI.Unvote)
	api.Get("/ideas/:id/comments", ideaAPI.Comments)
	api.Post("/ideas/:id/comments", propose, ideaAPI.Comment)
	api.Put("/ideas/:id/status", team, ideaAPI.SetStatus)
	api.Get("/categories", ideaAPI.Categories)

	app.Use(func(*fiber.Ctx) error { return fiber.ErrNotFound })
}
