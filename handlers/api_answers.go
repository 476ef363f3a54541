package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// APIAnswer is one step of an idea's status history: the team's public
// decision record.
type APIAnswer struct {
	Status       APIStatus  `json:"status"`
	Note         string     `json:"note"`
	NoteHTML     string     `json:"note_html"`
	ReconsiderIf string     `json:"reconsider_if"`
	Actor        *APIPerson `json:"actor"`
	CreatedAt    time.Time  `json:"created_at"`
}

func apiAnswer(sc *models.StatusChange) APIAnswer {
	st := apiStatus(&sc.To)
	st.Slug = sc.To.PublicSlug()
	out := APIAnswer{Status: st, Note: sc.Note, NoteHTML: string(sc.NoteHTML), ReconsiderIf: sc.Reconsider, CreatedAt: sc.CreatedAt.UTC()}
	if sc.Actor != nil {
		out.Actor = &APIPerson{ID: sc.Actor.ID, Name: sc.Actor.Name}
	}
	return out
}

// Answers answers GET /ideas/:id/answers: the idea's status history,
// oldest first, each step with the team's note and what would change its mind.
func (h *IdeasAPI) Answers(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Idea(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	history, err := h.Store.StatusHistory(c.UserContext(), idea.ID)
	if err != nil {
		return err
	}
	out := make([]APIAnswer, len(history))
	for i := range history {
		out[i] = apiAnswer(&history[i])
	}
	return c.JSON(fiber.Map{"answers": out})
}
