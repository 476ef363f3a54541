package handlers

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// RoundsAPI is feedback rounds in the JSON API: opening one on an idea,
// reading it, answering it, closing it, and the team's read of its
// responses (docs/rounds.md).
type RoundsAPI struct{ *Deps }

// APIRound is a feedback round in the JSON API. Questions, response and
// summary appear only for those who may read them.
type APIRound struct {
	ID           int64      `json:"id"`
	IdeaID       int64      `json:"idea_id"`
	Title        string     `json:"title"`
	Intro        string     `json:"intro"`
	IntroHTML    string     `json:"intro_html"`
	Status       string     `json:"status"`
	ClosesAt     time.Time  `json:"closes_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	SampleSize   *int       `json:"sample_size"`
	Participants int64      `json:"participants"`
	Responses    int64      `json:"responses"`
	Invited      bool       `json:"invited"`
	CreatedAt    time.Time  `json:"created_at"`
	URL          string     `json:"url"`
	// Questions are for the team and the participants.
	Questions *[]APIRoundQuestion `json:"questions,omitempty"`
	// Response is the caller's own, for a participant who answered.
	Response *APIRoundResponse `json:"response,omitempty"`
	// Summary is for the team, and for participants once the round closed.
	Summary *[]APIRoundSummary `json:"summary,omitempty"`
}

// APIRoundQuestion is one question of a round.
type APIRoundQuestion struct {
	Position int    `json:"position"`
	Kind     string `json:"kind"`
	Prompt   string `json:"prompt"`
	Required bool   `json:"required"`
}

// APIRoundResponse is a participant's answers, by question position.
type APIRoundResponse struct {
	ID        int64             `json:"id"`
	User      *APIActor         `json:"user,omitempty"`
	Answers   map[string]string `json:"answers"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// APIActor names a member.
type APIActor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// APIRoundSummary sums up the answers to one question: average and
// ratings (how many gave 1 to 5) for a rating, yes and no for a yes/no
// question, the texts for a text question.
type APIRoundSummary struct {
	Position int      `json:"position"`
	Kind     string   `json:"kind"`
	Prompt   string   `json:"prompt"`
	Count    int      `json:"count"`
	Average  *float64 `json:"average,omitempty"`
	Ratings  *[5]int  `json:"ratings,omitempty"`
	Yes      *int     `json:"yes,omitempty"`
	No       *int     `json:"no,omitempty"`
	Texts    []string `json:"texts,omitempty"`
}

// roundPath is a round's page.
func roundPath(r *models.Round) string { return fmt.Sprintf("/ideas/%d/rounds/%d", r.IdeaID, r.ID) }

func (d *Deps) apiRound(c *fiber.Ctx, r *models.Round) (APIRound, error) {
	out := APIRound{ID: r.ID, IdeaID: r.IdeaID, Title: r.Title, Intro: r.Intro, IntroHTML: string(r.IntroHTML), Status: r.Status,
		ClosesAt: r.ClosesAt.UTC(), ClosedAt: utc(r.ClosedAt), SampleSize: r.SampleSize, Participants: r.Participants,
		Responses: r.Responses, Invited: r.Invited, CreatedAt: r.CreatedAt.UTC(), URL: d.BaseURL + roundPath(r)}
	if r.Questions != nil {
		qs := make([]APIRoundQuestion, len(r.Questions))
		for i, q := range r.Questions {
			qs[i] = APIRoundQuestion{Position: q.Position, Kind: q.Kind, Prompt: q.Prompt, Required: q.Required}
		}
		out.Questions = &qs
	}
	if r.Mine != nil {
		resp := apiRoundResponse(r.Mine, false)
		out.Response = &resp
	}
	if r.SummaryVisible() {
		sum, err := d.Store.RoundSummary(c.UserContext(), r)
		if err != nil {
			return out, err
		}
		list := make([]APIRoundSummary, len(sum))
		for i, q := range sum {
			item := APIRoundSummary{Position: q.Question.Position, Kind: q.Question.Kind, Prompt: q.Question.Prompt, Count: q.Count}
			switch q.Question.Kind {
			case models.AskRating:
				avg, ratings := q.Average, q.Ratings
				item.Average, item.Ratings = &avg, &ratings
			case models.AskYesNo:
				yes, no := q.Yes, q.No
				item.Yes, item.No = &yes, &no
			default:
				item.Texts = q.Texts
			}
			list[i] = item
		}
		out.Summary = &list
	}
	return out, nil
}

func apiRoundResponse(r *models.RoundResponse, withUser bool) APIRoundResponse {
	out := APIRoundResponse{ID: r.ID, Answers: map[string]string{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for pos, a := range r.Answers {
		out.Answers[strconv.Itoa(pos)] = a
	}
	if withUser {
		out.User = &APIActor{ID: r.UserID, Name: r.UserName}
	}
	return out
}

func (h *RoundsAPI) send(c *fiber.Ctx, r *models.Round, status int) error {
	out, err := h.apiRound(c, r)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(out)
}

// List answers GET /ideas/:id/rounds: the idea's rounds the caller may see,
// the newest first.
func (h *RoundsAPI) List(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	idea, err := h.Store.Idea(c.UserContext(), id, user)
	if err != nil {
		return err
	}
	rounds, err := h.Store.IdeaRounds(c.UserContext(), idea, user)
	if err != nil {
		return err
	}
	out := struct {
		Rounds []APIRound `json:"rounds"`
	}{make([]APIRound, len(rounds))}
	for i, r := range rounds {
		if out.Rounds[i], err = h.apiRound(c, r); err != nil {
			return err
		}
	}
	return c.JSON(out)
}

// roundInput is what the team sends to open a round.
type roundInput struct {
	Title      *string          `json:"title"`
	Intro      *string          `json:"intro"`
	ClosesAt   json.RawMessage  `json:"closes_at"`
	SampleSize *int             `json:"sample_size"`
	Questions  *[]roundAskInput `json:"questions"`
}

type roundAskInput struct {
	Kind     string `json:"kind"`
	Prompt   string `json:"prompt"`
	Required bool   `json:"required"`
}

// Create answers POST /ideas/:id/rounds: the team opens a round (201).
func (h *RoundsAPI) Create(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in roundInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	errs := models.ValidationErrors{}
	model := models.RoundInput{Title: orEmpty(in.Title), Intro: orEmpty(in.Intro), SampleSize: in.SampleSize}
	if at := jsonTime(in.ClosesAt, "closes_at", errs); at != nil {
		model.ClosesAt = *at
	}
	if in.Questions != nil {
		for _, q := range *in.Questions {
			model.Questions = append(model.Questions, models.AskInput{Kind: q.Kind, Prompt: q.Prompt, Required: q.Required})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	user := h.ViewerOf(c).User
	r, err := h.Store.OpenRound(c.UserContext(), user, id, model)
	if err != nil {
		return err
	}
	return h.send(c, r, fiber.StatusCreated)
}

// Show answers GET /rounds/:id.
func (h *RoundsAPI) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.Store.Round(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.send(c, r, fiber.StatusOK)
}

// Respond answers PUT /rounds/:id/response {"answers":{"1":4,"2":"yes"}}:
// the participant's answers, replacing those given before, with the round.
func (h *RoundsAPI) Respond(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Answers *map[string]any `json:"answers"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Answers == nil {
		return models.ValidationErrors{"answers": "is required: an object of answers by question position"}
	}
	answers := map[int]string{}
	for key, value := range *in.Answers {
		pos, err := strconv.Atoi(key)
		if err != nil || pos < 1 {
			return models.ValidationErrors{"answers": "names questions by their position: " + strconv.Quote(key) + " is none"}
		}
		switch v := value.(type) {
		case string:
			answers[pos] = v
		case float64:
			if v != math.Trunc(v) {
				return models.ValidationErrors{"answers." + key: "must be a rating from 1 to 5"}
			}
			answers[pos] = strconv.FormatFloat(v, 'f', 0, 64)
		case bool:
			answers[pos] = map[bool]string{true: "yes", false: "no"}[v]
		case nil:
		default:
			return models.ValidationErrors{"answers." + key: "must be a number, yes or no, or text"}
		}
	}
	user := h.ViewerOf(c).User
	if _, err := h.Store.Respond(c.UserContext(), user, id, answers); err != nil {
		return err
	}
	r, err := h.Store.Round(c.UserContext(), id, user)
	if err != nil {
		return err
	}
	return h.send(c, r, fiber.StatusOK)
}

// Close answers PUT /rounds/:id/close: the team closes the round before its
// date (409 when it is closed already).
func (h *RoundsAPI) Close(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := h.Store.CloseRound(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	return h.send(c, r, fiber.StatusOK)
}

// Responses answers GET /rounds/:id/responses: every response with its
// participant, for the team.
func (h *RoundsAPI) Responses(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	r, err := h.Store.Round(c.UserContext(), id, user)
	if err != nil {
		return err
	}
	list, err := h.Store.RoundResponses(c.UserContext(), r, user)
	if err != nil {
		return err
	}
	out := struct {
		Responses []APIRoundResponse `json:"responses"`
	}{make([]APIRoundResponse, len(list))}
	for i := range list {
		out.Responses[i] = apiRoundResponse(&list[i], true)
	}
	return c.JSON(out)
}
