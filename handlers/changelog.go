package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
)

// Changelog is the team's changelog: the public pages of published entries
// and the team's editor, where entries are written as drafts, published,
// and ship the ideas they deliver.
type Changelog struct{ *Deps }

type changelogListPage struct {
	Layout
	Page     *models.ChangelogPage
	CanWrite bool
}

// entryView is what the changelog-entry partial needs: an entry and the translator.
type entryView struct {
	Entry *models.ChangelogEntry
	L     *i18n.Localizer
	Lang  string
}

// Rows are the page's entries, each ready for the partial.
func (p changelogListPage) Rows() []entryView {
	rows := make([]entryView, len(p.Page.Entries))
	for i, e := range p.Page.Entries {
		rows[i] = entryView{e, p.L, p.Lang}
	}
	return rows
}

// List shows the published entries, newest first.
func (h *Changelog) List(c *fiber.Ctx) error {
	n, err := optionalInt(c.Query("page"))
	if err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	v := h.ViewerOf(c)
	page, err := h.Store.Changelog(c.UserContext(), models.ChangelogOptions{Page: n}, v.User)
	if err != nil {
		return err
	}
	data := changelogListPage{Layout: h.layout(c, "changelog.title", "changelog"), Page: page}
	data.Share = h.pageShare(c, data.Layout, "/changelog", "changelog.title", "changelog.lead")
	data.CanWrite = h.Store.Can(v.User, models.ActWriteChangelog)
	return c.Render("changelog/list", data)
}

type changelogShowPage struct {
	Layout
	Entry    *models.ChangelogEntry
	CanWrite bool
}

// View is the entry, ready for the partial.
func (p changelogShowPage) View() entryView { return entryView{p.Entry, p.L, p.Lang} }

// Show is one entry. A draft is not found but by those who write the changelog.
func (h *Changelog) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	e, err := h.Store.ChangelogEntry(c.UserContext(), id, v.User)
	if err != nil {
		return err
	}
	data := changelogShowPage{Layout: h.layout(c, "", "changelog"), Entry: e}
	data.Title = e.Title
	data.Share = h.entryShare(c, data.Layout, e)
	data.CanWrite = h.Store.Can(v.User, models.ActWriteChangelog)
	return c.Render("changelog/show", data)
}

type changelogEditPage struct {
	Layout
	// Entry is the entry being edited; nil on the editor's first page.
	Entry *models.ChangelogEntry
	// Entries are every entry, drafts first, on the editor's first page.
	Entries *models.ChangelogPage
	Form    changelogForm
	Errors  models.ValidationErrors
}

// changelogForm is what the editor's form holds, as typed.
type changelogForm struct {
	Title, Body, Ideas string
}

// Admin is the team's editor: every entry, drafts first, and the form for a new one.
func (h *Changelog) Admin(c *fiber.Ctx) error {
	return h.renderAdmin(c, changelogForm{}, nil, fiber.StatusOK)
}

func (h *Changelog) renderAdmin(c *fiber.Ctx, form changelogForm, errs models.ValidationErrors, status int) error {
	n, err := optionalInt(c.Query("page"))
	if err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	data := changelogEditPage{Layout: h.layout(c, "changelog.admin.title", "changelog"), Form: form, Errors: errs}
	data.Entries, err = h.Store.Changelog(c.UserContext(), models.ChangelogOptions{Page: n, Drafts: true}, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return c.Status(status).Render("changelog/admin", data)
}

// Edit is the form to change one entry.
func (h *Changelog) Edit(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.Store.ChangelogEntry(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	form := changelogForm{Title: e.Title, Body: e.Body}
	ids := make([]string, len(e.Ideas))
	for i, idea := range e.Ideas {
		ids[i] = strconv.FormatInt(idea.ID, 10)
	}
	form.Ideas = strings.Join(ids, ", ")
	return h.renderEdit(c, e, form, nil, fiber.StatusOK)
}

func (h *Changelog) renderEdit(c *fiber.Ctx, e *models.ChangelogEntry, form changelogForm, errs models.ValidationErrors, status int) error {
	data := changelogEditPage{Layout: h.layout(c, "changelog.edit.title", "changelog"), Entry: e, Form: form, Errors: errs}
	return c.Status(status).Render("changelog/edit", data)
}

// readForm reads the editor's form and the button pressed: "draft" saves,
// "publish" publishes, "ship" publishes and ships the ideas, "unpublish"
// takes the entry back to draft.
func readChangelogForm(c *fiber.Ctx) (changelogForm, models.ChangelogInput, models.ValidationErrors) {
	form := changelogForm{Title: c.FormValue("title"), Body: c.FormValue("body"), Ideas: c.FormValue("ideas")}
	in := models.ChangelogInput{Title: &form.Title, Body: &form.Body}
	errs := models.ValidationErrors{}
	ids, err := parseIdeaIDs(form.Ideas)
	if err != nil {
		errs["ideas"] = err.Error()
	}
	in.Ideas = &ids
	publish := true
	switch c.FormValue("do") {
	case "publish":
		in.Publish = &publish
	case "ship":
		in.Publish, in.Ship = &publish, true
	case "unpublish":
		publish = false
		in.Publish = &publish
	}
	return form, in, errs
}

// parseIdeaIDs reads idea numbers separated by commas or spaces; a leading
// # is allowed ("#12, #15").
func parseIdeaIDs(s string) ([]int64, error) {
	ids := []int64{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		id, err := strconv.ParseInt(strings.TrimPrefix(f, "#"), 10, 64)
		if err != nil || id < 1 {
			return nil, errors.New("must be idea numbers, separated by commas")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Create writes a new entry from the editor's form.
func (h *Changelog) Create(c *fiber.Ctx) error {
	form, in, errs := readChangelogForm(c)
	if len(errs) > 0 {
		return h.renderAdmin(c, form, errs, fiber.StatusUnprocessableEntity)
	}
	e, err := h.Store.CreateChangelogEntry(c.UserContext(), h.ViewerOf(c).User, in)
	var invalid models.ValidationErrors
	if errors.As(err, &invalid) {
		return h.renderAdmin(c, form, invalid, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return h.afterSave(c, e)
}

// Update changes an entry from the editor's form.
func (h *Changelog) Update(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	form, in, errs := readChangelogForm(c)
	if len(errs) == 0 {
		var e *models.ChangelogEntry
		e, err = h.Store.UpdateChangelogEntry(c.UserContext(), id, user, in)
		if err == nil {
			return h.afterSave(c, e)
		}
		if !errors.As(err, &errs) {
			return err
		}
	}
	e, err := h.Store.ChangelogEntry(c.UserContext(), id, user)
	if err != nil {
		return err
	}
	return h.renderEdit(c, e, form, errs, fiber.StatusUnprocessableEntity)
}

// afterSave sends the team to the published entry, or back to the draft.
func (h *Changelog) afterSave(c *fiber.Ctx, e *models.ChangelogEntry) error {
	if e.Published() {
		return h.redirectWithFlash(c, fmt.Sprintf("/changelog/%d", e.ID), "changelog_published")
	}
	return h.redirectWithFlash(c, fmt.Sprintf("/admin/changelog/%d", e.ID), "changelog_saved")
}

// Delete removes an entry.
func (h *Changelog) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return h.unconfirmed(c, fmt.Sprintf("/admin/changelog/%d", id))
	}
	if err := h.Store.DeleteChangelogEntry(c.UserContext(), id, h.ViewerOf(c).User); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/admin/changelog", "changelog_deleted")
}

// ChangelogAPI is the changelog in the JSON API under /api/v1/changelog.
type ChangelogAPI struct{ *Deps }

// APIChangelogEntry is a changelog entry in the JSON API.
type APIChangelogEntry struct {
	ID          int64              `json:"id"`
	Title       string             `json:"title"`
	Body        string             `json:"body"`
	BodyHTML    string             `json:"body_html"`
	PublishedAt *time.Time         `json:"published_at"`
	Ideas       []APIChangelogIdea `json:"ideas"`
	URL         string             `json:"url"`
}

// APIChangelogIdea is an idea a changelog entry delivers.
type APIChangelogIdea struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
	URL    string `json:"url"`
}

// APIChangelogPage is one page of the changelog.
type APIChangelogPage struct {
	Entries []APIChangelogEntry `json:"entries"`
	Page    int                 `json:"page"`
	PerPage int                 `json:"per_page"`
	Total   int64               `json:"total"`
}

// List answers GET /changelog: published entries, newest first.
func (h *ChangelogAPI) List(c *fiber.Ctx) error {
	errs := models.ValidationErrors{}
	o := models.ChangelogOptions{
		Page:    apiQueryNumber(c, "page", models.MaxPage, errs),
		PerPage: apiQueryNumber(c, "per_page", models.MaxPerPage, errs),
	}
	if len(errs) > 0 {
		return errs
	}
	page, err := h.Store.Changelog(c.UserContext(), o, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := APIChangelogPage{Entries: make([]APIChangelogEntry, len(page.Entries)), Page: page.Page, PerPage: page.PerPage, Total: page.Total}
	for i, e := range page.Entries {
		out.Entries[i] = h.apiEntry(e)
	}
	return c.JSON(out)
}

type changelogInput struct {
	Title   *string  `json:"title"`
	Body    *string  `json:"body"`
	Ideas   *[]int64 `json:"ideas"`
	Publish *bool    `json:"publish"`
	Ship    *bool    `json:"ship"`
}

func (in changelogInput) model() models.ChangelogInput {
	return models.ChangelogInput{Title: in.Title, Body: in.Body, Ideas: in.Ideas, Publish: in.Publish, Ship: in.Ship != nil && *in.Ship}
}

// Create answers POST /changelog: the team writes an entry (201).
func (h *ChangelogAPI) Create(c *fiber.Ctx) error {
	var in changelogInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	e, err := h.Store.CreateChangelogEntry(c.UserContext(), h.ViewerOf(c).User, in.model())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.apiEntry(e))
}

// Show answers GET /changelog/:id; a draft is 404 but to the team.
func (h *ChangelogAPI) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := h.Store.ChangelogEntry(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return c.JSON(h.apiEntry(e))
}

// Update answers PATCH /changelog/:id: absent fields stay as they are;
// {"publish":true,"ship":true} publishes a draft and ships its ideas.
func (h *ChangelogAPI) Update(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in changelogInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	e, err := h.Store.UpdateChangelogEntry(c.UserContext(), id, h.ViewerOf(c).User, in.model())
	if err != nil {
		return err
	}
	return c.JSON(h.apiEntry(e))
}

// Delete answers DELETE /changelog/:id (204).
func (h *ChangelogAPI) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Store.DeleteChangelogEntry(c.UserContext(), id, h.ViewerOf(c).User); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (d *Deps) apiEntry(e *models.ChangelogEntry) APIChangelogEntry {
	out := APIChangelogEntry{
		ID: e.ID, Title: e.Title, Body: e.Body, BodyHTML: string(e.BodyHTML),
		Ideas: make([]APIChangelogIdea, len(e.Ideas)), URL: fmt.Sprintf("%s/changelog/%d", d.BaseURL, e.ID),
	}
	if e.PublishedAt != nil {
		at := e.PublishedAt.UTC()
		out.PublishedAt = &at
	}
	for i, idea := range e.Ideas {
		out.Ideas[i] = APIChangelogIdea{ID: idea.ID, Title: idea.Title, Status: idea.Status.Slug, URL: d.BaseURL + ideaPath(idea)}
	}
	return out
}
