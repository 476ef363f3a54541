package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
	"samen/views"
)

// Rounds are the pages of feedback rounds (docs/rounds.md): a round's page
// with its questionnaire, the participant's answers and the summary when
// the viewer may read it (the team's view adds every response and the
// button that closes it), and the team's form that opens a round on an idea.
type Rounds struct{ *Deps }

type roundPage struct {
	Layout
	Idea      *models.Idea
	Round     *models.Round
	Summary   []models.QuestionSummary
	Responses []models.RoundResponse
	// Answers are the questionnaire's values by position: the saved ones,
	// or those sent when they were refused.
	Answers map[int]string
	Errors  models.ValidationErrors
	// Problem says why the answers or the closing were refused.
	Problem string
}

// CanRespond reports whether the viewer answers the round now.
func (p roundPage) CanRespond() bool {
	return p.Round.Open() && p.Round.Invited && p.Standing.Allows(models.ActVote)
}

// Answer is the form's value of the question at pos.
func (p roundPage) Answer(pos int) string { return p.Answers[pos] }

// AnswerError is what is wrong with the answer to the question at pos.
func (p roundPage) AnswerError(pos int) string { return p.Errors[fmt.Sprintf("answers.%d", pos)] }

// Ratings are the values a rating takes.
func (roundPage) Ratings() []string { return []string{"1", "2", "3", "4", "5"} }

// Percent is n of total in whole percent, for the summary's bars.
func (roundPage) Percent(n, total int) int {
	if total == 0 {
		return 0
	}
	return n * 100 / total
}

// Path is the round's page.
func (p roundPage) Path() string { return roundPath(p.Round) }

// loadRound reads the idea and the round a page's path names; a round of
// another idea is not found.
func (h *Rounds) loadRound(c *fiber.Ctx) (*models.Idea, *models.Round, error) {
	ideaID, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	roundID, err := pathID(c, "round")
	if err != nil {
		return nil, nil, err
	}
	user := h.ViewerOf(c).User
	idea, err := h.Store.Idea(c.UserContext(), ideaID, user)
	if err != nil {
		return nil, nil, err
	}
	r, err := h.Store.Round(c.UserContext(), roundID, user)
	if err != nil {
		return nil, nil, err
	}
	if r.IdeaID != idea.ID {
		return nil, nil, fiber.ErrNotFound
	}
	return idea, r, nil
}

// Show is a round's page.
func (h *Rounds) Show(c *fiber.Ctx) error {
	idea, r, err := h.loadRound(c)
	if err != nil {
		return err
	}
	return h.render(c, idea, r, nil, nil, "", fiber.StatusOK)
}

func (h *Rounds) render(c *fiber.Ctx, idea *models.Idea, r *models.Round, answers map[int]string, errs models.ValidationErrors, problem string, status int) error {
	data := roundPage{Layout: h.layout(c, "", ""), Idea: idea, Round: r, Answers: answers, Errors: errs, Problem: problem}
	data.Title = r.Title
	if data.Answers == nil {
		data.Answers = map[int]string{}
		if r.Mine != nil {
			data.Answers = r.Mine.Answers
		}
	}
	var err error
	if r.SummaryVisible() {
		if data.Summary, err = h.Store.RoundSummary(c.UserContext(), r); err != nil {
			return err
		}
	}
	if r.Manage {
		if data.Responses, err = h.Store.RoundResponses(c.UserContext(), r, data.User); err != nil {
			return err
		}
	}
	return c.Status(status).Render("rounds/show", data)
}

// Respond saves the participant's answers from the questionnaire, then
// back to the round's page. A refusal shows the page again with the reason
// and the answers as sent.
func (h *Rounds) Respond(c *fiber.Ctx) error {
	idea, r, err := h.loadRound(c)
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	answers := map[int]string{}
	for _, q := range r.Questions {
		if a := trimmed(c, "answer_"+strconv.Itoa(q.Position)); a != "" {
			answers[q.Position] = a
		}
	}
	_, err = h.Store.Respond(c.UserContext(), v.User, r.ID, answers)
	var invalid models.ValidationErrors
	switch {
	case err == nil:
		return h.redirectWithFlash(c, roundPath(r), "round_answered")
	case errors.As(err, &invalid):
		return h.render(c, idea, r, answers, invalid, views.T(v.L, "rounds.form.errors"), fiber.StatusUnprocessableEntity)
	case errors.Is(err, models.ErrNotInvited):
		return h.render(c, idea, r, answers, nil, views.T(v.L, "rounds.not_invited"), fiber.StatusConflict)
	case errors.Is(err, models.ErrConflict):
		if r, err = h.Store.Round(c.UserContext(), r.ID, v.User); err != nil {
			return err
		}
		return h.render(c, idea, r, answers, nil, views.T(v.L, "rounds.closed_meanwhile"), fiber.StatusConflict)
	}
	return err
}

// trimmed is a form value without surrounding spaces, copied: Fiber
// reuses the buffer it points into.
func trimmed(c *fiber.Ctx, name string) string {
	return strings.Clone(strings.TrimSpace(c.FormValue(name)))
}

// Close closes the round before its date: the team's button.
func (h *Rounds) Close(c *fiber.Ctx) error {
	idea, r, err := h.loadRound(c)
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if _, err := h.Store.CloseRound(c.UserContext(), v.User, r.ID); errors.Is(err, models.ErrConflict) {
		return h.render(c, idea, r, nil, nil, views.T(v.L, "rounds.closed_already"), fiber.StatusConflict)
	} else if err != nil {
		return err
	}
	return h.redirectWithFlash(c, roundPath(r), "round_closed")
}

// roundForm is the team's form to open a round, as typed.
type roundForm struct {
	Title, Intro, ClosesAt, SampleSize string
	Questions                          []roundAskForm
	// slots are the form positions of the questions sent, in order.
	slots []int
}

type roundAskForm struct {
	Position     int
	Kind, Prompt string
	Required     bool
	ErrorMessage string
}

type roundNewPage struct {
	Layout
	Idea   *models.Idea
	Form   roundForm
	Errors models.ValidationErrors
	// Problem says why no round may open: the idea's status, or no voters.
	Problem string
	// Allowed: the idea is planned or in progress.
	Allowed bool
}

// Kinds are the kinds of question a round asks.
func (roundNewPage) Kinds() []string { return models.AskKinds }

func emptyRoundForm(now time.Time) roundForm {
	f := roundForm{ClosesAt: now.Add(7 * 24 * time.Hour).UTC().Format(dateLayout), Questions: make([]roundAskForm, models.MaxRoundQuestions)}
	for i := range f.Questions {
		f.Questions[i] = roundAskForm{Position: i + 1, Kind: models.AskRating}
	}
	return f
}

// New is the team's form to open a round on an idea.
func (h *Rounds) New(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Idea(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.renderNew(c, idea, emptyRoundForm(h.Store.Now()), nil, "", fiber.StatusOK)
}

func (h *Rounds) renderNew(c *fiber.Ctx, idea *models.Idea, form roundForm, errs models.ValidationErrors, problem string, status int) error {
	data := roundNewPage{Layout: h.layout(c, "rounds.new.title", ""), Idea: idea, Form: form, Errors: errs, Problem: problem}
	data.Allowed = idea.Status.Kind == models.KindPlanned || idea.Status.Kind == models.KindActive
	if !data.Allowed && problem == "" {
		data.Problem = views.T(data.L, "rounds.new.not_planned")
	}
	for i := range data.Form.Questions {
		q := &data.Form.Questions[i]
		q.ErrorMessage = errs[fmt.Sprintf("questions.%d", q.Position)]
	}
	return c.Status(status).Render("rounds/new", data)
}

// Create opens a round from the team's form, then to its page.
func (h *Rounds) Create(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	idea, err := h.Store.Idea(c.UserContext(), id, v.User)
	if err != nil {
		return err
	}
	form := roundForm{Title: trimmed(c, "title"), Intro: trimmed(c, "intro"), ClosesAt: trimmed(c, "closes_at"),
		SampleSize: trimmed(c, "sample_size"), Questions: make([]roundAskForm, models.MaxRoundQuestions)}
	in := models.RoundInput{Title: form.Title, Intro: form.Intro}
	errs := models.ValidationErrors{}
	if at, err := readMoment(form.ClosesAt); err != nil {
		errs["closes_at"] = views.T(v.L, "campaigns.invalid_date")
	} else {
		in.ClosesAt = at
	}
	if form.SampleSize != "" {
		n, err := strconv.Atoi(form.SampleSize)
		if err != nil {
			errs["sample_size"] = views.T(v.L, "campaigns.invalid_number")
		}
		in.SampleSize = &n
	}
	for i := range form.Questions {
		key := fmt.Sprintf("question_%d_", i+1)
		q := roundAskForm{Position: i + 1, Kind: trimmed(c, key+"kind"), Prompt: trimmed(c, key+"prompt"), Required: c.FormValue(key+"required") != ""}
		form.Questions[i] = q
		if q.Prompt == "" {
			continue // an empty slot
		}
		form.slots = append(form.slots, q.Position)
		in.Questions = append(in.Questions, models.AskInput{Kind: q.Kind, Prompt: q.Prompt, Required: q.Required})
	}
	if len(errs) == 0 {
		r, err := h.Store.OpenRound(c.UserContext(), v.User, idea.ID, in)
		var invalid models.ValidationErrors
		switch {
		case err == nil:
			return h.redirectWithFlash(c, roundPath(r), "round_opened")
		case errors.As(err, &invalid):
			errs = invalid
		case errors.Is(err, models.ErrConflict):
			problem := "" // the idea is not planned nor in progress: renderNew says so
			if idea.Status.Kind == models.KindPlanned || idea.Status.Kind == models.KindActive {
				problem = views.T(v.L, "rounds.new.no_voters")
			}
			return h.renderNew(c, idea, form, nil, problem, fiber.StatusConflict)
		default:
			return err
		}
	}
	// The model numbers the questions sent; the form, its slots.
	out := models.ValidationErrors{}
	for field, msg := range errs {
		var n int
		if _, err := fmt.Sscanf(field, "questions.%d", &n); err == nil && n >= 1 && n <= len(form.slots) {
			field = fmt.Sprintf("questions.%d", form.slots[n-1])
		}
		out[field] = msg
	}
	return h.renderNew(c, idea, form, out, views.T(v.L, "rounds.form.errors"), fiber.StatusUnprocessableEntity)
}

// ideaRounds is the rounds box of an idea's page.
type ideaRounds struct {
	Rounds []*models.Round
	// CanOpen offers the team the form to open one.
	CanOpen bool
}

// Average is a rating's average with two decimals, in the reader's way of
// writing them.
func (p roundPage) Average(q models.QuestionSummary) string {
	s := strconv.FormatFloat(q.Average, 'f', 2, 64)
	if p.Lang == "nl" {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// AnswerText is an answer as a person reads it: yes and no in their language.
func (p roundPage) AnswerText(q models.RoundQuestion, a string) string {
	if q.Kind == models.AskYesNo && (a == "yes" || a == "no") {
		return views.T(p.L, "rounds."+a)
	}
	return a
}
