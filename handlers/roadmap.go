package handlers

import (
	"fmt"
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"samen/models"
	"samen/views"
)

// Roadmap is the public roadmap: a column per status on the roadmap, with
// the most voted ideas in each and the team's latest answer on them.
type Roadmap struct{ *Deps }

type roadmapPage struct {
	Layout
	Roadmap    *models.Roadmap
	Categories []models.Category
	Category   string
}

// MoreURL is the idea list of the column's status (and the chosen category), most voted first.
func (p roadmapPage) MoreURL(col models.RoadmapColumn) string {
	q := url.Values{"status": {col.Status.Slug}, "sort": {models.SortTop}}
	if p.Category != "" {
		q.Set("category", p.Category)
	}
	return "/?" + q.Encode()
}

// Show answers GET /roadmap?category=.
func (h *Roadmap) Show(c *fiber.Ctx) error {
	data := roadmapPage{Category: c.Query("category")}
	rm, err := h.Store.Roadmap(c.UserContext(), models.RoadmapOptions{Category: data.Category}, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	data.Roadmap = rm
	data.Layout = h.layout(c, "roadmap.title", "roadmap")
	data.Share = h.pageShare(c, data.Layout, "/roadmap", "roadmap.title", "roadmap.lead")
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	return c.Render("roadmap/show", data)
}

// APIRoadmapColumn is one column of the roadmap in the JSON API. total
// counts the ideas in it; ideas holds the most voted of them.
type APIRoadmapColumn struct {
	Status APIStatus        `json:"status"`
	Ideas  []APIRoadmapIdea `json:"ideas"`
	Total  int64            `json:"total"`
}

// APIRoadmapIdea is an idea on the roadmap: the idea shape, and the team's
// latest public answer (null when it has given none).
type APIRoadmapIdea struct {
	APIIdea
	Answer *APIAnswer `json:"answer"`
}

// API answers GET /api/v1/roadmap?category=.
func (h *Roadmap) API(c *fiber.Ctx) error {
	rm, err := h.Store.Roadmap(c.UserContext(), models.RoadmapOptions{Category: c.Query("category"), Bodies: true}, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := make([]APIRoadmapColumn, len(rm.Columns))
	for i, col := range rm.Columns {
		out[i] = APIRoadmapColumn{Status: apiStatus(&col.Status), Ideas: make([]APIRoadmapIdea, len(col.Ideas)), Total: col.Total}
		for n, idea := range col.Ideas {
			out[i].Ideas[n] = APIRoadmapIdea{APIIdea: h.apiIdea(idea, h.ViewerOf(c).User)}
			if a := rm.Answers[idea.ID]; a != nil {
				answer := apiAnswer(a)
				out[i].Ideas[n].Answer = &answer
			}
		}
	}
	return c.JSON(fiber.Map{"columns": out})
}

// Roadmap is the feed of the roadmap: each idea on it, dated by the move
// that put it in its column, so readers hear of every idea that moves on.
func (h *Feeds) Roadmap(c *fiber.Ctx) error {
	rm, err := h.Store.Roadmap(c.UserContext(), models.RoadmapOptions{Bodies: true}, nil)
	if err != nil {
		return err
	}
	lang, l := h.Localizer(c.Get(fiber.HeaderAcceptLanguage))
	f := h.newFeed(views.T(l, "feeds.roadmap.title", "Brand", h.BrandName(c)), "/feeds/roadmap.atom", "/roadmap")
	for _, col := range rm.Columns {
		for _, idea := range col.Ideas {
			title := views.T(l, "feeds.roadmap.entry", "Status", col.Status.NameIn(lang), "Title", idea.Title)
			anchor, at, content := "", idea.CreatedAt, idea.BodyHTML
			if move := rm.Moves[idea.ID]; move != nil {
				anchor, at = fmt.Sprintf("#status-%d", move.ID), move.CreatedAt
			}
			if a := rm.Answers[idea.ID]; a != nil && a.ToStatusID == idea.StatusID {
				content = a.NoteHTML
			}
			e := h.entry(title, idea, anchor, at, nil, content)
			e.Author = h.person(&idea.Author)
			e.Categories = ideaCategories(idea)
			f.add(e)
		}
	}
	slices.SortStableFunc(f.Entries, func(a, b atomEntry) int { return b.published.Compare(a.published) })
	if len(f.Entries) > models.FeedSize {
		f.Entries = f.Entries[:models.FeedSize]
	}
	return h.send(c, f)
}
