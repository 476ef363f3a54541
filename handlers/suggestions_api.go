package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// SuggestionsAPI is the JSON side of Suggestions.
type SuggestionsAPI struct{ *Deps }

// APISuggestion is a suggestion in the API.
type APISuggestion struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Note      string     `json:"note"`
	IdeaID    *int64     `json:"idea_id"`
	UserID    int64      `json:"user_id"`
	State     string     `json:"state"`
	Answer    string     `json:"answer"`
	DecidedAt *time.Time `json:"decided_at"`
	CreatedAt time.Time  `json:"created_at"`
}

func apiSuggestion(s *models.Suggestion) APISuggestion {
	return APISuggestion{ID: s.ID, Kind: s.Kind, Name: s.Name, Note: s.Note, IdeaID: s.IdeaID, UserID: s.UserID,
		State: s.State, Answer: s.Answer, DecidedAt: s.DecidedAt, CreatedAt: s.CreatedAt.UTC()}
}

func apiSuggestions(list []models.Suggestion) fiber.Map {
	out := make([]APISuggestion, len(list))
	for i := range list {
		out[i] = apiSuggestion(&list[i])
	}
	return fiber.Map{"suggestions": out}
}

type suggestionInput struct {
	Kind   *string `json:"kind"`
	Name   *string `json:"name"`
	IdeaID *int64  `json:"idea_id"`
	Note   *string `json:"note"`
}

// Create answers POST /suggestions: 201 with the suggestion; 403 below the
// trust level that may suggest.
func (h *SuggestionsAPI) Create(c *fiber.Ctx) error {
	var in suggestionInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	n := models.NewSuggestion{Kind: orEmpty(in.Kind), Name: orEmpty(in.Name), Note: orEmpty(in.Note)}
	if in.IdeaID != nil {
		n.IdeaID = *in.IdeaID
	}
	s, err := h.Store.Suggest(c.UserContext(), h.ViewerOf(c).User, n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(apiSuggestion(s))
}

// Mine answers GET /suggestions: the caller's own suggestions, newest first.
func (h *SuggestionsAPI) Mine(c *fiber.Ctx) error {
	list, err := h.Store.SuggestionsBy(c.UserContext(), h.ViewerOf(c).User.ID)
	if err != nil {
		return err
	}
	return c.JSON(apiSuggestions(list))
}

// Pending answers GET /mod/suggestions: those awaiting a decision, oldest first.
func (h *SuggestionsAPI) Pending(c *fiber.Ctx) error {
	list, err := h.Store.PendingSuggestions(c.UserContext(), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return c.JSON(apiSuggestions(list))
}

type suggestionDecisionInput struct {
	Decision *string `json:"decision"`
	Answer   *string `json:"answer"`
}

// Decide answers POST /mod/suggestions/:id {"decision":"accept"|"reject","answer"?}
// with the decided suggestion.
func (h *SuggestionsAPI) Decide(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in suggestionDecisionInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	decision := orEmpty(in.Decision)
	if decision != "accept" && decision != "reject" {
		return models.ValidationErrors{"decision": "must be accept or reject"}
	}
	s, err := h.Store.DecideSuggestion(c.UserContext(), h.ViewerOf(c).User, id, decision == "accept", orEmpty(in.Answer))
	if err != nil {
		return err
	}
	return c.JSON(apiSuggestion(s))
}
