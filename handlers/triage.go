package handlers

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Triage is the team's inbox (/admin/triage) and the triage form on an
// idea's page: every action a plain form.
type Triage struct{ *Deps }

type inboxPage struct {
	Layout
	Page       *models.IdeaPage
	View       string
	Counts     []models.ViewCount
	Options    models.TriageOptions
	Answered   string
	Statuses   []models.Status
	Categories []models.Category
	Team       []models.User
	Sorts      []string
	Weights    []int
	// Query is the inbox's query string without page, for the pager and
	// for returning here after an action.
	Query string
}

// triageParams are the inbox's filters, the same in the page and the API.
var triageParams = []string{"view", "sort", "status", "category", "tag", "assignee", "triaged", "answered", "older_than", "min_votes"}

// triageOptions reads the inbox's filters from the query: a view first,
// then any filter given, which narrows it.
func triageOptions(c *fiber.Ctx, view string, errs models.ValidationErrors) models.TriageOptions {
	o, ok := models.InboxView(view)
	if !ok {
		errs["view"] = "is not a view of the inbox"
	}
	o.Sort, o.Status, o.Category, o.Tag = c.Query("sort"), c.Query("status"), c.Query("category"), c.Query("tag")
	if a := c.Query("assignee"); a != "" {
		o.Assignee = a
	}
	for name, dst := range map[string]**bool{"triaged": &o.Triaged, "answered": &o.Answered} {
		if raw := c.Query(name); raw != "" {
			on, err := strconv.ParseBool(raw)
			if err != nil {
				errs[name] = "must be true or false"
				continue
			}
			*dst = &on
		}
	}
	o.OlderThan = queryCount(c, "older_than", errs)
	o.MinVotes = queryCount(c, "min_votes", errs)
	o.Page = apiQueryNumber(c, "page", models.MaxPage, errs)
	o.PerPage = apiQueryNumber(c, "per_page", models.MaxPerPage, errs)
	return o
}

// queryCount reads an optional number of 0 or more; absent is 0.
func queryCount(c *fiber.Ctx, name string, errs models.ValidationErrors) int {
	raw := c.Query(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		errs[name] = "must be a whole number, 0 or more"
	}
	return n
}

// Inbox shows the ideas waiting for the team: a view (untriaged by
// default), filters and sorts, the counts of every view, and the form that
// acts on the ideas chosen.
func (h *Triage) Inbox(c *fiber.Ctx) error {
	view := c.Query("view", models.ViewUntriaged)
	errs := models.ValidationErrors{}
	o := triageOptions(c, view, errs)
	if len(errs) > 0 {
		return errs
	}
	ctx, user := c.UserContext(), h.ViewerOf(c).User
	page, err := h.Store.TriageIdeas(ctx, o, user)
	if err != nil {
		return err
	}
	data := inboxPage{Layout: h.layout(c, "triage.title", "triage"), Page: page, View: view, Options: o,
		Sorts: models.TriageSorts, Weights: []int{1, 2, 3, 4, 5}}
	if o.Answered != nil {
		data.Answered = strconv.FormatBool(*o.Answered)
	}
	if data.Counts, err = h.Store.InboxCounts(ctx, user); err != nil {
		return err
	}
	if data.Statuses, err = h.Store.Statuses(ctx); err != nil {
		return err
	}
	if data.Categories, err = h.Store.Categories(ctx); err != nil {
		return err
	}
	if data.Team, err = h.Store.TeamMembers(ctx); err != nil {
		return err
	}
	keep := url.Values{}
	for _, k := range triageParams {
		if val := c.Query(k); val != "" {
			keep.Set(k, val)
		}
	}
	data.Query = keep.Encode()
	return c.Render("triage/inbox", data)
}

// Act takes one action on the ideas chosen in the inbox, then returns there.
func (h *Triage) Act(c *fiber.Ctx) error {
	var ids []int64
	for _, raw := range c.Context().PostArgs().PeekMulti("ids") {
		id, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || id < 1 {
			return models.ValidationErrors{"ids": "must be ids of ideas"}
		}
		ids = append(ids, id)
	}
	b := models.TriageBatch{Do: c.FormValue("do"), Status: c.FormValue("status"), Note: c.FormValue("note"),
		Category: c.FormValue("category"), Tags: splitTags(c.FormValue("tags"))}
	errs := models.ValidationErrors{}
	switch b.Do {
	case models.BatchAssign:
		b.Triage.AssigneeID = formSetting(c, "assignee_id", errs)
	case models.BatchWeigh:
		b.Triage.Impact = formSetting(c, "impact", errs)
		b.Triage.Effort = formSetting(c, "effort", errs)
	case models.BatchMerge:
		into, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("into")), 10, 64)
		if err != nil || into < 1 {
			errs["into"] = "must be the id of another idea"
		}
		b.Into = into
	}
	if len(errs) > 0 {
		return errs
	}
	if _, err := h.Store.TriageMany(c.UserContext(), h.ViewerOf(c).User, ids, b); err != nil {
		return err
	}
	back := "/admin/triage"
	if q := c.FormValue("back"); q != "" {
		back = SafeNext("/admin/triage?" + q)
	}
	return h.redirectWithFlash(c, back, "triaged")
}

// Set changes one idea's assignee, impact and effort from its page.
func (h *Triage) Set(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	errs := models.ValidationErrors{}
	u := models.TriageUpdate{
		AssigneeID: formSetting(c, "assignee_id", errs),
		Impact:     formSetting(c, "impact", errs),
		Effort:     formSetting(c, "effort", errs),
	}
	if len(errs) > 0 {
		return errs
	}
	idea, err := h.Store.SetTriage(c.UserContext(), id, h.ViewerOf(c).User, u)
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "triaged")
}

// formSetting reads a form field that sets a number or clears it: absent
// leaves it, empty or "none" clears it.
func formSetting(c *fiber.Ctx, name string, errs models.ValidationErrors) models.Setting {
	args := c.Context().PostArgs()
	if !args.Has(name) {
		return models.Setting{}
	}
	raw := strings.TrimSpace(string(args.Peek(name)))
	if raw == "" || raw == models.AssigneeNone {
		return models.Setting{Set: true}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		errs[name] = "must be a number"
	}
	return models.To(n)
}

// TriageAPI is the team's inbox and triage in the JSON API.
type TriageAPI struct{ *Deps }

// List answers GET /triage: the inbox in the list shape of GET /ideas.
func (h *TriageAPI) List(c *fiber.Ctx) error {
	errs := models.ValidationErrors{}
	o := triageOptions(c, c.Query("view", models.ViewAll), errs)
	o.Bodies = true
	if len(errs) > 0 {
		return errs
	}
	user := h.ViewerOf(c).User
	page, err := h.Store.TriageIdeas(c.UserContext(), o, user)
	if err != nil {
		return err
	}
	out := APIIdeaPage{Ideas: make([]APIIdea, len(page.Ideas)), Page: page.Page, PerPage: page.PerPage, Total: page.Total}
	for i, idea := range page.Ideas {
		out.Ideas[i] = h.apiIdea(idea, user)
	}
	return c.JSON(out)
}

type triageInput struct {
	AssigneeID json.RawMessage `json:"assignee_id"`
	Impact     json.RawMessage `json:"impact"`
	Effort     json.RawMessage `json:"effort"`
}

// Update answers PATCH /ideas/:id/triage: the team sets the assignee,
// impact and effort; null clears one, an absent field stays.
func (h *TriageAPI) Update(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in triageInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	errs := models.ValidationErrors{}
	u := models.TriageUpdate{
		AssigneeID: jsonSetting(in.AssigneeID, "assignee_id", errs),
		Impact:     jsonSetting(in.Impact, "impact", errs),
		Effort:     jsonSetting(in.Effort, "effort", errs),
	}
	if len(errs) > 0 {
		return errs
	}
	user := h.ViewerOf(c).User
	idea, err := h.Store.SetTriage(c.UserContext(), id, user, u)
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, user))
}

// jsonSetting reads a field that sets a whole number or, with null, clears it.
func jsonSetting(raw json.RawMessage, name string, errs models.ValidationErrors) models.Setting {
	if len(raw) == 0 {
		return models.Setting{}
	}
	if string(raw) == "null" {
		return models.Setting{Set: true}
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		errs[name] = "must be a whole number or null"
	}
	return models.To(n)
}
