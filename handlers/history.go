package handlers

import (
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// historyPage is an idea's public timeline.
type historyPage struct {
	Layout
	Idea    *models.Idea
	Entries []models.HistoryEntry
}

// History is an idea's timeline: its edits with what changed, the team's
// answers, merges, its campaign's decision and its feedback rounds.
func (h *Ideas) History(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	entries, err := h.Store.IdeaHistory(c.UserContext(), idea, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	data := historyPage{Layout: h.layout(c, "", "ideas"), Idea: idea, Entries: entries}
	data.Title = idea.Title
	return c.Render("ideas/history", data)
}

// APIHistoryEntry is a moment of an idea's history in the JSON API; the
// fields beside kind, at and actor are those of its kind.
type APIHistoryEntry struct {
	Kind       string          `json:"kind"`
	At         time.Time       `json:"at"`
	Actor      *APIAuthor      `json:"actor"`
	Title      []APIDiffPart   `json:"title,omitempty"`
	Body       []APIDiffPart   `json:"body,omitempty"`
	Status     string          `json:"status,omitempty"`
	AnswerHTML template.HTML   `json:"answer_html,omitempty"`
	Reconsider string          `json:"reconsider_if,omitempty"`
	Idea       *APIRef         `json:"idea,omitempty"`
	Campaign   *APICampaignRef `json:"campaign,omitempty"`
	Decision   string          `json:"decision,omitempty"`
	RoundID    int64           `json:"round_id,omitempty"`
	URL        string          `json:"url,omitempty"`
}

// APIDiffPart is a run of an edit's words: "same", "ins" or "del".
type APIDiffPart struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// APICampaignRef names a campaign.
type APICampaignRef struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// History answers GET /ideas/:id/history: {"history":[entry]}, oldest first.
func (h *IdeasAPI) History(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	viewer := h.ViewerOf(c).User
	idea, err := h.Store.Idea(c.UserContext(), id, viewer)
	if err != nil {
		return err
	}
	entries, err := h.Store.IdeaHistory(c.UserContext(), idea, viewer)
	if err != nil {
		return err
	}
	out := make([]APIHistoryEntry, len(entries))
	for i, e := range entries {
		a := APIHistoryEntry{Kind: e.Kind, At: e.At.UTC(), Title: apiDiff(e.Title), Body: apiDiff(e.Body),
			AnswerHTML: e.NoteHTML, Reconsider: e.Reconsider, Decision: e.Decision}
		if e.Actor != nil {
			author := apiAuthor(e.Actor)
			a.Actor = &author
		}
		if e.Status != nil {
			a.Status = e.Status.Slug
		}
		if e.Decision != "" {
			a.AnswerHTML = e.AnswerHTML
		}
		if e.Other != nil {
			a.Idea = &APIRef{ID: e.Other.ID, Title: e.Other.Title}
			a.URL = h.BaseURL + ideaPath(e.Other)
		}
		if e.Campaign != nil {
			a.Campaign = &APICampaignRef{Slug: e.Campaign.Slug, Title: e.Campaign.Title, URL: h.BaseURL + "/campaigns/" + e.Campaign.Slug}
		}
		if e.Round != nil {
			a.RoundID = e.Round.ID
			a.URL = h.BaseURL + roundPath(e.Round)
		}
		out[i] = a
	}
	return c.JSON(fiber.Map{"history": out})
}

func apiDiff(parts []models.DiffPart) []APIDiffPart {
	out := make([]APIDiffPart, len(parts))
	for i, p := range parts {
		out[i] = APIDiffPart(p)
	}
	return out
}
