package app

import (
	"github.com/gofiber/fiber/v2"

	"samen/handlers"
	"samen/models"
	"samen/static"
)

// routes is the one table of every URL, the action it needs and its handler.
// Each route names its action (models.ActRead for what anyone may read): the
// require middleware enforces it, and the permission test reads it back from
// the router, so a route without its row in the table cannot go unnoticed.
func (s *server) routes(app *fiber.App, assets *static.Assets) {
	d := s.deps
	var (
		files    = &handlers.Static{Assets: assets}
		health   = &handlers.Health{Deps: d, Stopping: &s.stopping}
		ideas    = &handlers.Ideas{Deps: d}
		members  = &handlers.Members{Deps: d}
		cats     = &handlers.Categories{Deps: d}
		feeds    = &handlers.Feeds{Deps: d}
		mod      = &handlers.Moderation{Deps: d}
		settings = &handlers.Settings{Deps: d}
		ideaAPI  = &handlers.IdeasAPI{Deps: d}
		modAPI   = &handlers.ModerationAPI{Deps: d}
		triage   = &handlers.Triage{Deps: d}
		triAPI   = &handlers.TriageAPI{Deps: d}
		lang     = &handlers.Lang{Deps: d}
		auth     = &handlers.Auth{Deps: d, Providers: s.providers, AdminEmails: s.cfg.AdminEmails}
		me       = &handlers.Me{Deps: d, Providers: s.providers}
		entries  = &handlers.Changelog{Deps: d}
		entryAPI = &handlers.ChangelogAPI{Deps: d}
		statuses = &handlers.Statuses{Deps: d}
		stAPI    = &handlers.StatusesAPI{Deps: d}
		roadmap  = &handlers.Roadmap{Deps: d}
		export   = &handlers.Export{Deps: d}
		insights = &handlers.Analytics{Deps: d}
		hooks    = &handlers.Webhooks{Deps: d}
		hookAPI  = &handlers.WebhooksAPI{Deps: d}
		inbox    = &handlers.Notifications{Deps: d}
		share    = &handlers.Share{Deps: d, Images: s.shares}
		brand    = &handlers.Branding{Deps: d}
		theme    = &handlers.Theme{Deps: d}
		images   = &handlers.Images{Deps: d}
		prefs    = &handlers.Preferences{Deps: d, Me: me}
		unsub    = &handlers.Unsubscribe{Deps: d}
		delivery = &handlers.Deliveries{Deps: d}
		campAPI  = &handlers.CampaignsAPI{Deps: d}
		rounds   = &handlers.Rounds{Deps: d}
		roundAPI = &handlers.RoundsAPI{Deps: d}
		suggest  = &handlers.Suggestions{Deps: d}
		suggAPI  = &handlers.SuggestionsAPI{Deps: d}
		live     = s.live

		campaigns = &handlers.Campaigns{Deps: d}
	)
	r := &table{app: app, s: s}
	const (
		read, account, propose, comment = models.ActRead, models.ActAccount, models.ActPropose, models.ActComment
		vote, report, moderate, manage  = models.ActVote, models.ActReport, models.ActModerate, models.ActManageMembers
		audit, status, admin, settle    = models.ActReadAudit, models.ActSetStatus, models.ActManageCategories, models.ActManageSettings
		changelog                       = models.ActWriteChangelog
		statusAdmin                     = models.ActManageStatuses
		triaging                        = models.ActTriage
		webcare, exporting, analytics   = models.ActRecordForCustomer, models.ActExportIdeas, models.ActReadAnalytics
		webhooks                        = models.ActManageWebhooks
		notifications, follow           = models.ActReadNotifications, models.ActFollow
		branding                        = models.ActManageBranding
		deliveries                      = models.ActReadDeliveries
		campaigning                     = models.ActManageCampaigns
		rounding                        = models.ActManageRounds
		suggesting, reviewing           = models.ActSuggest, models.ActReviewSuggestions
		granting                        = models.ActGrantTrust
	)

	// Served before sessions and rate limits: no database work, no cookies.
	r.get("/static/*", read, files.Serve)
	r.get("/healthz", read, health.Live)
	r.get("/readyz", read, health.Ready)
	r.get("/metrics", read, s.metrics.handler())

	app.Use(s.replicaReads, s.viewer, s.checkCSRF, s.conditionalGet)
	app.Use(s.rateLimits()...)

	r.get("/", read, s.visitorPages, s.memberPages(ideas.List))
	r.get("/ideas/new", propose, ideas.New)
	r.get("/ideas/similar", read, ideas.Similar)
	r.post("/ideas", propose, ideas.Create)
	r.post("/ideas/:id/vote", vote, ideas.Vote)
	r.post("/ideas/:id/unvote", vote, ideas.Unvote)
	r.post("/ideas/:id/votes", webcare, ideas.VoteFor)
	r.post("/ideas/:id/comments", comment, ideas.Comment)
	r.post("/ideas/:id/status", status, ideas.SetStatus)
	r.post("/ideas/:id/triage", triaging, triage.Set)
	r.post("/ideas/:id/follow", follow, inbox.FollowIdea)
	r.post("/ideas/:id/unfollow", follow, inbox.UnfollowIdea)
	r.post("/categories/:slug/follow", follow, inbox.FollowCategory)
	r.post("/categories/:slug/unfollow", follow, inbox.UnfollowCategory)
	r.get("/ideas/:id/edit", propose, ideas.Edit)
	r.post("/ideas/:id/edit", propose, ideas.Update)
	r.post("/ideas/:id/delete", propose, ideas.Delete)
	r.post("/ideas/:id/comments/:comment/edit", comment, ideas.EditComment)
	r.post("/ideas/:id/comments/:comment/delete", comment, ideas.DeleteComment)
	// Feedback rounds (docs/rounds.md): the team opens and closes them,
	// participants answer; the page shows each what they may read.
	r.get("/ideas/:id/history", read, ideas.History)
	r.get("/ideas/:id/rounds/new", rounding, rounds.New)
	r.post("/ideas/:id/rounds", rounding, rounds.Create)
	r.get("/ideas/:id/rounds/:round", read, rounds.Show)
	r.post("/ideas/:id/rounds/:round", vote, rounds.Respond)
	r.post("/ideas/:id/rounds/:round/close", rounding, rounds.Close)
	r.post("/ideas/:id/moderation", moderate, mod.Idea)
	r.post("/ideas/:id/merge", moderate, mod.Merge)
	r.post("/ideas/:id/unmerge", moderate, mod.Unmerge)
	r.post("/comments/:id/moderation", moderate, mod.Comment)
	// Share images, before the pages whose paths they extend.
	r.get("/ideas/:id/share.png", read, share.Idea)
	r.get("/changelog/share.png", read, share.Changelog)
	r.get("/changelog/:id/share.png", read, share.Entry)
	r.get("/roadmap/share.png", read, share.Roadmap)
	r.get("/ideas/:id/:slug?", read, s.visitorPages, s.memberPages(ideas.Show))
	r.post("/reports", report, mod.Report)
	r.get("/live", read, live.Stream)
	r.get("/members/:id", read, members.Show)
	r.get("/search", read, ideas.Search)
	r.get("/changelog", read, entries.List)
	r.get("/changelog/:id", read, entries.Show)
	r.get("/roadmap", read, s.visitorPages, roadmap.Show)
	r.get("/campaigns", read, campaigns.List)
	r.get("/campaigns/:slug", read, campaigns.Show)
	r.post("/campaigns/:slug/points", vote, campaigns.Spend)
	r.post("/campaigns/:slug/follow", follow, campaigns.Follow)
	r.post("/campaigns/:slug/unfollow", follow, campaigns.Unfollow)
	r.get("/statuses.css", read, statuses.Stylesheet)
	r.get("/moderation", read, mod.PublicLog)
	// Images in ideas and comments: served to those who may read their post.
	r.get("/images/:key", read, images.Serve)

	r.get("/feeds/ideas.atom", read, feeds.Ideas)
	r.get("/feeds/ideas/:id.atom", read, feeds.Idea)
	r.get("/feeds/changelog.atom", read, feeds.Changelog)
	r.get("/feeds/roadmap.atom", read, feeds.Roadmap)
	r.post("/lang", read, lang.Set)
	r.post("/logout", read, me.Logout)

	// Branding and the theme switch (docs/branding.md).
	r.get("/branding.css", read, brand.Stylesheet)
	r.get("/branding/logo.png", read, brand.Logo)
	r.get("/branding/favicon.png", read, brand.Favicon)
	r.get("/branding/apple-touch-icon.png", read, brand.TouchIcon)
	r.post("/theme", read, theme.Set)
	r.get("/admin/branding", branding, brand.Show)
	r.post("/admin/branding", branding, brand.Save)
	r.get("/api/v1/branding", branding, brand.ShowAPI)
	r.patch("/api/v1/branding", branding, brand.UpdateAPI)

	r.get("/login", read, auth.Login)
	r.post("/auth/email", read, append(s.signInLinkLimits(), auth.SendLink)...)
	r.get("/auth/email/:token", read, auth.ShowLink)
	r.post("/auth/email/:token", read, auth.UseLink)
	r.get("/auth/:provider", read, auth.Begin)
	r.get("/auth/:provider/callback", read, auth.Callback)
	r.post("/auth/:provider/callback", read, auth.Callback) // Apple's form_post; state protects it, not CSRF
	r.get("/unsubscribe/:token", read, unsub.Show)
	r.post("/unsubscribe/:token", read, unsub.Act) // one-click from mail clients (RFC 8058): the signed token, not CSRF

	r.get("/me", account, me.Show)
	r.post("/me/profile", account, me.UpdateProfile)
	r.post("/me/email", account, prefs.Save)
	r.post("/me/connect/:provider", account, auth.Connect)
	r.post("/me/identities/:id/unlink", account, me.Unlink)
	r.post("/me/sessions/revoke-all", account, me.SignOutEverywhere)
	r.post("/me/sessions/:id/revoke", account, me.RevokeSession)
	r.post("/me/tokens", account, me.CreateToken)
	r.post("/me/tokens/:id/revoke", account, me.RevokeToken)
	r.get("/me/notifications", notifications, inbox.Inbox)
	r.post("/me/notifications/read", notifications, inbox.MarkRead)
	r.get("/me/notifications/:id", notifications, inbox.Open)
	r.get("/me/following", follow, inbox.Following)
	// My data: take it along, choose who sees my votes, leave.
	r.get("/me/export", account, me.Export)
	r.post("/me/privacy", account, me.SavePrivacy)
	r.post("/me/delete", account, me.DeleteAccount)

	r.get("/mod", moderate, mod.Queue)
	r.post("/mod/queue/:target/:id", moderate, mod.Decide)
	r.get("/mod/members", manage, mod.Members)
	r.get("/mod/members/:id", manage, mod.Member)
	r.post("/mod/members/:id/sanction", manage, mod.Sanction)
	r.post("/mod/members/:id/trust", granting, mod.Trust)
	r.get("/mod/audit", audit, mod.Audit)
	r.get("/mod/suggestions", reviewing, suggest.Queue)
	r.post("/mod/suggestions/:id", reviewing, suggest.Decide)
	r.get("/suggestions", suggesting, suggest.New)
	r.post("/suggestions", suggesting, suggest.Create)

	r.get("/admin/triage", triaging, triage.Inbox)
	r.post("/admin/triage", triaging, triage.Act)
	r.get("/admin/categories", admin, cats.List)
	r.post("/admin/categories", admin, cats.Save)
	r.post("/admin/categories/:id", admin, cats.Save)
	r.post("/admin/categories/:id/delete", admin, cats.Delete)
	r.get("/admin/changelog", changelog, entries.Admin)
	r.post("/admin/changelog", changelog, entries.Create)
	r.get("/admin/changelog/:id", changelog, entries.Edit)
	r.post("/admin/changelog/:id", changelog, entries.Update)
	r.post("/admin/changelog/:id/delete", changelog, entries.Delete)
	r.get("/admin/statuses", statusAdmin, statuses.List)
	r.post("/admin/statuses", statusAdmin, statuses.Create)
	r.post("/admin/statuses/:slug", statusAdmin, statuses.Update)
	r.post("/admin/statuses/:slug/move", statusAdmin, statuses.Move)
	r.post("/admin/statuses/:slug/delete", statusAdmin, statuses.Delete)
	r.get("/admin/settings", settle, settings.Show)
	r.post("/admin/settings", settle, settings.Save)
	r.get("/admin/export/ideas.csv", exporting, export.Ideas)
	r.get("/admin/analytics", analytics, insights.Page)
	r.get("/admin/webhooks", webhooks, hooks.List)
	r.post("/admin/webhooks", webhooks, hooks.Create)
	r.get("/admin/webhooks/:id", webhooks, hooks.Show)
	r.post("/admin/webhooks/:id/enable", webhooks, hooks.Enable)
	r.post("/admin/webhooks/:id/delete", webhooks, hooks.Delete)
	r.post("/admin/webhooks/:id/deliveries/:d/retry", webhooks, hooks.Redeliver)
	r.get("/admin/deliveries", deliveries, delivery.List)
	r.get("/admin/campaigns", campaigning, campaigns.Admin)
	r.post("/admin/campaigns", campaigning, campaigns.Create)
	r.get("/admin/campaigns/:slug", campaigning, campaigns.Edit)
	r.post("/admin/campaigns/:slug", campaigning, campaigns.Update)
	r.post("/admin/campaigns/:slug/phase", campaigning, campaigns.Move)
	r.post("/campaigns/:slug/results", campaigning, campaigns.Decide)

	const api = "/api/v1"
	r.post(api+"/images", comment, images.Upload)
	r.get(api+"/me", account, me.ShowAPI)
	r.patch(api+"/me", account, me.UpdateAPI)
	r.delete(api+"/me", account, me.DeleteAPI)
	r.get(api+"/me/export", account, me.Export)
	r.get(api+"/me/preferences", account, prefs.Show)
	r.patch(api+"/me/preferences", account, prefs.Update)
	r.get(api+"/ideas", read, s.visitorAnswers, s.memberPages(ideaAPI.List))
	r.post(api+"/ideas", propose, ideaAPI.Create)
	r.get(api+"/ideas/:id", read, s.visitorAnswers, s.memberPages(ideaAPI.Show))
	r.get(api+"/ideas/:id/history", read, ideaAPI.History)
	r.patch(api+"/ideas/:id", propose, ideaAPI.Update)
	r.delete(api+"/ideas/:id", propose, ideaAPI.Delete)
	r.post(api+"/ideas/:id/vote", vote, ideaAPI.Vote)
	r.delete(api+"/ideas/:id/vote", vote, ideaAPI.Unvote)
	r.post(api+"/ideas/:id/votes", webcare, ideaAPI.VoteFor)
	r.get(api+"/ideas/:id/comments", read, ideaAPI.Comments)
	r.post(api+"/ideas/:id/comments", comment, ideaAPI.Comment)
	r.put(api+"/ideas/:id/status", status, ideaAPI.SetStatus)
	r.get(api+"/ideas/:id/answers", read, ideaAPI.Answers)
	r.patch(api+"/ideas/:id/triage", triaging, triAPI.Update)
	r.get(api+"/triage", triaging, triAPI.List)
	r.post(api+"/ideas/:id/merge", moderate, modAPI.Merge)
	r.post(api+"/ideas/:id/unmerge", moderate, modAPI.Unmerge)
	r.patch(api+"/ideas/:id/moderation", moderate, modAPI.Idea)
	r.patch(api+"/comments/:id", comment, ideaAPI.EditComment)
	r.patch(api+"/comments/:id/moderation", moderate, modAPI.Comment)
	r.get(api+"/ideas/:id/subscription", follow, inbox.IdeaSubscription)
	r.put(api+"/ideas/:id/subscription", follow, inbox.SetIdeaSubscription)
	r.get(api+"/categories", read, ideaAPI.Categories)
	r.get(api+"/categories/:slug/subscription", follow, inbox.CategorySubscription)
	r.put(api+"/categories/:slug/subscription", follow, inbox.SetCategorySubscription)
	r.get(api+"/notifications", notifications, inbox.List)
	r.post(api+"/notifications/read", notifications, inbox.Read)
	r.get(api+"/roadmap", read, s.visitorAnswers, roadmap.API)
	r.get(api+"/statuses", read, stAPI.List)
	r.post(api+"/statuses", statusAdmin, stAPI.Create)
	r.patch(api+"/statuses/:slug", statusAdmin, stAPI.Update)
	r.delete(api+"/statuses/:slug", statusAdmin, stAPI.Delete)
	r.post(api+"/reports", report, modAPI.Report)
	r.get(api+"/reports", account, modAPI.Reports)
	r.get(api+"/mod/queue", moderate, modAPI.Queue)
	r.post(api+"/mod/queue/:target/:id", moderate, modAPI.Decide)
	r.get(api+"/mod/members", manage, modAPI.Members)
	r.get(api+"/mod/members/:id", manage, modAPI.Member)
	r.post(api+"/mod/members/:id/sanction", manage, modAPI.Sanction)
	r.get(api+"/mod/audit", audit, modAPI.Audit)
	r.get(api+"/mod/suggestions", reviewing, suggAPI.Pending)
	r.post(api+"/mod/suggestions/:id", reviewing, suggAPI.Decide)
	r.get(api+"/suggestions", suggesting, suggAPI.Mine)
	r.post(api+"/suggestions", suggesting, suggAPI.Create)
	r.get(api+"/changelog", read, entryAPI.List)
	r.post(api+"/changelog", changelog, entryAPI.Create)
	r.get(api+"/changelog/:id", read, entryAPI.Show)
	r.patch(api+"/changelog/:id", changelog, entryAPI.Update)
	r.delete(api+"/changelog/:id", changelog, entryAPI.Delete)
	r.get(api+"/analytics", analytics, insights.API)
	r.get(api+"/webhooks", webhooks, hookAPI.List)
	r.post(api+"/webhooks", webhooks, hookAPI.Create)
	r.delete(api+"/webhooks/:id", webhooks, hookAPI.Delete)
	r.post(api+"/webhooks/:id/enable", webhooks, hookAPI.Enable)
	r.get(api+"/webhooks/:id/deliveries", webhooks, hookAPI.Deliveries)
	r.post(api+"/webhooks/:id/deliveries/:d/retry", webhooks, hookAPI.Redeliver)
	r.get(api+"/campaigns", read, campAPI.List)
	r.post(api+"/campaigns", campaigning, campAPI.Create)
	r.get(api+"/campaigns/:slug", read, campAPI.Show)
	r.patch(api+"/campaigns/:slug", campaigning, campAPI.Update)
	r.put(api+"/campaigns/:slug/phase", campaigning, campAPI.Move)
	r.put(api+"/campaigns/:slug/results/:id", campaigning, campAPI.Decide)
	r.delete(api+"/campaigns/:slug/results/:id", campaigning, campAPI.Undecide)
	r.get(api+"/campaigns/:slug/subscription", follow, campAPI.Subscription)
	r.put(api+"/campaigns/:slug/subscription", follow, campAPI.SetSubscription)
	r.put(api+"/ideas/:id/points", vote, campAPI.Spend)
	r.get(api+"/ideas/:id/rounds", read, roundAPI.List)
	r.post(api+"/ideas/:id/rounds", rounding, roundAPI.Create)
	r.get(api+"/rounds/:id", read, roundAPI.Show)
	r.put(api+"/rounds/:id/response", vote, roundAPI.Respond)
	r.put(api+"/rounds/:id/close", rounding, roundAPI.Close)
	r.get(api+"/rounds/:id/responses", rounding, roundAPI.Responses)

	app.Use(func(*fiber.Ctx) error { return fiber.ErrNotFound })
}

// table registers routes with the action each needs.
type table struct {
	app *fiber.App
	s   *server
}

// AccessPrefix starts the name of every route: the rest is the action it needs.
const AccessPrefix = "access:"

func (t *table) add(register func(string, ...fiber.Handler) fiber.Router, path string, action models.Action, h []fiber.Handler) {
	if action != models.ActRead {
		h = append([]fiber.Handler{t.s.require(action)}, h...)
	}
	register(path, h...).Name(AccessPrefix + string(action))
}

func (t *table) get(path string, a models.Action, h ...fiber.Handler)  { t.add(t.app.Get, path, a, h) }
func (t *table) post(path string, a models.Action, h ...fiber.Handler) { t.add(t.app.Post, path, a, h) }
func (t *table) put(path string, a models.Action, h ...fiber.Handler)  { t.add(t.app.Put, path, a, h) }
func (t *table) patch(path string, a models.Action, h ...fiber.Handler) {
	t.add(t.app.Patch, path, a, h)
}
func (t *table) delete(path string, a models.Action, h ...fiber.Handler) {
	t.add(t.app.Delete, path, a, h)
}
