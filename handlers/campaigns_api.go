package handlers

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// CampaignsAPI is co-creation campaigns in the JSON API under
// /api/v1/campaigns, and the points members spend on their ideas.
type CampaignsAPI struct{ *Deps }

// APICampaign is a campaign in the JSON API.
type APICampaign struct {
	ID        int64         `json:"id"`
	Slug      string        `json:"slug"`
	Title     string        `json:"title"`
	Brief     string        `json:"brief"`
	BriefHTML string        `json:"brief_html"`
	Phase     models.Phase  `json:"phase"`
	NextPhase *models.Phase `json:"next_phase"`
	// NextMoveAt is when the campaign moves to its next phase by itself,
	// on one of its dates; null when the team moves it.
	NextMoveAt *time.Time `json:"next_move_at"`
	// Image is the picture above the brief, null for none.
	Image              *APIImage          `json:"image"`
	SubmissionOpensAt  *time.Time         `json:"submission_opens_at"`
	SubmissionClosesAt *time.Time         `json:"submission_closes_at"`
	VotingOpensAt      *time.Time         `json:"voting_opens_at"`
	VotingClosesAt     *time.Time         `json:"voting_closes_at"`
	Budget             int                `json:"budget"`
	MaxPerIdea         int                `json:"max_per_idea"`
	Sealed             bool               `json:"sealed"`
	RevealedAt         *time.Time         `json:"revealed_at"`
	Categories         []string           `json:"categories"`
	Questions          []APICampaignAsk   `json:"questions"`
	History            []APICampaignPhase `json:"history"`
	URL                string             `json:"url"`
	Ideas              *[]APICampaignIdea `json:"ideas,omitempty"`
	Points             *APICampaignPoints `json:"points,omitempty"`
	// Results are the team's decisions: public in the results phase, the
	// team's draft in review.
	Results *[]APICampaignResult `json:"results,omitempty"`
}

// APICampaignResult is the team's decision on one idea of a campaign.
type APICampaignResult struct {
	IdeaID     int64     `json:"idea_id"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	Decision   string    `json:"decision"`
	Answer     string    `json:"answer"`
	AnswerHTML string    `json:"answer_html"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// APICampaignAsk is a question every idea of a campaign answers.
type APICampaignAsk struct {
	Position int      `json:"position"`
	Kind     string   `json:"kind"`
	Prompt   string   `json:"prompt"`
	Choices  []string `json:"choices"`
	Required bool     `json:"required"`
}

// APICampaignPhase is a phase the campaign entered, and when.
type APICampaignPhase struct {
	Phase models.Phase `json:"phase"`
	At    time.Time    `json:"at"`
}

// APICampaignIdea is an idea of a campaign: its tally (votes, or points
// when the campaign has a budget) is null while the campaign is sealed;
// mine is the points the caller gave it.
type APICampaignIdea struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Tally *int   `json:"tally"`
	Mine  int    `json:"mine"`
	// Answers are the idea's answers to the campaign's questions.
	Answers []APIReply `json:"answers"`
}

// APICampaignPoints is the caller's budget in a campaign.
type APICampaignPoints struct {
	Budget int `json:"budget"`
	Spent  int `json:"spent"`
	Left   int `json:"left"`
}

// APIReply is an idea's answer to a campaign's question.
type APIReply struct {
	Position int    `json:"position"`
	Answer   string `json:"answer"`
}

// List answers GET /campaigns: the campaigns the caller may see, the
// newest first (drafts for the team alone).
func (h *CampaignsAPI) List(c *fiber.Ctx) error {
	list, err := h.Store.Campaigns(c.UserContext(), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := struct {
		Campaigns []APICampaign `json:"campaigns"`
	}{make([]APICampaign, len(list))}
	for i, camp := range list {
		out.Campaigns[i] = h.apiCampaign(camp)
	}
	return c.JSON(out)
}

// Show answers GET /campaigns/:slug: the campaign with its ideas and, for
// a member in a campaign of points, their budget.
func (h *CampaignsAPI) Show(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), user)
	if err != nil {
		return err
	}
	return h.showCampaign(c, camp, user, fiber.StatusOK)
}

func (h *CampaignsAPI) showCampaign(c *fiber.Ctx, camp *models.Campaign, user *models.User, status int) error {
	entries, err := h.Store.CampaignIdeas(c.UserContext(), camp, user)
	if err != nil {
		return err
	}
	answers, err := h.Store.CampaignAnswers(c.UserContext(), camp)
	if err != nil {
		return err
	}
	out := h.apiCampaign(camp)
	ideas := make([]APICampaignIdea, len(entries))
	for i, e := range entries {
		ideas[i] = APICampaignIdea{ID: e.Idea.ID, Title: e.Idea.Title, URL: h.BaseURL + ideaPath(e.Idea), Mine: e.Mine,
			Answers: make([]APIReply, 0, len(answers[e.Idea.ID]))}
		for _, a := range answers[e.Idea.ID] {
			ideas[i].Answers = append(ideas[i].Answers, APIReply{Position: a.Position, Answer: a.Answer})
		}
		if !camp.Hidden() {
			ideas[i].Tally = &entries[i].Tally
		}
	}
	out.Ideas = &ideas
	decided, err := h.Store.CampaignResults(c.UserContext(), camp, user)
	if err != nil {
		return err
	}
	results := make([]APICampaignResult, len(decided))
	for i, r := range decided {
		results[i] = APICampaignResult{IdeaID: r.IdeaID, Title: r.Idea.Title, URL: h.BaseURL + ideaPath(r.Idea), Decision: r.Decision,
			Answer: r.Answer, AnswerHTML: string(r.AnswerHTML), UpdatedAt: r.UpdatedAt.UTC()}
	}
	out.Results = &results
	if camp.Budgeted() && user != nil {
		p, err := h.Store.PointsOf(c.UserContext(), camp, user)
		if err != nil {
			return err
		}
		out.Points = &APICampaignPoints{Budget: p.Budget, Spent: p.Spent, Left: p.Left()}
	}
	return c.Status(status).JSON(out)
}

// campaignInput is what the team sends to create or change a campaign;
// absent fields stay as they are, and null clears a date.
type campaignInput struct {
	Title              *string            `json:"title"`
	Slug               *string            `json:"slug"`
	Brief              *string            `json:"brief"`
	SubmissionOpensAt  json.RawMessage    `json:"submission_opens_at"`
	SubmissionClosesAt json.RawMessage    `json:"submission_closes_at"`
	VotingOpensAt      json.RawMessage    `json:"voting_opens_at"`
	VotingClosesAt     json.RawMessage    `json:"voting_closes_at"`
	Budget             *int               `json:"budget"`
	MaxPerIdea         *int               `json:"max_per_idea"`
	Categories         *[]string          `json:"categories"`
	Questions          *[]campaignAskJSON `json:"questions"`
	Sealed             *bool              `json:"sealed"`
	// Image is the id of an upload of the caller's (POST /images) to show
	// above the brief; null removes the picture.
	Image json.RawMessage `json:"image"`
}

type campaignAskJSON struct {
	Kind     string   `json:"kind"`
	Prompt   string   `json:"prompt"`
	Choices  []string `json:"choices"`
	Required bool     `json:"required"`
}

// model reads the input into the models' terms, with what is malformed in errs.
func (in campaignInput) model(errs models.ValidationErrors) models.CampaignInput {
	out := models.CampaignInput{Title: in.Title, Slug: in.Slug, Brief: in.Brief, Budget: in.Budget,
		MaxPerIdea: in.MaxPerIdea, Categories: in.Categories, Sealed: in.Sealed,
		SubmissionOpensAt:  jsonTime(in.SubmissionOpensAt, "submission_opens_at", errs),
		SubmissionClosesAt: jsonTime(in.SubmissionClosesAt, "submission_closes_at", errs),
		VotingOpensAt:      jsonTime(in.VotingOpensAt, "voting_opens_at", errs),
		VotingClosesAt:     jsonTime(in.VotingClosesAt, "voting_closes_at", errs),
	}
	if len(in.Image) > 0 {
		var id *int64
		if err := json.Unmarshal(in.Image, &id); err != nil || (id != nil && *id < 1) {
			errs["image"] = "must be the id of an image you uploaded, or null"
		} else {
			out.ImageID = &id
		}
	}
	if in.Questions != nil {
		qs := make([]models.QuestionInput, len(*in.Questions))
		for i, q := range *in.Questions {
			qs[i] = models.QuestionInput{Kind: q.Kind, Prompt: q.Prompt, Choices: q.Choices, Required: q.Required}
		}
		out.Questions = &qs
	}
	return out
}

// jsonTime reads a field that sets a moment (RFC 3339) or, with null,
// clears it; nil when the field is absent.
func jsonTime(raw json.RawMessage, name string, errs models.ValidationErrors) **time.Time {
	if len(raw) == 0 {
		return nil
	}
	var t *time.Time
	if string(raw) != "null" {
		var s string
		parsed, err := time.Time{}, json.Unmarshal(raw, &s)
		if err == nil {
			parsed, err = time.Parse(time.RFC3339, s)
		}
		if err != nil {
			errs[name] = "must be a moment as in 2027-03-01T09:00:00Z, or null"
			return nil
		}
		t = &parsed
	}
	return &t
}

// readCampaign reads a campaign's JSON input.
func readCampaign(c *fiber.Ctx) (models.CampaignInput, error) {
	var in campaignInput
	if err := readJSON(c, &in); err != nil {
		return models.CampaignInput{}, err
	}
	errs := models.ValidationErrors{}
	out := in.model(errs)
	if len(errs) > 0 {
		return out, errs
	}
	return out, nil
}

// Create answers POST /campaigns: the team drafts a campaign (201).
func (h *CampaignsAPI) Create(c *fiber.Ctx) error {
	in, err := readCampaign(c)
	if err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	camp, err := h.Store.CreateCampaign(c.UserContext(), user, in)
	if err != nil {
		return err
	}
	return h.showCampaign(c, camp, user, fiber.StatusCreated)
}

// Update answers PATCH /campaigns/:slug.
func (h *CampaignsAPI) Update(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), user)
	if err != nil {
		return err
	}
	in, err := readCampaign(c)
	if err != nil {
		return err
	}
	if camp, err = h.Store.UpdateCampaign(c.UserContext(), camp.ID, user, in); err != nil {
		return err
	}
	return h.showCampaign(c, camp, user, fiber.StatusOK)
}

// Move answers PUT /campaigns/:slug/phase {"phase":"voting"}: the campaign
// moves to its next phase (409 for any other).
func (h *CampaignsAPI) Move(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), user)
	if err != nil {
		return err
	}
	var in struct {
		Phase *string `json:"phase"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Phase == nil {
		return models.ValidationErrors{"phase": "is required"}
	}
	if camp, err = h.Store.MoveCampaign(c.UserContext(), camp.ID, user, models.Phase(*in.Phase)); err != nil {
		return err
	}
	return h.showCampaign(c, camp, user, fiber.StatusOK)
}

// Spend answers PUT /ideas/:id/points {"points":3}: the caller gives the
// idea that many points of their budget in its campaign (0 takes them
// back); over the budget is 409 and changes nothing.
func (h *CampaignsAPI) Spend(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Points *int `json:"points"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Points == nil {
		return models.ValidationErrors{"points": "is required"}
	}
	p, err := h.Store.SpendPoints(c.UserContext(), h.ViewerOf(c).User, id, *in.Points)
	if err != nil {
		return err
	}
	return c.JSON(struct {
		APICampaignPoints
		Mine int `json:"mine"`
	}{APICampaignPoints{Budget: p.Budget, Spent: p.Spent, Left: p.Left()}, p.PerIdea[id]})
}

func (d *Deps) apiCampaign(camp *models.Campaign) APICampaign {
	out := APICampaign{
		ID: camp.ID, Slug: camp.Slug, Title: camp.Title, Brief: camp.Brief, BriefHTML: string(camp.BriefHTML),
		Phase: camp.Phase, Budget: camp.Budget, MaxPerIdea: camp.MaxPerIdea, Sealed: camp.Sealed,
		SubmissionOpensAt: utc(camp.SubmissionOpensAt), SubmissionClosesAt: utc(camp.SubmissionClosesAt),
		VotingOpensAt: utc(camp.VotingOpensAt), VotingClosesAt: utc(camp.VotingClosesAt), RevealedAt: utc(camp.RevealedAt),
		Categories: make([]string, len(camp.Categories)), Questions: make([]APICampaignAsk, len(camp.Questions)),
		History: make([]APICampaignPhase, len(camp.History)), URL: d.BaseURL + "/campaigns/" + camp.Slug,
		NextMoveAt: utc(camp.NextMoveAt()),
	}
	if next := camp.Phase.Next(); next != "" {
		out.NextPhase = &next
	}
	if camp.Image != nil {
		img := d.apiImage(camp.Image)
		out.Image = &img
	}
	for i, cat := range camp.Categories {
		out.Categories[i] = cat.Slug
	}
	for i, q := range camp.Questions {
		out.Questions[i] = APICampaignAsk{Position: q.Position, Kind: q.Kind, Prompt: q.Prompt, Choices: q.ChoiceList(), Required: q.Required}
		if out.Questions[i].Choices == nil {
			out.Questions[i].Choices = []string{}
		}
	}
	for i, ph := range camp.History {
		out.History[i] = APICampaignPhase{Phase: ph.Phase, At: ph.CreatedAt.UTC()}
	}
	return out
}

// Decide answers PUT /campaigns/:slug/results/:id {"decision","answer"}:
// the team's decision on an idea of the campaign, in its review or results
// phase (409 before), with the campaign as the answer.
func (h *CampaignsAPI) Decide(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, ideaID, err := h.campaignAndIdea(c, user)
	if err != nil {
		return err
	}
	var in struct {
		Decision *string `json:"decision"`
		Answer   *string `json:"answer"`
	}
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Decision == nil || *in.Decision == "" {
		return models.ValidationErrors{"decision": "is required: chosen, considered or declined"}
	}
	if err := h.Store.SetCampaignResult(c.UserContext(), user, camp, ideaID, *in.Decision, orEmpty(in.Answer)); err != nil {
		return err
	}
	return h.showCampaign(c, camp, user, fiber.StatusOK)
}

// Undecide answers DELETE /campaigns/:slug/results/:id: the idea leaves the
// shortlist (204).
func (h *CampaignsAPI) Undecide(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, ideaID, err := h.campaignAndIdea(c, user)
	if err != nil {
		return err
	}
	if err := h.Store.SetCampaignResult(c.UserContext(), user, camp, ideaID, "", ""); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// campaignAndIdea reads the campaign and the idea a route names.
func (h *CampaignsAPI) campaignAndIdea(c *fiber.Ctx, user *models.User) (*models.Campaign, int64, error) {
	ideaID, err := pathID(c, "id")
	if err != nil {
		return nil, 0, err
	}
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), user)
	return camp, ideaID, err
}

// Subscription answers GET /campaigns/:slug/subscription: whether the
// member follows the campaign.
func (h *CampaignsAPI) Subscription(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	following, err := h.Store.FollowsCampaign(c.UserContext(), camp.ID, v.User.ID)
	if err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: following})
}

// SetSubscription answers PUT /campaigns/:slug/subscription {"subscribed":bool}.
func (h *CampaignsAPI) SetSubscription(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	subscribed, err := readSubscription(c)
	if err != nil {
		return err
	}
	if err := h.Store.FollowCampaign(c.UserContext(), camp, v.User, subscribed); err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: subscribed})
}
