package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Campaigns are the pages of co-creation campaigns: the list, a campaign's
// page where members submit ideas and spend their points, and the team's
// editor, where campaigns are drafted and moved through their phases.
type Campaigns struct{ *Deps }

// campaignCard is what the campaign partials need: a campaign and the
// translator.
type campaignCard struct {
	Campaign *models.Campaign
	L        *i18n.Localizer
}

// questionView is one of a campaign's questions, ready for its partial.
type questionView struct {
	Q *models.CampaignQuestion
	L *i18n.Localizer
}

type campaignListPage struct {
	Layout
	Campaigns []*models.Campaign
	CanManage bool
}

// CardOf is a campaign of the list, ready for the partials.
func (p campaignListPage) CardOf(camp *models.Campaign) campaignCard { return campaignCard{camp, p.L} }

// List shows the campaigns the viewer may see, the newest first.
func (h *Campaigns) List(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	list, err := h.Store.Campaigns(c.UserContext(), v.User)
	if err != nil {
		return err
	}
	data := campaignListPage{Layout: h.layout(c, "campaigns.title", "campaigns"), Campaigns: list}
	data.CanManage = h.Store.Can(v.User, models.ActManageCampaigns)
	return c.Render("campaigns/list", data)
}

type campaignShowPage struct {
	Layout
	Campaign *models.Campaign
	Entries  []models.CampaignEntry
	// Points is the viewer's spending while they may spend points; nil
	// otherwise.
	Points     *models.Points
	CanPropose bool
	CanManage  bool
	// Problem says why points were not spent, and on which idea.
	Problem     string
	ProblemIdea int64
	// Results are the team's decisions the viewer may read; CanDecide
	// offers the team the form for each idea, in review and results.
	Results   []models.CampaignResult
	CanDecide bool
	// CanFollow offers a member the button that follows the campaign;
	// Following is whether they do.
	CanFollow, Following bool
}

// ResultOf is the team's decision on an idea, if any.
func (p campaignShowPage) ResultOf(id int64) *models.CampaignResult {
	for i := range p.Results {
		if p.Results[i].IdeaID == id {
			return &p.Results[i]
		}
	}
	return nil
}

// Decisions are the decisions the team chooses from.
func (p campaignShowPage) Decisions() []string { return models.Decisions }

// Card is the campaign, ready for the partials.
func (p campaignShowPage) Card() campaignCard { return campaignCard{p.Campaign, p.L} }

// Question is one of the campaign's questions, ready for its partial.
func (p campaignShowPage) Question(q models.CampaignQuestion) questionView {
	return questionView{&q, p.L}
}

// Vote is an idea's vote button on the page.
func (p campaignShowPage) Vote(i *models.Idea) ideaView { return newIdeaView(p.Layout, i) }

// MaxPoints is the most points one idea may take.
func (p campaignShowPage) MaxPoints() int {
	if p.Campaign.MaxPerIdea > 0 {
		return p.Campaign.MaxPerIdea
	}
	return p.Campaign.Budget
}

// SubmitPath is the form that submits an idea to the campaign.
func (p campaignShowPage) SubmitPath() string { return "/ideas/new?campaign=" + p.Campaign.Slug }

// Show is a campaign's page: its brief, phases, questions and ideas. A
// draft is not found but by the team.
func (h *Campaigns) Show(c *fiber.Ctx) error {
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.renderShow(c, camp, "", 0, fiber.StatusOK)
}

func (h *Campaigns) renderShow(c *fiber.Ctx, camp *models.Campaign, problem string, problemIdea int64, status int) error {
	v := h.ViewerOf(c)
	data := campaignShowPage{Layout: h.layout(c, "", "campaigns"), Campaign: camp, Problem: problem, ProblemIdea: problemIdea}
	data.Title = camp.Title
	var err error
	if data.Entries, err = h.Store.CampaignIdeas(c.UserContext(), camp, v.User); err != nil {
		return err
	}
	if camp.Budgeted() && camp.Voting() && h.Store.Can(v.User, models.ActVote) {
		if data.Points, err = h.Store.PointsOf(c.UserContext(), camp, v.User); err != nil {
			return err
		}
	}
	data.CanPropose = h.Store.Can(v.User, models.ActPropose)
	data.CanManage = h.Store.Can(v.User, models.ActManageCampaigns)
	if data.Results, err = h.Store.CampaignResults(c.UserContext(), camp, v.User); err != nil {
		return err
	}
	data.CanDecide = data.CanManage && (camp.Phase == models.PhaseReview || camp.Phase == models.PhaseResults)
	if data.CanFollow = h.Store.Can(v.User, models.ActFollow); data.CanFollow {
		if data.Following, err = h.Store.FollowsCampaign(c.UserContext(), camp.ID, v.User.ID); err != nil {
			return err
		}
	}
	return c.Status(status).Render("campaigns/show", data)
}

// Follow and Unfollow make the member hear of each phase the campaign
// enters, or stop.
func (h *Campaigns) Follow(c *fiber.Ctx) error   { return h.follow(c, true) }
func (h *Campaigns) Unfollow(c *fiber.Ctx) error { return h.follow(c, false) }

func (h *Campaigns) follow(c *fiber.Ctx, follow bool) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	if err := h.Store.FollowCampaign(c.UserContext(), camp, v.User, follow); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/campaigns/"+camp.Slug, map[bool]string{true: "campaign_followed", false: "campaign_unfollowed"}[follow])
}

// Spend sets the points the member gives one idea of a budgeted campaign.
// A refusal shows the page again with the reason and nothing changed.
func (h *Campaigns) Spend(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	ideaID, err := strconv.ParseInt(c.FormValue("idea"), 10, 64)
	if err != nil || ideaID < 1 {
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.no_idea"), 0, fiber.StatusUnprocessableEntity)
	}
	points, err := strconv.Atoi(strings.TrimSpace(c.FormValue("points")))
	if err != nil || points < 0 {
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.invalid"), ideaID, fiber.StatusUnprocessableEntity)
	}
	idea, err := h.Store.Idea(c.UserContext(), ideaID, v.User)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (idea.CampaignID == nil || *idea.CampaignID != camp.ID)) {
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.no_idea"), 0, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	_, err = h.Store.SpendPoints(c.UserContext(), v.User, ideaID, points)
	var invalid models.ValidationErrors
	switch {
	case err == nil:
		return h.redirectWithFlash(c, "/campaigns/"+camp.Slug, "points_spent")
	case errors.Is(err, models.ErrOverBudget) && camp.MaxPerIdea > 0 && points > camp.MaxPerIdea:
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.over_max", "Max", camp.MaxPerIdea), ideaID, fiber.StatusConflict)
	case errors.Is(err, models.ErrOverBudget):
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.over_budget"), ideaID, fiber.StatusConflict)
	case errors.Is(err, models.ErrConflict):
		// The campaign moved on meanwhile: the page shows where it is now.
		if camp, err = h.Store.Campaign(c.UserContext(), camp.Slug, v.User); err != nil {
			return err
		}
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.closed"), ideaID, fiber.StatusConflict)
	case errors.As(err, &invalid) && !camp.Budgeted():
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.plain"), ideaID, fiber.StatusUnprocessableEntity)
	case errors.As(err, &invalid):
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.invalid"), ideaID, fiber.StatusUnprocessableEntity)
	}
	return err
}

// campaignDates are the names of the form's dates, in the order a campaign
// lives them; the model names its fields the same.
var campaignDates = []string{"submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at"}

// campaignForm is what the editor's form holds, as typed.
type campaignForm struct {
	Title, Slug, Brief string
	// Dates are the dates by their names (campaignDates), as a
	// datetime-local field holds them, in UTC.
	Dates              map[string]string
	Budget, MaxPerIdea string
	// Sealed hides the counts until voting closes.
	Sealed bool
	// ImageID is an upload of an earlier try of the form, carried along
	// so that a refused form need not send its file again.
	ImageID string
	// Categories are the slugs ticked.
	Categories []string
	// Questions are every slot of the form, MaxCampaignQuestions of them.
	Questions []questionForm
	// slots are the positions in the form of the questions sent, in order.
	slots []int
}

// questionForm is one question's slot in the editor's form.
type questionForm struct {
	Position              int
	Kind, Prompt, Choices string
	Required              bool
}

// dateField is a date of the form, ready for its input.
type dateField struct{ Name, Value string }

// DateFields are the form's dates in order.
func (f campaignForm) DateFields() []dateField {
	fields := make([]dateField, len(campaignDates))
	for i, name := range campaignDates {
		fields[i] = dateField{name, f.Dates[name]}
	}
	return fields
}

// readImage reads the brief's picture from the editor's form: a new file
// (uploaded at once, and carried in the form should the rest be refused),
// one such upload carried from an earlier try, or the box that removes it.
func (h *Campaigns) readImage(c *fiber.Ctx, form *campaignForm, in *models.CampaignInput, errs models.ValidationErrors) {
	form.ImageID = strings.TrimSpace(c.FormValue("image_id"))
	if fh, err := c.FormFile("image"); err == nil && fh.Size > 0 {
		data, err := readUpload(fh)
		var img *models.Image
		if err == nil {
			img, err = h.Store.UploadImage(c.UserContext(), h.ViewerOf(c).User, models.NewImage{Data: data, Alt: c.FormValue("image_alt")})
		}
		var invalid models.ValidationErrors
		switch {
		case errors.As(err, &invalid):
			for _, msg := range invalid {
				errs["image"] = msg
			}
			return
		case err != nil:
			errs["image"] = err.Error()
			return
		}
		form.ImageID = strconv.FormatInt(img.ID, 10)
	}
	switch {
	case c.FormValue("remove_image") != "":
		var none *int64
		in.ImageID = &none
	case form.ImageID != "":
		id, err := strconv.ParseInt(form.ImageID, 10, 64)
		if err != nil || id < 1 {
			errs["image"] = views.T(h.ViewerOf(c).L, "campaigns.invalid_number")
			form.ImageID = ""
			return
		}
		image := &id
		in.ImageID = &image
	}
}

// Ticked reports whether a category is ticked.
func (f campaignForm) Ticked(slug string) bool { return slices.Contains(f.Categories, slug) }

// dateLayout is a datetime-local field's value.
const dateLayout = "2006-01-02T15:04"

// campaignFormOf is the form filled in with a campaign.
func campaignFormOf(camp *models.Campaign) campaignForm {
	form := campaignForm{
		Title: camp.Title, Slug: camp.Slug, Brief: camp.Brief, Dates: map[string]string{},
		Budget: strconv.Itoa(camp.Budget), MaxPerIdea: strconv.Itoa(camp.MaxPerIdea), Sealed: camp.Sealed,
	}
	for i, at := range []*time.Time{camp.SubmissionOpensAt, camp.SubmissionClosesAt, camp.VotingOpensAt, camp.VotingClosesAt} {
		if at != nil {
			form.Dates[campaignDates[i]] = at.UTC().Format(dateLayout)
		}
	}
	for _, cat := range camp.Categories {
		form.Categories = append(form.Categories, cat.Slug)
	}
	form.Questions = make([]questionForm, models.MaxCampaignQuestions)
	for i := range form.Questions {
		form.Questions[i] = questionForm{Position: i + 1, Kind: models.QuestionText}
	}
	for _, q := range camp.Questions {
		if q.Position >= 1 && q.Position <= len(form.Questions) {
			form.Questions[q.Position-1] = questionForm{Position: q.Position, Kind: q.Kind, Prompt: q.Prompt, Choices: q.Choices, Required: q.Required}
		}
	}
	return form
}

// readMoment reads a date as a datetime-local or date field sends it, in
// UTC; empty is none.
func readMoment(value string) (*time.Time, error) {
	if value == "" {
		return nil, nil
	}
	for _, layout := range []string{dateLayout, "2006-01-02T15:04:05", time.DateOnly} {
		if at, err := time.Parse(layout, value); err == nil {
			return &at, nil
		}
	}
	return nil, errors.New("not a date")
}

// readForm reads the editor's form; the questions only when they may still
// change (withQuestions), so that the rest of a campaign can be edited
// after its draft.
func (h *Campaigns) readForm(c *fiber.Ctx, withQuestions bool) (campaignForm, models.CampaignInput, models.ValidationErrors) {
	l := h.ViewerOf(c).L
	form := campaignForm{
		Title: c.FormValue("title"), Slug: strings.TrimSpace(c.FormValue("slug")), Brief: c.FormValue("brief"),
		Dates:  map[string]string{},
		Budget: strings.TrimSpace(c.FormValue("budget")), MaxPerIdea: strings.TrimSpace(c.FormValue("max_per_idea")),
		Categories: formValues(c, "categories"), Sealed: c.FormValue("sealed") != "",
	}
	if form.Categories == nil {
		form.Categories = []string{}
	}
	in := models.CampaignInput{Title: &form.Title, Brief: &form.Brief, Categories: &form.Categories, Sealed: &form.Sealed}
	if form.Slug != "" {
		in.Slug = &form.Slug
	}
	errs := models.ValidationErrors{}
	var moments [4]*time.Time
	for i, name := range campaignDates {
		form.Dates[name] = strings.TrimSpace(c.FormValue(name))
		at, err := readMoment(form.Dates[name])
		if err != nil {
			errs[name] = views.T(l, "campaigns.invalid_date")
		}
		moments[i] = at
	}
	in.SubmissionOpensAt, in.SubmissionClosesAt, in.VotingOpensAt, in.VotingClosesAt = &moments[0], &moments[1], &moments[2], &moments[3]
	h.readImage(c, &form, &in, errs)
	for _, n := range []struct {
		field, value string
		to           **int
	}{{"budget", form.Budget, &in.Budget}, {"max_per_idea", form.MaxPerIdea, &in.MaxPerIdea}} {
		v, err := optionalInt(n.value)
		if err != nil {
			errs[n.field] = views.T(l, "campaigns.invalid_number")
		}
		*n.to = &v
	}

	form.Questions = make([]questionForm, models.MaxCampaignQuestions)
	var questions []models.QuestionInput
	for i := range form.Questions {
		key := fmt.Sprintf("question_%d_", i+1)
		q := questionForm{Position: i + 1, Kind: c.FormValue(key + "kind"), Prompt: c.FormValue(key + "prompt"),
			Choices: c.FormValue(key + "choices"), Required: c.FormValue(key+"required") != ""}
		form.Questions[i] = q
		if strings.TrimSpace(q.Prompt) == "" && strings.TrimSpace(q.Choices) == "" {
			continue // an empty slot
		}
		form.slots = append(form.slots, q.Position)
		questions = append(questions, models.QuestionInput{Kind: q.Kind, Prompt: q.Prompt, Choices: strings.Split(q.Choices, "\n"), Required: q.Required})
	}
	if withQuestions {
		if questions == nil {
			questions = []models.QuestionInput{}
		}
		in.Questions = &questions
	}
	return form, in, errs
}

// slotErrors names a question's error by its slot in the form: the model
// numbers the questions sent, and empty slots are not sent.
func (f campaignForm) slotErrors(errs models.ValidationErrors) models.ValidationErrors {
	out := models.ValidationErrors{}
	for field, msg := range errs {
		if n, ok := strings.CutPrefix(field, "questions."); ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 1 && i <= len(f.slots) {
				field = fmt.Sprintf("questions.%d", f.slots[i-1])
			}
		}
		out[field] = msg
	}
	return out
}

type campaignEditPage struct {
	Layout
	// Campaign is the campaign being edited; nil on the editor's first page.
	Campaign *models.Campaign
	// Campaigns are every campaign, drafts too, on the editor's first page.
	Campaigns  []*models.Campaign
	Categories []models.Category
	Form       campaignForm
	Errors     models.ValidationErrors
	// Notice says why the campaign did not move to its next phase.
	Notice string
}

// CurrentImage is the brief's picture as saved, nil for none.
func (p campaignEditPage) CurrentImage() *models.Image {
	if p.Campaign == nil {
		return nil
	}
	return p.Campaign.Image
}

// QuestionsFixed reports whether the questions can no longer change: the
// campaign has left its draft.
func (p campaignEditPage) QuestionsFixed() bool {
	return p.Campaign != nil && p.Campaign.Phase != models.PhaseDraft
}

// Card is the campaign, ready for the partials.
func (p campaignEditPage) Card() campaignCard { return campaignCard{p.Campaign, p.L} }

// Question is one of the campaign's questions, ready for its partial.
func (p campaignEditPage) Question(q models.CampaignQuestion) questionView {
	return questionView{&q, p.L}
}

// BudgetFixed reports whether the budget can no longer change: voting has
// opened.
func (p campaignEditPage) BudgetFixed() bool {
	return p.Campaign != nil && p.Campaign.Phase != models.PhaseDraft && p.Campaign.Phase != models.PhaseSubmission
}

// Next is the phase the campaign moves to next, "" after the last.
func (p campaignEditPage) Next() models.Phase { return p.Campaign.Phase.Next() }

// QuestionKinds are the kinds a question may be.
func (campaignEditPage) QuestionKinds() []string {
	return []string{models.QuestionText, models.QuestionChoice, models.QuestionNumber}
}

// fieldError is a form's error with its field's name in words.
type fieldError struct{ Field, Label, Message string }

// ErrorList is the form's errors, in the order of the form's fields.
func (p campaignEditPage) ErrorList() []fieldError {
	var list []fieldError
	for field, msg := range p.Errors {
		label := views.T(p.L, "campaigns.field."+field)
		if n, ok := strings.CutPrefix(field, "questions."); ok {
			label = views.T(p.L, "campaigns.field.question", "Number", n)
		} else if label == "campaigns.field."+field {
			label = field
		}
		list = append(list, fieldError{field, label, msg})
	}
	order := append([]string{"title", "slug", "brief", "dates"}, campaignDates...)
	order = append(order, "budget", "max_per_idea", "sealed", "categories", "questions")
	rank := func(field string) int {
		if i := slices.Index(order, field); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(list, func(a, b fieldError) int {
		if d := rank(a.Field) - rank(b.Field); d != 0 {
			return d
		}
		return strings.Compare(a.Field, b.Field)
	})
	return list
}

// QuestionError is the error of a question's slot.
func (p campaignEditPage) QuestionError(position int) string {
	return p.Errors[fmt.Sprintf("questions.%d", position)]
}

// Admin is the team's editor: every campaign, drafts too, and the form for a new one.
func (h *Campaigns) Admin(c *fiber.Ctx) error {
	return h.renderAdmin(c, campaignFormOf(&models.Campaign{}), nil, fiber.StatusOK)
}

func (h *Campaigns) renderAdmin(c *fiber.Ctx, form campaignForm, errs models.ValidationErrors, status int) error {
	data := campaignEditPage{Layout: h.layout(c, "campaigns.admin.title", "campaigns-admin"), Form: form, Errors: errs}
	var err error
	if data.Campaigns, err = h.Store.Campaigns(c.UserContext(), h.ViewerOf(c).User); err != nil {
		return err
	}
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	return c.Status(status).Render("campaigns/admin", data)
}

// Edit is the form to change one campaign, and to move it to its next phase.
func (h *Campaigns) Edit(c *fiber.Ctx) error {
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.renderEdit(c, camp, campaignFormOf(camp), nil, "", fiber.StatusOK)
}

func (h *Campaigns) renderEdit(c *fiber.Ctx, camp *models.Campaign, form campaignForm, errs models.ValidationErrors, notice string, status int) error {
	data := campaignEditPage{Layout: h.layout(c, "campaigns.edit.title", "campaigns-admin"), Campaign: camp, Form: form, Errors: errs, Notice: notice}
	var err error
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	return c.Status(status).Render("campaigns/edit", data)
}

// Create drafts a new campaign from the editor's form.
func (h *Campaigns) Create(c *fiber.Ctx) error {
	form, in, errs := h.readForm(c, true)
	if len(errs) == 0 {
		camp, err := h.Store.CreateCampaign(c.UserContext(), h.ViewerOf(c).User, in)
		if err == nil {
			return h.redirectWithFlash(c, "/admin/campaigns/"+camp.Slug, "campaign_saved")
		}
		if !errors.As(err, &errs) {
			return err
		}
		errs = form.slotErrors(errs)
	}
	return h.renderAdmin(c, form, errs, fiber.StatusUnprocessableEntity)
}

// Update changes a campaign from the editor's form. Its questions are sent
// only while it is a draft.
func (h *Campaigns) Update(c *fiber.Ctx) error {
	user := h.ViewerOf(c).User
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), user)
	if err != nil {
		return err
	}
	form, in, errs := h.readForm(c, camp.Phase == models.PhaseDraft)
	if len(errs) == 0 {
		saved, err := h.Store.UpdateCampaign(c.UserContext(), camp.ID, user, in)
		if err == nil {
			return h.redirectWithFlash(c, "/admin/campaigns/"+saved.Slug, "campaign_saved")
		}
		if !errors.As(err, &errs) {
			return err
		}
		errs = form.slotErrors(errs)
	}
	if camp.Phase != models.PhaseDraft {
		form.Questions = campaignFormOf(camp).Questions
	}
	return h.renderEdit(c, camp, form, errs, "", fiber.StatusUnprocessableEntity)
}

// Move moves a campaign to its next phase, which the form names (to): two
// of the team pressing the button at once move it once.
func (h *Campaigns) Move(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	_, err = h.Store.MoveCampaign(c.UserContext(), camp.ID, v.User, models.Phase(c.FormValue("to")))
	var invalid models.ValidationErrors
	switch {
	case err == nil:
		return h.redirectWithFlash(c, "/admin/campaigns/"+camp.Slug, "campaign_moved")
	case errors.Is(err, models.ErrConflict):
		if camp, err = h.Store.Campaign(c.UserContext(), camp.Slug, v.User); err != nil {
			return err
		}
		phase := views.T(v.L, "campaigns.phase."+string(camp.Phase))
		return h.renderEdit(c, camp, campaignFormOf(camp), nil, views.T(v.L, "campaigns.move.conflict", "Phase", phase), fiber.StatusConflict)
	case errors.As(err, &invalid):
		return h.renderEdit(c, camp, campaignFormOf(camp), nil, views.T(v.L, "campaigns.move.invalid"), fiber.StatusUnprocessableEntity)
	}
	return err
}

// Decide records the team's decision on one idea of the campaign from the
// form on its page; an empty decision takes the idea off the shortlist. A
// refusal shows the page again with the reason.
func (h *Campaigns) Decide(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	camp, err := h.Store.Campaign(c.UserContext(), c.Params("slug"), v.User)
	if err != nil {
		return err
	}
	ideaID, err := strconv.ParseInt(c.FormValue("idea"), 10, 64)
	if err != nil || ideaID < 1 {
		return h.renderShow(c, camp, views.T(v.L, "campaigns.points.no_idea"), 0, fiber.StatusUnprocessableEntity)
	}
	err = h.Store.SetCampaignResult(c.UserContext(), v.User, camp, ideaID, c.FormValue("decision"), c.FormValue("answer"))
	var invalid models.ValidationErrors
	switch {
	case err == nil:
		return h.redirectWithFlash(c, fmt.Sprintf("/campaigns/%s#idea-%d", camp.Slug, ideaID), "result_saved")
	case errors.As(err, &invalid) && invalid["answer"] != "":
		return h.renderShow(c, camp, views.T(v.L, "campaigns.result.answer_needed"), ideaID, fiber.StatusUnprocessableEntity)
	case errors.As(err, &invalid):
		return h.renderShow(c, camp, views.T(v.L, "campaigns.result.invalid"), ideaID, fiber.StatusUnprocessableEntity)
	}
	return err
}
