package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Suggestions are the categories and tags members of a trust level suggest,
// and the moderators' list where they are accepted or rejected.
type Suggestions struct{ *Deps }

type suggestionsPage struct {
	Layout
	// May is whether the viewer may suggest; Level is the trust level it takes.
	May   bool
	Level int
	Form  models.NewSuggestion
	// IdeaID is the form's idea, as typed.
	IdeaID string
	Errors models.ValidationErrors
	Mine   []models.Suggestion
}

// New is the suggestion form with the member's own suggestions.
func (h *Suggestions) New(c *fiber.Ctx) error {
	data := suggestionsPage{Form: models.NewSuggestion{Kind: models.SuggestCategory}, IdeaID: c.Query("idea")}
	if data.IdeaID != "" {
		data.Form.Kind = models.SuggestTag
	}
	return h.render(c, data, fiber.StatusOK)
}

func (h *Suggestions) render(c *fiber.Ctx, data suggestionsPage, status int) error {
	data.Layout = h.layout(c, "suggest.title", "suggest")
	settings, err := h.Store.Settings(c.UserContext())
	if err != nil {
		return err
	}
	data.Level = settings.TrustSuggestLevel
	data.May = models.MaySuggest(data.User, settings, h.Store.Now())
	if data.Mine, err = h.Store.SuggestionsBy(c.UserContext(), data.User.ID); err != nil {
		return err
	}
	return c.Status(status).Render("suggestions/new", data)
}

// Create stores a suggestion; an invalid one comes back with the form as typed.
func (h *Suggestions) Create(c *fiber.Ctx) error {
	data := suggestionsPage{IdeaID: strings.TrimSpace(c.FormValue("idea_id"))}
	data.Form = models.NewSuggestion{Kind: c.FormValue("kind"), Name: c.FormValue("name"), Note: c.FormValue("note")}
	if data.Form.Kind == models.SuggestTag {
		id, err := strconv.ParseInt(strings.TrimPrefix(data.IdeaID, "#"), 10, 64)
		if err != nil {
			data.Errors = models.ValidationErrors{"idea_id": "must be the number of an idea"}
			return h.render(c, data, fiber.StatusUnprocessableEntity)
		}
		data.Form.IdeaID = id
	}
	_, err := h.Store.Suggest(c.UserContext(), h.ViewerOf(c).User, data.Form)
	if errors.As(err, &data.Errors) {
		return h.render(c, data, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/suggestions", "suggestion_sent")
}

type suggestionQueuePage struct {
	Layout
	Suggestions []models.Suggestion
	// MayCreateCategories: accepting a category creates it, which admins do.
	MayCreateCategories bool
}

// Queue lists the suggestions awaiting a decision.
func (h *Suggestions) Queue(c *fiber.Ctx) error {
	data := suggestionQueuePage{Layout: h.layout(c, "suggest.queue.title", "mod")}
	var err error
	if data.Suggestions, err = h.Store.PendingSuggestions(c.UserContext(), data.User); err != nil {
		return err
	}
	data.MayCreateCategories = h.Store.Can(data.User, models.ActManageCategories)
	return c.Render("suggestions/queue", data)
}

// Decide accepts or rejects a suggestion.
func (h *Suggestions) Decide(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	if decision != "accept" && decision != "reject" {
		return models.ValidationErrors{"decision": "must be accept or reject"}
	}
	if _, err := h.Store.DecideSuggestion(c.UserContext(), h.ViewerOf(c).User, id, decision == "accept", c.FormValue("answer")); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/mod/suggestions", "suggestion_"+decision+"ed")
}
