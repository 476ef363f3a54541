package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Notifications are a member's inbox and what they follow: the pages under
// /me, the follow buttons on ideas and categories, and their JSON API.
type Notifications struct{ *Deps }

// notice is one notification as a page shows it.
type notice struct {
	models.InboxItem
	Text string
	Path string // where it speaks of
}

type notificationsPage struct {
	Layout
	Inbox      *models.InboxPage
	Notices    []notice
	UnreadOnly bool // only the unread ones are listed
}

// Inbox renders /me/notifications: newest first, unread ones marked.
func (h *Notifications) Inbox(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	page, err := optionalInt(c.Query("page"))
	if err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	unread := c.Query("unread") != ""
	inbox, err := h.Store.Inbox(c.UserContext(), v.User, page, unread)
	if err != nil {
		return err
	}
	data := notificationsPage{Layout: h.layout(c, "inbox.title", "notifications"), Inbox: inbox, UnreadOnly: unread}
	if data.Notices, err = h.notices(c, v.L, v.Lang, inbox.Items); err != nil {
		return err
	}
	return c.Render("me/notifications", data)
}

// notices words the items in the reader's language and finds their places.
func (h *Notifications) notices(c *fiber.Ctx, l *i18n.Localizer, lang string, items []models.InboxItem) ([]notice, error) {
	statuses, err := h.Store.Statuses(c.UserContext())
	if err != nil {
		return nil, err
	}
	out := make([]notice, len(items))
	for i, it := range items {
		out[i] = notice{InboxItem: it, Text: notificationText(l, lang, statuses, it), Path: notificationPath(it)}
	}
	return out, nil
}

// notificationText is the item's one line, in the reader's language.
func notificationText(l *i18n.Localizer, lang string, statuses []models.Status, it models.InboxItem) string {
	d := views.NotificationData{Actor: it.ActorName, Entry: it.EntryTitle}
	if it.Category != nil {
		d.Category = it.Category.NameIn(lang)
	}
	switch {
	case it.Idea != nil:
		d.Idea = it.Idea.Title
	case it.Gone:
		d.Idea = views.T(l, "inbox.gone")
	}
	switch it.Kind {
	case models.NotifyMerged:
		d.Idea, d.Other = it.Detail, d.Idea
	case models.NotifyStatusChanged:
		d.Status = it.Detail
		for _, st := range statuses {
			if st.Slug == it.Detail {
				d.Status = st.NameIn(lang)
			}
		}
	case models.NotifyReportOutcome:
		d.Outcome = it.Detail
	case models.NotifyContentHidden:
		d.Reason = it.Detail
	case models.NotifyCampaignPhase:
		d.Phase = views.T(l, "campaigns.announce."+it.Detail)
		if it.Campaign != nil {
			d.Campaign = it.Campaign.Title
		}
	}
	return views.NotificationText(l, it.Kind, d)
}

// notificationPath is the place a notification speaks of: the comment, the
// changelog entry, the idea (for a merge, the one it went into); for a
// report on what the reader may no longer see, their reports on /me; else
// the inbox.
func notificationPath(it models.InboxItem) string {
	visible := it.Idea != nil && it.Idea.Visible
	idea := func() string { return fmt.Sprintf("/ideas/%d/%s", it.Idea.ID, it.Idea.Slug) }
	switch {
	case it.Campaign != nil:
		return "/campaigns/" + it.Campaign.Slug
	case it.Kind == models.NotifyChangelog && it.EntryID != nil:
		return fmt.Sprintf("/changelog/%d", *it.EntryID)
	case visible && (it.Kind == models.NotifyRoundInvite || it.Kind == models.NotifyRoundReminder || it.Kind == models.NotifyRoundClosed):
		return fmt.Sprintf("/ideas/%d/rounds/%s", it.Idea.ID, it.Detail)
	case visible && it.CommentID != nil:
		return fmt.Sprintf("%s#comment-%d", idea(), *it.CommentID)
	case visible:
		return idea()
	case it.EntryID != nil:
		return fmt.Sprintf("/changelog/%d", *it.EntryID)
	case it.Kind == models.NotifyReportOutcome:
		return "/me#reports-title"
	}
	return "/me/notifications"
}

// Open marks one notification read and goes to the place it speaks of.
func (h *Notifications) Open(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	it, err := h.Store.OpenNotification(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	return c.Redirect(notificationPath(*it), fiber.StatusSeeOther)
}

// MarkRead marks the notifications named in the form (id, repeated) read,
// or all of them (all=1), and returns to the inbox.
func (h *Notifications) MarkRead(c *fiber.Ctx) error {
	var ids []int64
	for _, raw := range c.Context().PostArgs().PeekMulti("id") {
		id, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || id < 1 {
			return models.ValidationErrors{"id": "must be a number"}
		}
		ids = append(ids, id)
	}
	all := c.FormValue("all") != ""
	if !all && len(ids) == 0 {
		return models.ValidationErrors{"id": "name the notifications to mark read, or all"}
	}
	if _, err := h.Store.MarkRead(c.UserContext(), h.ViewerOf(c).User.ID, ids, all); err != nil {
		return err
	}
	next := SafeNext(c.FormValue("next"))
	if !strings.HasPrefix(next, "/me/notifications") {
		next = "/me/notifications"
	}
	return h.redirectWithFlash(c, next, "marked_read")
}

type followingPage struct {
	Layout
	Ideas      *models.IdeaPage
	Categories []models.Category
}

// Following renders /me/following: the ideas and categories the member
// follows, each with a button to stop.
func (h *Notifications) Following(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	page, err := optionalInt(c.Query("page"))
	if err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	data := followingPage{Layout: h.layout(c, "following.title", "me")}
	if data.Ideas, err = h.Store.FollowedIdeas(c.UserContext(), v.User, page); err != nil {
		return err
	}
	if data.Categories, err = h.Store.FollowedCategories(c.UserContext(), v.User.ID); err != nil {
		return err
	}
	return c.Render("me/following", data)
}

// followButton is what the follow partial needs.
type followButton struct {
	IdeaID    int64
	Following bool
	L         *i18n.Localizer
	CSRF      string
	Next      string
	// OOB swaps the button in beside another answer (a vote's) with htmx.
	OOB bool
	// Shared marks a page shared by members: the button is there both ways.
	Shared string
}

// As is the button with the viewer following the idea or not.
func (f followButton) As(following bool) followButton {
	f.Following, f.Shared = following, ""
	return f
}

// FollowIdea and UnfollowIdea follow an idea or stop. With htmx the button
// is swapped in place; without, the browser returns where it came from.
func (h *Notifications) FollowIdea(c *fiber.Ctx) error   { return h.followIdea(c, true) }
func (h *Notifications) UnfollowIdea(c *fiber.Ctx) error { return h.followIdea(c, false) }

func (h *Notifications) followIdea(c *fiber.Ctx, follow bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if err := h.Store.Follow(c.UserContext(), id, v.User, follow); err != nil {
		return err
	}
	next := SafeNext(c.FormValue("next"))
	if c.Get("HX-Request") == "true" {
		return c.Render("partials/follow", followButton{IdeaID: id, Following: follow, L: v.L, CSRF: v.CSRF, Next: next})
	}
	if c.FormValue("next") == "" {
		next = fmt.Sprintf("/ideas/%d", id)
	}
	return h.redirectWithFlash(c, next, map[bool]string{true: "followed", false: "unfollowed"}[follow])
}

// FollowCategory and UnfollowCategory follow a category's new ideas or stop.
func (h *Notifications) FollowCategory(c *fiber.Ctx) error   { return h.followCategory(c, true) }
func (h *Notifications) UnfollowCategory(c *fiber.Ctx) error { return h.followCategory(c, false) }

func (h *Notifications) followCategory(c *fiber.Ctx, follow bool) error {
	slug := c.Params("slug")
	if err := h.Store.FollowCategory(c.UserContext(), slug, h.ViewerOf(c).User.ID, follow); err != nil {
		return err
	}
	next := SafeNext(c.FormValue("next"))
	if c.FormValue("next") == "" {
		next = "/?category=" + slug
	}
	return h.redirectWithFlash(c, next, map[bool]string{true: "category_followed", false: "category_unfollowed"}[follow])
}

// APINotification is a notification in the JSON API.
type APINotification struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	URL       string     `json:"url"`
	Idea      *APIRef    `json:"idea"`
	Actor     *APIPerson `json:"actor"`
	Read      bool       `json:"read"`
	CreatedAt time.Time  `json:"created_at"`
}

// APIRef names an idea by its id and title.
type APIRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// APIInbox is one page of the caller's notifications.
type APIInbox struct {
	Notifications []APINotification `json:"notifications"`
	Unread        int64             `json:"unread"`
	Page          int               `json:"page"`
	PerPage       int               `json:"per_page"`
	Total         int64             `json:"total"`
}

// List answers GET /api/v1/notifications?unread=true&page=.
func (h *Notifications) List(c *fiber.Ctx) error {
	errs := models.ValidationErrors{}
	page := apiQueryNumber(c, "page", models.MaxPage, errs)
	unread := apiQueryFlag(c, "unread", errs)
	if len(errs) > 0 {
		return errs
	}
	v := h.ViewerOf(c)
	inbox, err := h.Store.Inbox(c.UserContext(), v.User, page, unread)
	if err != nil {
		return err
	}
	notices, err := h.notices(c, v.L, v.Lang, inbox.Items)
	if err != nil {
		return err
	}
	out := APIInbox{Notifications: make([]APINotification, len(notices)), Unread: inbox.Unread,
		Page: inbox.Page, PerPage: inbox.PerPage, Total: inbox.Total}
	for i, n := range notices {
		a := APINotification{ID: n.ID, Kind: n.Kind, Text: n.Text, URL: h.BaseURL + n.Path, Read: n.Read, CreatedAt: n.CreatedAt.UTC()}
		if n.Idea != nil {
			a.Idea = &APIRef{ID: n.Idea.ID, Title: n.Idea.Title}
		}
		if n.ActorID != nil {
			a.Actor = &APIPerson{ID: *n.ActorID, Name: n.ActorName}
		}
		out.Notifications[i] = a
	}
	return c.JSON(out)
}

type readInput struct {
	IDs *[]int64 `json:"ids"`
	All *bool    `json:"all"`
}

// Read answers POST /api/v1/notifications/read {"ids":[...]} or {"all":true}
// with how many stay unread. Ids of someone else's notifications change nothing.
func (h *Notifications) Read(c *fiber.Ctx) error {
	var in readInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	all := in.All != nil && *in.All
	if !all && (in.IDs == nil || len(*in.IDs) == 0) {
		return models.ValidationErrors{"ids": "name the notifications to mark read, or send all: true"}
	}
	if all && in.IDs != nil {
		return models.ValidationErrors{"ids": "send either ids or all, not both"}
	}
	var ids []int64
	if in.IDs != nil {
		ids = *in.IDs
	}
	if len(ids) > 1000 {
		return models.ValidationErrors{"ids": "at most 1000 at once"}
	}
	unread, err := h.Store.MarkRead(c.UserContext(), h.ViewerOf(c).User.ID, ids, all)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": unread})
}

type subscriptionInput struct {
	Subscribed *bool `json:"subscribed"`
}

// APISubscription says whether the caller follows an idea or a category.
type APISubscription struct {
	Subscribed bool `json:"subscribed"`
}

// IdeaSubscription answers GET /api/v1/ideas/:id/subscription.
func (h *Notifications) IdeaSubscription(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v := h.ViewerOf(c)
	if _, err := h.Store.Idea(c.UserContext(), id, v.User); err != nil {
		return err
	}
	following, err := h.Store.Following(c.UserContext(), id, v.User.ID)
	if err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: following})
}

// SetIdeaSubscription answers PUT /api/v1/ideas/:id/subscription {"subscribed":bool}.
func (h *Notifications) SetIdeaSubscription(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	subscribed, err := readSubscription(c)
	if err != nil {
		return err
	}
	if err := h.Store.Follow(c.UserContext(), id, h.ViewerOf(c).User, subscribed); err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: subscribed})
}

// CategorySubscription answers GET /api/v1/categories/:slug/subscription.
func (h *Notifications) CategorySubscription(c *fiber.Ctx) error {
	following, err := h.Store.FollowingCategory(c.UserContext(), c.Params("slug"), h.ViewerOf(c).User.ID)
	if err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: following})
}

// SetCategorySubscription answers PUT /api/v1/categories/:slug/subscription {"subscribed":bool}.
func (h *Notifications) SetCategorySubscription(c *fiber.Ctx) error {
	subscribed, err := readSubscription(c)
	if err != nil {
		return err
	}
	if err := h.Store.FollowCategory(c.UserContext(), c.Params("slug"), h.ViewerOf(c).User.ID, subscribed); err != nil {
		return err
	}
	return c.JSON(APISubscription{Subscribed: subscribed})
}

func readSubscription(c *fiber.Ctx) (bool, error) {
	var in subscriptionInput
	if err := readJSON(c, &in); err != nil {
		return false, err
	}
	if in.Subscribed == nil {
		return false, models.ValidationErrors{"subscribed": "must be true or false"}
	}
	return *in.Subscribed, nil
}

// unreadCount counts the viewer's unread notifications for the header, or
// 0 for visitors and API callers. A failure leaves the count out of the page
// rather than failing it.
func (d *Deps) unreadCount(c *fiber.Ctx, v *Viewer) int64 {
	if v.User == nil || v.Bearer {
		return 0
	}
	n, err := d.Store.UnreadCount(c.UserContext(), v.User.ID)
	if err != nil {
		d.Log.Warn("count unread notifications", "error", err)
	}
	return n
}
