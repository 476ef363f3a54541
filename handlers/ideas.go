package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Ideas are the pages of the board: the list, one idea, proposing, voting,
// commenting and the team's status answers. Every action is a plain form;
// htmx makes voting happen in place.
type Ideas struct{ *Deps }

type listPage struct {
	Layout
	Page       *models.IdeaPage
	Options    models.ListOptions
	Statuses   []models.Status
	Categories []models.Category
	Sorts      []string
	// Query is the list's query string without page, for the pager's links.
	Query string
	// Rows are the page's ideas, each with what its vote button needs.
	Rows []ideaView
	// CategoryFollow is the button to follow the category listed, for those who may.
	CategoryFollow *categoryFollow
}

// Filtered reports whether the list is narrowed by a search or a filter, so
// that an empty list says "nothing matches" rather than "nothing yet".
func (p listPage) Filtered() bool {
	o := p.Options
	return o.Query != "" || o.Status != "" || o.Category != "" || o.Tag != "" || o.AuthorID != 0 || o.VotedBy != 0
}

// categoryFollow is a category and whether the viewer follows it.
type categoryFollow struct {
	Slug, Name string
	Following  bool
}

// ideaView is what the vote button needs: one idea and, from the layout,
// who is asking. Its fields are its own rather than an embedded Layout's, so
// that templates find them at once: the list renders one per idea.
type ideaView struct {
	Idea   *models.Idea
	User   *models.User
	L      *i18n.Localizer
	CSRF   string
	Path   string
	Shared string
}

func newIdeaView(l Layout, i *models.Idea) ideaView {
	return ideaView{Idea: i, User: l.User, L: l.L, CSRF: l.CSRF, Path: l.Path, Shared: l.Shared}
}

// Voting is the view with the viewer's vote as given: a page shared by
// members holds the vote button both ways.
func (v ideaView) Voting(voted bool) ideaView {
	idea := *v.Idea
	idea.Voted = voted
	v.Idea, v.Shared = &idea, ""
	return v
}

// List shows the ideas: sorted, filtered, searched and paged.
func (h *Ideas) List(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	o := models.ListOptions{
		Sort: c.Query("sort"), Status: c.Query("status"), Category: c.Query("category"),
		Tag: c.Query("tag"), Query: c.Query("q"), Excerpts: true, Rows: true,
	}
	var err error
	if o.Page, err = optionalInt(c.Query("page")); err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	if v.User != nil {
		if c.Query("mine") != "" {
			o.AuthorID = v.User.ID
		}
		if c.Query("voted") != "" {
			o.VotedBy = v.User.ID
		}
	}
	page, err := h.Store.ListIdeas(c.UserContext(), o, v.User)
	if err != nil {
		return err
	}
	data := listPage{Layout: h.layout(c, "", "home"), Page: page, Options: o, Sorts: []string{models.SortHot, models.SortTop, models.SortNew, models.SortUpdated}}
	if data.Statuses, err = h.Store.Statuses(c.UserContext()); err != nil {
		return err
	}
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	if o.Category != "" && h.Store.Can(v.User, models.ActFollow) {
		cat, err := h.Store.CategoryBySlug(c.UserContext(), o.Category)
		if err != nil {
			return err
		}
		following, err := h.Store.FollowingCategory(c.UserContext(), cat.Slug, v.User.ID)
		if err != nil {
			return err
		}
		data.CategoryFollow = &categoryFollow{Slug: cat.Slug, Name: cat.NameIn(v.Lang), Following: following}
	}
	q := c.Context().QueryArgs()
	keep := url.Values{}
	for _, k := range []string{"sort", "status", "category", "tag", "q", "mine", "voted"} {
		if val := string(q.Peek(k)); val != "" {
			keep.Set(k, val)
		}
	}
	data.Query = keep.Encode()
	data.Rows = make([]ideaView, len(page.Ideas))
	for i, idea := range page.Ideas {
		data.Rows[i] = newIdeaView(data.Layout, idea)
	}
	if v.Shared != "" && data.CategoryFollow == nil && o.AuthorID == 0 && o.VotedBy == 0 {
		ShareWithMembers(c) // a row shows its author nothing of their own
	}
	c.Type("html", "utf-8")
	return listView(data, h.kit()).Render(c.UserContext(), c)
}

// optionalInt reads an optional number; empty is zero.
func optionalInt(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

type formPage struct {
	Layout
	Categories []models.Category
	Title      string
	Body       string
	Category   string
	Errors     models.ValidationErrors
	Preview    template.HTML
	Similar    []*models.Idea
	// Notice explains a spam brake; the member's text stays in the form.
	Notice string
	// Customer records the idea for a customer (the team's part of the form).
	Customer webcareForm
	// Images attach pictures to the idea.
	Images imageForm
	// CampaignSlug names the campaign the idea is submitted to, if any;
	// Campaign is that campaign, with the questions the idea answers, and
	// Answers are the answers typed, by the questions' positions.
	CampaignSlug string
	Campaign     *models.Campaign
	Answers      map[int]string
}

// CategoryChoices are the categories the idea may go in: the campaign's,
// when it names some.
func (p formPage) CategoryChoices() []models.Category {
	if p.Campaign != nil && len(p.Campaign.Categories) > 0 {
		return p.Campaign.Categories
	}
	return p.Categories
}

// answerProblem says what is wrong with an answer: Message in words, and
// Detail as the model put it.
type answerProblem struct{ Message, Detail string }

// AnswerProblem is what is wrong with the answer to a question; nil when
// nothing is.
func (p formPage) AnswerProblem(q models.CampaignQuestion) *answerProblem {
	detail := p.Errors[fmt.Sprintf("answers.%d", q.Position)]
	switch {
	case detail == "":
		return nil
	case strings.TrimSpace(p.Answers[q.Position]) == "":
		return &answerProblem{Message: views.T(p.L, "campaigns.form.answer_required")}
	}
	return &answerProblem{Message: views.T(p.L, "campaigns.form.answer_invalid"), Detail: detail}
}

// New shows the form to propose an idea; ?campaign= submits it to a
// campaign, and the form asks the campaign's questions.
func (h *Ideas) New(c *fiber.Ctx) error {
	data := formPage{Title: c.Query("title"), CampaignSlug: c.Query("campaign")}
	if data.CampaignSlug != "" {
		var err error
		if data.Campaign, err = h.Store.Campaign(c.UserContext(), data.CampaignSlug, h.ViewerOf(c).User); err != nil {
			return err
		}
	}
	return h.renderForm(c, data, fiber.StatusOK)
}

// readAnswers reads the answers to a campaign's questions: answer_1 to
// answer_5, the empty ones left out.
func readAnswers(c *fiber.Ctx) map[int]string {
	answers := map[int]string{}
	for pos := 1; pos <= models.MaxCampaignQuestions; pos++ {
		if a := c.FormValue(fmt.Sprintf("answer_%d", pos)); strings.TrimSpace(a) != "" {
			answers[pos] = a
		}
	}
	return answers
}

func (h *Ideas) renderForm(c *fiber.Ctx, data formPage, status int) error {
	data.Layout = h.layout(c, "ideas.new.title", "new")
	data.Images.L, data.Images.Prefix = data.L, "idea"
	if !data.Customer.CanRecord {
		data.Customer = h.webcareFormFor(c)
	}
	var err error
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	if data.CampaignSlug != "" && data.Campaign == nil {
		// A campaign that is not found shows as the form's error on "campaign".
		data.Campaign, err = h.Store.Campaign(c.UserContext(), data.CampaignSlug, data.User)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	return c.Status(status).Render("ideas/new", data)
}

// Create publishes an idea, or with the preview button shows how it will
// look and which existing ideas are alike, so a member can vote for one of
// those instead.
func (h *Ideas) Create(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	data := formPage{Title: c.FormValue("title"), Body: c.FormValue("body"), Category: c.FormValue("category"),
		CampaignSlug: strings.TrimSpace(c.FormValue("campaign"))}
	if data.CampaignSlug != "" {
		data.Answers = readAnswers(c)
	}
	var err error
	if data.Images, err = h.readImages(c, v.User, nil, true); err != nil {
		return err
	}
	n := models.NewIdea{Title: data.Title, Body: data.Body, Category: data.Category, Images: data.Images.IDs(),
		Campaign: data.CampaignSlug, Answers: data.Answers}
	if len(data.Images.Problems) > 0 {
		return h.renderForm(c, data, fiber.StatusUnprocessableEntity)
	}
	if c.FormValue("preview") != "" {
		preview, err := h.Store.PreviewIdea(c.UserContext(), n, v.User)
		var invalid models.ValidationErrors
		if errors.As(err, &invalid) {
			data.Errors = invalid
		} else if err != nil {
			return err
		} else {
			data.Preview, data.Similar = preview.BodyHTML, preview.Similar
		}
		return h.renderForm(c, data, fiber.StatusOK)
	}
	// The form offers no customer with a campaign: its ideas come from members.
	if c.FormValue("customer_email") != "" && data.CampaignSlug == "" {
		data.Customer = h.readWebcareForm(c)
		return h.createForCustomer(c, data)
	}
	idea, err := h.Store.CreateIdea(c.UserContext(), v.User, n)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data.Errors = invalid
		return h.renderForm(c, data, fiber.StatusUnprocessableEntity)
	}
	var limit *models.LimitError
	if errors.As(err, &limit) {
		SetRetryAfter(c, limit)
		data.Notice = limitText(v.L, limit)
		return h.renderForm(c, data, fiber.StatusTooManyRequests)
	}
	if err != nil {
		return err
	}
	if idea.State == models.StatePending {
		return h.redirectWithFlash(c, ideaPath(idea), "idea_pending")
	}
	return h.redirectWithFlash(c, ideaPath(idea), "idea_created")
}

// Similar answers htmx while a member types a title: ideas that look alike.
func (h *Ideas) Similar(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	similar, err := h.Store.SimilarIdeas(c.UserContext(), c.Query("title"), v.User)
	if err != nil {
		return err
	}
	return c.Render("partials/similar", struct {
		Layout
		Similar []*models.Idea
	}{h.layout(c, "", ""), similar})
}

func ideaPath(i *models.Idea) string { return fmt.Sprintf("/ideas/%d/%s", i.ID, i.Slug) }

type showPage struct {
	Layout
	Idea *models.Idea
	// Campaign is the campaign the idea was submitted to, with its answers.
	Campaign *ideaCampaign
	// Rounds are the idea's feedback rounds the viewer may see, and the
	// team's link to open one.
	Rounds   ideaRounds
	Comments []models.Comment
	History  []models.StatusChange
	Voters   []models.User
	// OtherVoters counts the voters whose names the viewer may not see.
	OtherVoters int64
	Statuses    []models.Status
	CommentBody string
	Errors      models.ValidationErrors
	// Notice explains a spam brake; the comment stays in the form.
	Notice    string
	CanStatus bool
	CanVote   bool
	// CanTriage shows the team's triage (assignee, impact, effort, score)
	// and its form, with the Team to assign to.
	CanTriage bool
	// CanNote offers internal notes, which only the team writes and reads.
	CanNote bool
	Team    []models.User
	Weights []int
	// CanEdit offers to edit and delete the idea; CanModerate the moderation panel.
	CanEdit     bool
	CanModerate bool
	// CanReadHidden marks hidden comments the viewer reads, instead of a placeholder.
	CanReadHidden bool
	CanReport     bool
	// MergedFrom are the ideas merged into this one.
	MergedFrom []models.Idea
	// ShippedIn are the published changelog entries that deliver the idea.
	ShippedIn []models.ChangelogEntry
	Reasons   []string
	// CustomerVote records a customer's vote (the team's form).
	CustomerVote webcareForm
	// Follow is the follow button, for those who may follow.
	Follow *followButton
	// Images attach pictures to a new comment, or to the reply under ReplyTo.
	Images imageForm
	// ReplyTo is the comment whose reply form comes back (a refused reply):
	// CommentBody, Errors and Images are that form's, not the new comment's.
	ReplyTo int64
	// Editing is the comment whose edit form comes back (a refused edit),
	// with EditBody and EditImages in place of the comment's own.
	Editing    int64
	EditBody   string
	EditErrors models.ValidationErrors
	EditForm   imageForm
	// now is when the page was asked for, for the rules that go by standing.
	now time.Time
}

// ReplyImages is the image part of the reply form under comment id.
func (p showPage) ReplyImages(id int64) imageForm {
	if p.ReplyTo == id {
		return p.Images
	}
	return imageForm{L: p.L, Prefix: fmt.Sprintf("reply-%d", id)}
}

// CommentImages is the image part of the new comment's form.
func (p showPage) CommentImages() imageForm {
	if p.ReplyTo != 0 {
		return imageForm{L: p.L, Prefix: "comment"}
	}
	return p.Images
}

// EditImages is the image part of comment c's edit form: its images to keep
// or remove, and file fields for its author.
func (p showPage) EditImages(c models.Comment) imageForm {
	if p.Editing == c.ID {
		return p.EditForm
	}
	return editImages(p.L, fmt.Sprintf("edit-%d", c.ID), c.Images, p.User != nil && p.User.ID == c.UserID)
}

// Voting is the idea's vote button with the viewer's vote as given.
func (p showPage) Voting(voted bool) ideaView { return newIdeaView(p.Layout, p.Idea).Voting(voted) }

// EditsComment reports whether the page offers to edit and delete a comment.
func (p showPage) EditsComment(c models.Comment) bool { return c.EditableBy(p.User, p.now) }

// ModeratesComment reports whether the page offers to hide or show a comment.
func (p showPage) ModeratesComment(c models.Comment) bool { return c.ModerableBy(p.User, p.now) }

// Unmerges reports whether the page offers to unmerge an idea merged into this one.
func (p showPage) Unmerges(i models.Idea) bool { return i.ModerableBy(p.User, p.now) }

// reportForm is what the report partial needs.
type reportForm struct {
	Layout
	Target  string
	ID      int64
	Next    string
	Reasons []string
}

// hideForm is what the hide partial needs.
type hideForm struct {
	Layout
	Action string
	Key    string
	Hidden bool
}

// ReportIdea is the form to report the idea.
func (p showPage) ReportIdea() reportForm {
	return reportForm{p.Layout, models.TargetIdea, p.Idea.ID, ideaPath(p.Idea), p.Reasons}
}

// ReportComment is the form to report one of its comments.
func (p showPage) ReportComment(id int64) reportForm {
	return reportForm{p.Layout, models.TargetComment, id, fmt.Sprintf("%s#comment-%d", ideaPath(p.Idea), id), p.Reasons}
}

// HideIdea is the moderators' form to hide or show the idea.
func (p showPage) HideIdea() hideForm {
	return hideForm{p.Layout, fmt.Sprintf("/ideas/%d/moderation", p.Idea.ID), "idea", p.Idea.State == models.StateHidden}
}

// HideComment is the moderators' form to hide or show a comment.
func (p showPage) HideComment(c models.Comment) hideForm {
	return hideForm{p.Layout, fmt.Sprintf("/comments/%d/moderation", c.ID), fmt.Sprint(c.ID), c.State == models.StateHidden}
}

// Answer is the team's latest public answer on the idea, if any.
func (p showPage) Answer() *models.StatusChange {
	for i := len(p.History) - 1; i >= 0; i-- {
		if p.History[i].Note != "" {
			return &p.History[i]
		}
	}
	return nil
}

func (h *Ideas) idea(c *fiber.Ctx) (*models.Idea, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return h.Store.Idea(c.UserContext(), id, h.ViewerOf(c).User)
}

// Show is one idea with its votes, discussion and status history. Old slugs
// and merged ideas redirect.
func (h *Ideas) Show(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	if idea.MergedInto != nil {
		// Temporary: an unmerge brings the idea back at this address.
		target, err := h.Store.Idea(c.UserContext(), *idea.MergedInto, h.ViewerOf(c).User)
		if err != nil {
			return err
		}
		return h.redirectWithFlash(c, ideaPath(target), "merged_here")
	}
	if c.Params("slug") != idea.Slug {
		return c.Redirect(ideaPath(idea), fiber.StatusMovedPermanently)
	}
	return h.renderShow(c, idea, "", nil, "", fiber.StatusOK)
}

// ideaCampaign is an idea's campaign and its answers, for the idea's page.
type ideaCampaign struct {
	Campaign *models.Campaign
	Answers  []models.IdeaAnswer
}

// Prompt is the question an answer answers.
func (c *ideaCampaign) Prompt(a models.IdeaAnswer) string {
	for _, q := range c.Campaign.Questions {
		if q.ID == a.QuestionID {
			return q.Prompt
		}
	}
	return ""
}

func (h *Ideas) renderShow(c *fiber.Ctx, idea *models.Idea, commentBody string, errs models.ValidationErrors, notice string, status int, adjust ...func(*showPage)) error {
	ctx := c.UserContext()
	data := showPage{Layout: h.layout(c, "", "home"), Idea: idea, CommentBody: commentBody, Errors: errs, Notice: notice}
	data.LiveIdea = idea.ID
	data.CustomerVote = h.webcareFormFor(c)
	data.Images = imageForm{L: data.L, Prefix: "comment"}
	data.Title = idea.Title
	data.Share = h.ideaShare(c, data.Layout, idea)
	data.now = h.Store.Now()
	data.CanStatus = h.Store.Can(data.User, models.ActSetStatus)
	data.CanVote = idea.TakesVotes()
	data.CanEdit = idea.EditableBy(data.User, data.now)
	data.CanModerate = idea.ModerableBy(data.User, data.now)
	data.CanReadHidden = h.Store.Can(data.User, models.ActReadHidden)
	data.CanReport = h.Store.Can(data.User, models.ActReport)
	data.Reasons = models.ReportReasons
	var err error
	if data.Comments, data.MergedFrom, err = h.Store.Discussion(ctx, idea, data.User); err != nil {
		return err
	}
	if data.History, err = h.Store.StatusHistory(ctx, idea.ID); err != nil {
		return err
	}
	if !idea.Sealed { // who voted would tell how many
		if data.Voters, data.OtherVoters, err = h.Store.Voters(ctx, idea.ID, data.User, 30); err != nil {
			return err
		}
	}
	if data.ShippedIn, err = h.Store.ShippedIn(ctx, idea.ID); err != nil {
		return err
	}
	if idea.CampaignID != nil {
		campaign, answers, err := h.Store.IdeaCampaign(ctx, idea, data.User)
		switch {
		case err == nil:
			data.Campaign = &ideaCampaign{Campaign: campaign, Answers: answers}
		case !errors.Is(err, models.ErrNotFound): // a draft's idea is the team's to see
			return err
		}
	}
	if data.Rounds.Rounds, err = h.Store.IdeaRounds(ctx, idea, data.User); err != nil {
		return err
	}
	data.Rounds.CanOpen = h.Store.Can(data.User, models.ActManageRounds) &&
		(idea.Status.Kind == models.KindPlanned || idea.Status.Kind == models.KindActive)
	// An open round invites some members and not others: the page is
	// rendered for each.
	inviting, err := h.Store.HasOpenRound(ctx, idea.ID)
	if err != nil {
		return err
	}
	if data.CanStatus {
		if data.Statuses, err = h.Store.Statuses(ctx); err != nil {
			return err
		}
	}
	if h.Store.Can(data.User, models.ActFollow) {
		following, err := h.Store.Following(ctx, idea.ID, data.User.ID)
		if err != nil {
			return err
		}
		data.Follow = &followButton{IdeaID: idea.ID, Following: following, L: data.L, CSRF: data.CSRF, Next: ideaPath(idea), Shared: data.Shared}
	}
	data.CanNote = h.Store.Can(data.User, models.ActReadInternal)
	if data.CanTriage = h.Store.Can(data.User, models.ActTriage); data.CanTriage {
		data.Weights = []int{1, 2, 3, 4, 5}
		if data.Team, err = h.Store.TeamMembers(ctx); err != nil {
			return err
		}
	}
	for _, f := range adjust {
		f(&data)
	}
	if data.Shared != "" && !inviting && status == fiber.StatusOK && len(adjust) == 0 && commentBody == "" && errs == nil && notice == "" {
		ids := []int64{idea.ID}
		for _, m := range data.MergedFrom {
			ids = append(ids, m.ID)
		}
		owners, err := h.Store.Participants(ctx, ids)
		if err != nil {
			return err
		}
		ShareWithMembers(c, owners...)
	}
	return c.Status(status).Render("ideas/show", data)
}

// Vote and Unvote change the member's vote. With htmx the vote button is
// swapped in place; without, the browser returns to the page it came from.
func (h *Ideas) Vote(c *fiber.Ctx) error   { return h.changeVote(c, true) }
func (h *Ideas) Unvote(c *fiber.Ctx) error { return h.changeVote(c, false) }

func (h *Ideas) changeVote(c *fiber.Ctx, vote bool) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if vote {
		_, idea.Votes, err = h.Store.VoteAs(c.UserContext(), idea.ID, v.User)
	} else {
		_, idea.Votes, err = h.Store.Unvote(c.UserContext(), idea.ID, v.User.ID)
	}
	if err != nil {
		return err
	}
	idea.Voted = vote
	if c.Get("HX-Request") == "true" {
		view := newIdeaView(h.layout(c, "", ""), idea)
		// On the idea's own page a vote may have followed the idea: its
		// follow button says so too.
		if strings.HasPrefix(SafeNext(c.FormValue("next")), ideaPath(idea)) && h.Store.Can(v.User, models.ActFollow) {
			following, err := h.Store.Following(c.UserContext(), idea.ID, v.User.ID)
			if err != nil {
				return err
			}
			follow := followButton{IdeaID: idea.ID, Following: following, L: v.L, CSRF: v.CSRF, Next: ideaPath(idea), OOB: true}
			return c.Render("partials/vote-follow", struct {
				Vote   ideaView
				Follow followButton
			}{view, follow})
		}
		return c.Render("partials/vote", view)
	}
	next := SafeNext(c.FormValue("next"))
	if next == "/" && c.FormValue("next") == "" {
		next = ideaPath(idea)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// Comment adds to the discussion.
func (h *Ideas) Comment(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	n := models.NewComment{Body: c.FormValue("body"), Internal: c.FormValue("internal") != ""}
	if parent := c.FormValue("parent_id"); parent != "" {
		id, err := strconv.ParseInt(parent, 10, 64)
		if err != nil {
			return models.ValidationErrors{"parent_id": "must be a number"}
		}
		n.ParentID = &id
	}
	images, err := h.readImages(c, h.ViewerOf(c).User, nil, true)
	if err != nil {
		return err
	}
	images.Prefix = "comment"
	var replyTo int64
	if n.ParentID != nil {
		replyTo = *n.ParentID
		images.Prefix = fmt.Sprintf("reply-%d", replyTo)
	}
	keepImages := func(p *showPage) { p.Images, p.ReplyTo = images, replyTo }
	if len(images.Problems) > 0 {
		return h.renderShow(c, idea, n.Body, nil, "", fiber.StatusUnprocessableEntity, keepImages)
	}
	n.Images = images.IDs()
	comment, err := h.Store.CreateComment(c.UserContext(), idea.ID, h.ViewerOf(c).User, n)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return h.renderShow(c, idea, n.Body, invalid, "", fiber.StatusUnprocessableEntity, keepImages)
	}
	var limit *models.LimitError
	if errors.As(err, &limit) {
		SetRetryAfter(c, limit)
		return h.renderShow(c, idea, n.Body, nil, limitText(h.ViewerOf(c).L, limit), fiber.StatusTooManyRequests, keepImages)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("%s#comment-%d", ideaPath(idea), comment.ID), "comment_added")
}

// SetStatus moves the idea to a status with the team's public answer.
func (h *Ideas) SetStatus(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	answer := models.Answer{Status: c.FormValue("status"), Note: c.FormValue("note"), Reconsider: c.FormValue("reconsider_if")}
	idea, err = h.Store.AnswerIdea(c.UserContext(), idea.ID, h.ViewerOf(c).User, answer)
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "status_answered")
}

type editPage struct {
	Layout
	Idea       *models.Idea
	Categories []models.Category
	Title      string
	Body       string
	Category   string
	Tags       string
	// CanEdit offers the title, category, text and images; CanTag the tags.
	CanEdit bool
	CanTag  bool
	Errors  models.ValidationErrors
	// Images keeps or removes the idea's images, and adds the author's.
	Images imageForm
}

// Edit shows the form to change an idea (its author and moderators).
func (h *Ideas) Edit(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if !idea.EditableBy(v.User, h.Store.Now()) && !h.Store.Can(v.User, models.ActTagIdeas) {
		return fiber.ErrForbidden
	}
	data := editPage{Idea: idea, Title: idea.Title, Body: idea.Body}
	data.Images = editImages(v.L, "idea", idea.Images, v.User.ID == idea.AuthorID)
	if idea.Category != nil {
		data.Category = idea.Category.Slug
	}
	for i, t := range idea.Tags {
		if i > 0 {
			data.Tags += ", "
		}
		data.Tags += t.Name
	}
	return h.renderEdit(c, data, fiber.StatusOK)
}

func (h *Ideas) renderEdit(c *fiber.Ctx, data editPage, status int) error {
	data.Layout = h.layout(c, "ideas.edit.title", "")
	data.Images.L, data.Images.Prefix, data.Images.Listed = data.L, "idea", true
	data.CanEdit = data.Idea.EditableBy(data.User, h.Store.Now())
	data.CanTag = h.Store.Can(data.User, models.ActTagIdeas)
	var err error
	if data.Categories, err = h.Store.Categories(c.UserContext()); err != nil {
		return err
	}
	return c.Status(status).Render("ideas/edit", data)
}

// Update saves an edited idea; the old text is kept as a revision.
func (h *Ideas) Update(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	data := editPage{Idea: idea, Title: c.FormValue("title"), Body: c.FormValue("body"), Category: c.FormValue("category"), Tags: c.FormValue("tags")}
	up := models.IdeaUpdate{}
	if idea.EditableBy(v.User, h.Store.Now()) {
		up.Title, up.Body, up.Category = &data.Title, &data.Body, &data.Category
		if listedImages(c) {
			if data.Images, err = h.readImages(c, v.User, idea.Images, v.User.ID == idea.AuthorID); err != nil {
				return err
			}
			if len(data.Images.Problems) > 0 {
				return h.renderEdit(c, data, fiber.StatusUnprocessableEntity)
			}
			ids := data.Images.IDs()
			up.Images = &ids
		} else {
			data.Images = editImages(v.L, "idea", idea.Images, v.User.ID == idea.AuthorID)
		}
	}
	if h.Store.Can(v.User, models.ActTagIdeas) {
		tags := splitTags(data.Tags)
		up.Tags = &tags
	}
	updated, err := h.Store.UpdateIdea(c.UserContext(), idea.ID, v.User, up)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		data.Errors = invalid
		return h.renderEdit(c, data, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(updated), "idea_saved")
}

// splitTags reads a comma-separated list of tags.
func splitTags(s string) []string {
	var tags []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// Delete removes an idea: its author while nobody else took part, or a moderator.
func (h *Ideas) Delete(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return h.unconfirmed(c, ideaPath(idea))
	}
	if err := h.Store.DeleteIdea(c.UserContext(), idea.ID, h.ViewerOf(c).User); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/", "idea_deleted")
}

// EditComment changes the text and images of one's own comment, or (staff)
// of a member's. A refused edit comes back in the comment's edit form.
func (h *Ideas) EditComment(c *fiber.Ctx) error {
	idea, err := h.idea(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "comment")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	current, err := h.Store.EditableComment(c.UserContext(), id, v.User)
	if err != nil {
		return err
	}
	author := v.User.ID == current.UserID
	body := c.FormValue("body")
	up := models.CommentUpdate{Body: &body}
	form := editImages(v.L, fmt.Sprintf("edit-%d", id), current.Images, author)
	if listedImages(c) {
		if form, err = h.readImages(c, v.User, current.Images, author); err != nil {
			return err
		}
		form.Prefix, form.Listed = fmt.Sprintf("edit-%d", id), true
		ids := form.IDs()
		up.Images = &ids
	}
	refused := func(errs models.ValidationErrors) error {
		return h.renderShow(c, idea, "", nil, "", fiber.StatusUnprocessableEntity, func(p *showPage) {
			p.Editing, p.EditBody, p.EditErrors, p.EditForm = id, body, errs, form
		})
	}
	if len(form.Problems) > 0 {
		return refused(nil)
	}
	comment, err := h.Store.EditComment(c.UserContext(), id, v.User, up)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return refused(invalid)
	}
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("%s#comment-%d", ideaPath(idea), comment.ID), "comment_saved")
}

// DeleteComment leaves a tombstone in place of one's own comment.
func (h *Ideas) DeleteComment(c *fiber.Ctx) error {
	id, err := pathID(c, "comment")
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return h.unconfirmed(c, fmt.Sprintf("/ideas/%s#comment-%d", c.Params("id"), id))
	}
	if err := h.Store.DeleteComment(c.UserContext(), id, h.ViewerOf(c).User); err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("/ideas/%s#comment-%d", c.Params("id"), id), "comment_deleted")
}

type searchPage struct {
	Layout
	Query string
	Page  *models.SearchPage
}

// Search is the full-text search page, with the matching words marked.
func (h *Ideas) Search(c *fiber.Ctx) error {
	data := searchPage{Layout: h.layout(c, "search.title", "search"), Query: strings.TrimSpace(c.Query("q"))}
	if data.Query != "" {
		page, err := optionalInt(c.Query("page"))
		if err != nil {
			return models.ValidationErrors{"page": "must be a number"}
		}
		if data.Page, err = h.Store.Search(c.UserContext(), data.Query, page, data.User); err != nil {
			return err
		}
	}
	return c.Render("ideas/search", data)
}
