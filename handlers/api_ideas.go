package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// IdeasAPI is the JSON API of the co-creation loop: ideas, votes, comments,
// statuses and categories under /api/v1.
type IdeasAPI struct{ *Deps }

// APIAuthor is who wrote an idea or a comment, as anyone may see them.
type APIAuthor struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url"`
}

// APIIdea is an idea in the JSON API.
type APIIdea struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Slug     string    `json:"slug"`
	Body     string    `json:"body"`
	BodyHTML string    `json:"body_html"`
	Status   string    `json:"status"`
	Category *string   `json:"category"`
	Tags     []string  `json:"tags"`
	Author   APIAuthor `json:"author"`
	// Votes is null while the idea's campaign is sealed (see Sealed).
	Votes      *int      `json:"votes"`
	Sealed     bool      `json:"sealed,omitempty"`
	Comments   int       `json:"comments"`
	Voted      bool      `json:"voted"`
	Locked     bool      `json:"locked"`
	Pinned     bool      `json:"pinned"`
	MergedInto *int64    `json:"merged_into"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	URL        string    `json:"url"`
	// Source is public; SourceURL is set (to null or the link) for the team alone.
	Source    string   `json:"source"`
	SourceURL **string `json:"source_url,omitempty"`
	// Triage is for the team's eyes only: absent for everyone else.
	Triage *APITriage `json:"triage,omitempty"`
	// Images are the pictures attached to the idea (see docs/images.md).
	Images []APIImage `json:"images"`
}

// APITriage is the team's triage of an idea.
type APITriage struct {
	Assignee *APIPerson `json:"assignee"`
	Impact   *int       `json:"impact"`
	Effort   *int       `json:"effort"`
	Score    *float64   `json:"score"`
}

// APIPerson names someone: an assignee, an actor.
type APIPerson struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// APIIdeaPage is one page of the idea list.
type APIIdeaPage struct {
	Ideas   []APIIdea `json:"ideas"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
	Total   int64     `json:"total"`
}

// APIVote is the caller's vote on an idea after voting or withdrawing.
type APIVote struct {
	Voted bool `json:"voted"`
	// Votes is the idea's count after the vote; null while its campaign
	// is sealed.
	Votes *int `json:"votes"`
}

// apiVote shapes the answer to a vote cast or withdrawn.
func apiVote(voted bool, votes int) APIVote {
	if votes == models.SealedVotes {
		return APIVote{Voted: voted}
	}
	return APIVote{Voted: voted, Votes: &votes}
}

// APIComment is a comment in the JSON API; replies carry their thread's
// top-level parent. A tombstone's author is null.
type APIComment struct {
	ID        int64      `json:"id"`
	IdeaID    int64      `json:"idea_id"`
	ParentID  *int64     `json:"parent_id"`
	Body      string     `json:"body"`
	BodyHTML  string     `json:"body_html"`
	Author    *APIAuthor `json:"author"`
	Deleted   bool       `json:"deleted"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	EditedAt  *time.Time `json:"edited_at"`
	// Internal marks the team's internal notes, which only the team reads.
	Internal bool `json:"internal,omitempty"`
	// Images are the pictures attached to the comment, in the answers about
	// an idea's discussion (absent elsewhere).
	Images *[]APIImage `json:"images,omitempty"`
}

// APICategory is a category in the JSON API. name is English, name_nl Dutch
// (empty: the English name).
type APICategory struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	NameNL      string `json:"name_nl"`
	Description string `json:"description"`
}

// List answers GET /ideas: sorted, filtered, searched and paged. mine=1 and
// voted=1 narrow it to the caller's own ideas and votes, so they need sign-in.
func (h *IdeasAPI) List(c *fiber.Ctx) error {
	errs := models.ValidationErrors{}
	o := models.ListOptions{
		Sort: c.Query("sort"), Status: c.Query("status"), Category: c.Query("category"),
		Tag: c.Query("tag"), Query: c.Query("q"),
		Page:    apiQueryNumber(c, "page", models.MaxPage, errs),
		PerPage: apiQueryNumber(c, "per_page", models.MaxPerPage, errs),
		Bodies:  true,
	}
	mine, voted := apiQueryFlag(c, "mine", errs), apiQueryFlag(c, "voted", errs)
	var invalid models.ValidationErrors
	if err := o.Normalize(); errors.As(err, &invalid) {
		for field, msg := range invalid {
			if _, set := errs[field]; !set {
				errs[field] = msg
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}

	v := h.ViewerOf(c)
	if (mine || voted) && v.User == nil {
		return fiber.ErrUnauthorized
	}
	if mine {
		o.AuthorID = v.User.ID
	}
	if voted {
		o.VotedBy = v.User.ID
	}

	page, err := h.Store.ListIdeas(c.UserContext(), o, v.User)
	if err != nil {
		return err
	}
	if err := h.Store.LoadImages(c.UserContext(), page.Ideas); err != nil {
		return err
	}
	out := APIIdeaPage{Ideas: make([]APIIdea, len(page.Ideas)), Page: page.Page, PerPage: page.PerPage, Total: page.Total}
	ids := make([]int64, len(page.Ideas))
	for i, idea := range page.Ideas {
		out.Ideas[i], ids[i] = h.apiIdea(idea, v.User), idea.ID
	}
	if mine || voted {
		return c.JSON(out)
	}
	return h.sendIdeas(c, out, ids...)
}

// apiQueryNumber reads an optional page number or size from 1 to max; absent is 0, the default.
func apiQueryNumber(c *fiber.Ctx, name string, max int, errs models.ValidationErrors) int {
	raw := c.Query(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		errs[name] = fmt.Sprintf("must be a whole number from 1 to %d", max)
		return 0
	}
	return n
}

// apiQueryFlag reads an optional yes/no parameter: 1, true, 0, false or absent.
func apiQueryFlag(c *fiber.Ctx, name string, errs models.ValidationErrors) bool {
	raw := c.Query(name)
	if raw == "" {
		return false
	}
	on, err := strconv.ParseBool(raw)
	if err != nil {
		errs[name] = "must be 1 or 0"
	}
	return on
}

type ideaInput struct {
	Title    *string   `json:"title"`
	Body     *string   `json:"body"`
	Category *string   `json:"category"`
	Tags     *[]string `json:"tags"`
	// Images are ids of the caller's uploads (POST /api/v1/images) to attach.
	Images *[]int64 `json:"images"`
	// Campaign is the slug of the campaign the idea is submitted to;
	// Answers answer its questions, by their position ("1" to "5").
	Campaign *string            `json:"campaign"`
	Answers  *map[string]string `json:"answers"`

	// The team records an idea for a customer met on another channel.
	OnBehalfOf *customerInput `json:"on_behalf_of"`
	Source     *string        `json:"source"`
	SourceURL  *string        `json:"source_url"`
}

// customerInput is the customer the team records an idea or a vote for.
type customerInput struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
}

// Create answers POST /ideas: the caller proposes an idea (201), or the
// team records one for a customer (on_behalf_of).
func (h *IdeasAPI) Create(c *fiber.Ctx) error {
	var in ideaInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	n := models.NewIdea{Title: orEmpty(in.Title), Body: orEmpty(in.Body), Category: orEmpty(in.Category), Campaign: orEmpty(in.Campaign)}
	if in.Images != nil {
		n.Images = *in.Images
	}
	if in.Answers != nil {
		n.Answers = make(map[int]string, len(*in.Answers))
		for key, answer := range *in.Answers {
			pos, err := strconv.Atoi(key)
			if err != nil || pos < 1 || pos > models.MaxCampaignQuestions {
				return models.ValidationErrors{"answers": fmt.Sprintf("must be keyed by the questions' positions, 1 to %d", models.MaxCampaignQuestions)}
			}
			n.Answers[pos] = answer
		}
	}
	var (
		idea *models.Idea
		err  error
	)
	if in.OnBehalfOf != nil {
		w := models.Webcare{Email: orEmpty(in.OnBehalfOf.Email), Name: orEmpty(in.OnBehalfOf.Name),
			Source: orEmpty(in.Source), SourceURL: orEmpty(in.SourceURL)}
		idea, err = h.Store.CreateIdeaFor(c.UserContext(), user, n, w)
	} else {
		idea, err = h.Store.CreateIdea(c.UserContext(), user, n)
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

// Show answers GET /ideas/:id. A merged idea answers too, with merged_into set.
func (h *IdeasAPI) Show(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Idea(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.sendIdeas(c, h.apiIdea(idea, h.ViewerOf(c).User), idea.ID)
}

// Update answers PATCH /ideas/:id: the author and moderators change the
// text, category and images ("images" is the whole new list), the team and
// up the tags; absent fields stay as they are.
func (h *IdeasAPI) Update(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in ideaInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Campaign != nil || in.Answers != nil {
		return models.ValidationErrors{"campaign": "an idea's campaign and answers are given when it is posted, and stay"}
	}
	up := models.IdeaUpdate{Title: in.Title, Body: in.Body, Category: in.Category, Tags: in.Tags, Images: in.Images}
	idea, err := h.Store.UpdateIdea(c.UserContext(), id, h.ViewerOf(c).User, up)
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

// Delete answers DELETE /ideas/:id (204).
func (h *IdeasAPI) Delete(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Store.DeleteIdea(c.UserContext(), id, h.ViewerOf(c).User); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Vote answers POST /ideas/:id/vote. Voting twice is the same as once.
func (h *IdeasAPI) Vote(c *fiber.Ctx) error { return h.changeVote(c, true) }

// Unvote answers DELETE /ideas/:id/vote. Withdrawing a vote that is not there does nothing.
func (h *IdeasAPI) Unvote(c *fiber.Ctx) error { return h.changeVote(c, false) }

func (h *IdeasAPI) changeVote(c *fiber.Ctx, vote bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	user := h.ViewerOf(c).User
	var votes int
	if vote {
		_, votes, err = h.Store.VoteAs(c.UserContext(), id, user)
	} else {
		_, votes, err = h.Store.Unvote(c.UserContext(), id, user.ID)
	}
	if err != nil {
		return err
	}
	return c.JSON(apiVote(vote, votes))
}

type customerVoteInput struct {
	Email  *string `json:"email"`
	Name   *string `json:"name"`
	Source *string `json:"source"`
}

// VoteFor answers POST /ideas/:id/votes: the team records the vote of a
// customer met on another channel. Recording it twice is the same as once.
func (h *IdeasAPI) VoteFor(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in customerVoteInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	w := models.Webcare{Email: orEmpty(in.Email), Name: orEmpty(in.Name), Source: orEmpty(in.Source)}
	votes, err := h.Store.VoteFor(c.UserContext(), id, h.ViewerOf(c).User, w)
	if err != nil {
		return err
	}
	return c.JSON(apiVote(true, votes))
}

// Comments answers GET /ideas/:id/comments: the whole discussion, flat and
// oldest first; deleted comments stay as tombstones without text.
func (h *IdeasAPI) Comments(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.Store.Comments(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := make([]APIComment, len(list))
	for i := range list {
		out[i] = apiComment(&list[i])
		images := h.apiImages(list[i].Images)
		out[i].Images = &images
	}
	return c.JSON(fiber.Map{"comments": out})
}

type commentInput struct {
	Body     *string `json:"body"`
	ParentID *int64  `json:"parent_id"`
	Internal *bool   `json:"internal"`
	// Images are ids of the caller's uploads (POST /api/v1/images) to attach.
	Images *[]int64 `json:"images"`
}

// Comment answers POST /ideas/:id/comments (201). A reply to a reply joins
// its parent's thread.
func (h *IdeasAPI) Comment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in commentInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	n := models.NewComment{Body: orEmpty(in.Body), ParentID: in.ParentID, Internal: in.Internal != nil && *in.Internal}
	if in.Images != nil {
		n.Images = *in.Images
	}
	comment, err := h.Store.CreateComment(c.UserContext(), id, h.ViewerOf(c).User, n)
	if err != nil {
		return err
	}
	out := apiComment(comment)
	images := h.apiImages(comment.Images)
	out.Images = &images
	return c.Status(fiber.StatusCreated).JSON(out)
}

type commentEditInput struct {
	Body *string `json:"body"`
	// Images is the whole new list: ids of the images kept and of the
	// caller's uploads to attach.
	Images *[]int64 `json:"images"`
}

// EditComment answers PATCH /comments/:id: its author changes the text or
// the images, staff who outrank the author the text or remove images;
// absent fields stay as they are.
func (h *IdeasAPI) EditComment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in commentEditInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	comment, err := h.Store.EditComment(c.UserContext(), id, h.ViewerOf(c).User, models.CommentUpdate{Body: in.Body, Images: in.Images})
	if err != nil {
		return err
	}
	out := apiComment(comment)
	images := h.apiImages(comment.Images)
	out.Images = &images
	return c.JSON(out)
}

type statusInput struct {
	Status       *string `json:"status"`
	Note         *string `json:"note"`
	ReconsiderIf *string `json:"reconsider_if"`
}

// SetStatus answers PUT /ideas/:id/status: the team moves the idea with a
// public answer; one that plans or declines may say what would change the
// team's mind (reconsider_if).
func (h *IdeasAPI) SetStatus(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in statusInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	answer := models.Answer{Status: orEmpty(in.Status), Note: orEmpty(in.Note), Reconsider: orEmpty(in.ReconsiderIf)}
	idea, err := h.Store.AnswerIdea(c.UserContext(), id, h.ViewerOf(c).User, answer)
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

// Categories answers GET /categories.
func (h *IdeasAPI) Categories(c *fiber.Ctx) error {
	list, err := h.Store.Categories(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]APICategory, len(list))
	for i, cat := range list {
		out[i] = APICategory{Slug: cat.Slug, Name: cat.Name, NameNL: cat.NameNL, Description: cat.Description}
	}
	return c.JSON(fiber.Map{"categories": out})
}

// apiIdea shapes an idea for the API, with its absolute URL, as viewer
// may see it: the triage and the source's link only for the team.
func (d *Deps) apiIdea(i *models.Idea, viewer *models.User) APIIdea {
	out := APIIdea{
		ID: i.ID, Title: i.Title, Slug: i.Slug, Body: i.Body, BodyHTML: string(i.BodyHTML),
		Status: i.Status.Slug, Tags: make([]string, len(i.Tags)), Author: apiAuthor(&i.Author),
		Votes: &i.Votes, Sealed: i.Sealed, Comments: i.Comments, Voted: i.Voted, Locked: i.Locked, Pinned: i.Pinned,
		MergedInto: i.MergedInto, CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC(),
		URL: d.BaseURL + ideaPath(i), Source: i.Source, Images: d.apiImages(i.Images),
	}
	if d.Store.Can(viewer, models.ActRecordForCustomer) {
		var link *string
		if i.SourceURL != "" {
			link = &i.SourceURL
		}
		out.SourceURL = &link
	}
	if i.Sealed {
		out.Votes = nil
	}
	if i.Category != nil {
		out.Category = &i.Category.Slug
	}
	for n, t := range i.Tags {
		out.Tags[n] = t.Slug
	}
	if d.Store.Can(viewer, models.ActTriage) {
		out.Triage = &APITriage{Impact: i.Impact, Effort: i.Effort, Score: i.Score()}
		if i.Assignee != nil && i.Assignee.ID != 0 {
			out.Triage.Assignee = &APIPerson{ID: i.Assignee.ID, Name: i.Assignee.Name}
		}
	}
	return out
}

func apiComment(cm *models.Comment) APIComment {
	out := APIComment{
		ID: cm.ID, IdeaID: cm.IdeaID, ParentID: cm.ParentID, Body: cm.Body, BodyHTML: string(cm.BodyHTML),
		Deleted: cm.Deleted(), State: cm.State, CreatedAt: cm.CreatedAt.UTC(), UpdatedAt: cm.UpdatedAt.UTC(),
		Internal: cm.Internal,
	}
	if cm.UserID != 0 {
		author := apiAuthor(&cm.User)
		out.Author = &author
	}
	if cm.EditedAt != nil {
		edited := cm.EditedAt.UTC()
		out.EditedAt = &edited
	}
	return out
}

func apiAuthor(u *models.User) APIAuthor {
	return APIAuthor{ID: u.ID, Name: u.Name, AvatarURL: u.AvatarURL}
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// readJSON decodes the request's JSON object into dst, a pointer to a struct
// whose fields are pointers, so absent fields stay nil. Unknown fields are
// ignored. Broken JSON is 400, a field of the wrong type or with text that is
// not UTF-8 is 422 naming the field, and a body that is not JSON is 415.
func readJSON(c *fiber.Ctx, dst any) error {
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != fiber.MIMEApplicationJSON {
		return fiber.ErrUnsupportedMediaType
	}
	body := c.Body()
	fields := jsonFields(dst)
	if !utf8.Valid(body) {
		// encoding/json would quietly turn broken bytes into U+FFFD; refuse them instead.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return fiber.ErrBadRequest
		}
		errs := models.ValidationErrors{}
		for name, value := range raw {
			if _, known := fields[name]; known && !utf8.Valid(value) {
				errs[name] = "is not valid text"
			}
		}
		if len(errs) > 0 {
			return errs
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(dst)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		name, _, _ := strings.Cut(typeErr.Field, ".")
		return models.ValidationErrors{name: "must be " + describeType(fields[name])}
	}
	if err != nil {
		return fiber.ErrBadRequest
	}
	if _, err := dec.Token(); err != io.EOF {
		return fiber.ErrBadRequest // something after the object
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields to their types.
func jsonFields(dst any) map[string]reflect.Type {
	t := reflect.TypeOf(dst).Elem()
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fields[name] = f.Type
	}
	return fields
}

// describeType says in a client's words what a field holds.
func describeType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(describeType(t.Elem()), "a ") + "s"
	}
	return "of another type"
}
