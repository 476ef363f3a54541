package handlers

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Moderation is what moderators use to keep threads healthy: actions on
// ideas and comments, reports, the review queue, members and the audit log.
type Moderation struct{ *Deps }

// flag is a pointer to b, for the optional fields of a moderation.
func flag(b bool) *bool { return &b }

// ideaModerations maps the buttons of the idea page's moderation form to changes.
var ideaModerations = map[string]func(*models.IdeaModeration){
	"lock":   func(m *models.IdeaModeration) { m.Locked = flag(true) },
	"unlock": func(m *models.IdeaModeration) { m.Locked = flag(false) },
	"pin":    func(m *models.IdeaModeration) { m.Pinned = flag(true) },
	"unpin":  func(m *models.IdeaModeration) { m.Pinned = flag(false) },
	"hide":   func(m *models.IdeaModeration) { m.Hidden = flag(true) },
	"unhide": func(m *models.IdeaModeration) { m.Hidden = flag(false) },
}

// Idea hides or shows, locks or unlocks, pins or unpins an idea.
func (h *Moderation) Idea(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	change, ok := ideaModerations[c.FormValue("do")]
	if !ok {
		return models.ValidationErrors{"do": "must be lock, unlock, pin, unpin, hide or unhide"}
	}
	m := models.IdeaModeration{Reason: c.FormValue("reason"), PublicReason: publicReason(c)}
	change(&m)
	idea, err := h.Store.ModerateIdea(c.UserContext(), id, h.ViewerOf(c).User, m)
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "moderated")
}

// publicReason reads a moderation form's reason category and whether its
// reason may show in the public log.
func publicReason(c *fiber.Ctx) models.PublicReason {
	return models.PublicReason{Category: c.FormValue("reason_category"), Public: c.FormValue("reason_public") != ""}
}

// Merge folds the idea into the one whose number the moderator gave.
func (h *Moderation) Merge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	into, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(c.FormValue("into")), "#"), 10, 64)
	if err != nil || into < 1 {
		return models.ValidationErrors{"into": "must be the number of another idea"}
	}
	target, err := h.Store.Merge(c.UserContext(), id, into, h.ViewerOf(c).User, c.FormValue("reason"))
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(target), "merged")
}

// Unmerge restores a merged idea on its own.
func (h *Moderation) Unmerge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Unmerge(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, ideaPath(idea), "unmerged")
}

// Comment hides a comment with a reason, or shows it again.
func (h *Moderation) Comment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var hidden bool
	switch c.FormValue("do") {
	case "hide":
		hidden = true
	case "unhide":
	default:
		return models.ValidationErrors{"do": "must be hide or unhide"}
	}
	cm, err := h.Store.ModerateComment(c.UserContext(), id, h.ViewerOf(c).User, hidden, c.FormValue("reason"), publicReason(c))
	if err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("/ideas/%d#comment-%d", cm.IdeaID, cm.ID), "moderated")
}

// Report records a member's report and returns them where they were.
func (h *Moderation) Report(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil {
		return models.ValidationErrors{"id": "must be the number of an idea or comment"}
	}
	n := models.NewReport{Target: c.FormValue("target"), ID: id, Reason: c.FormValue("reason"), Note: c.FormValue("note")}
	if _, err := h.Store.CreateReport(c.UserContext(), h.ViewerOf(c).User, n); err != nil {
		return err
	}
	return h.redirectWithFlash(c, SafeNext(c.FormValue("next")), "reported")
}

type queuePage struct {
	Layout
	Items   []models.QueueItem
	Reasons []string
	now     time.Time
}

// Decides reports whether the page offers the moderator decisions on an
// item: not on what they or someone of their role or a higher one wrote.
func (p queuePage) Decides(item models.QueueItem) bool {
	return models.MayDecide(p.User, p.now, item.Author())
}

// Queue is the review queue: reported and pending content, oldest first.
func (h *Moderation) Queue(c *fiber.Ctx) error {
	items, err := h.Store.ReviewQueue(c.UserContext(), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return c.Render("mod/queue", queuePage{Layout: h.layout(c, "mod.queue.title", "mod"), Items: items, now: h.Store.Now()})
}

// readUntil reads the date a suspension ends, as a date field sends it; the
// suspension ends at the end of that day, UTC. Empty is zero.
func readUntil(value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	day, err := time.Parse("2006-01-02", value)
	if err != nil {
		return time.Time{}, models.ValidationErrors{"until": "must be a date such as 2026-12-31"}
	}
	return day.Add(24*time.Hour - time.Second), nil
}

// blocks reports whether a moderator's action shuts a member out (suspend or
// ban): those ask for a confirmation first.
func blocks(action string) bool { return action == models.DecideSuspend || action == models.DecideBan }

// Decide settles an item of the queue.
func (h *Moderation) Decide(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	until, err := readUntil(c.FormValue("until"))
	if err != nil {
		return err
	}
	d := models.Decision{Action: c.FormValue("action"), Reason: c.FormValue("reason"), Until: until}
	if blocks(d.Action) && !confirmed(c) {
		return h.unconfirmed(c, "/mod")
	}
	if err := h.Store.Decide(c.UserContext(), h.ViewerOf(c).User, c.Params("target"), id, d); err != nil {
		return err
	}
	return h.redirectWithFlash(c, "/mod", "decided")
}

type membersPage struct {
	Layout
	Members []models.User
	Query   string
	Page    int
	More    bool
}

// Members lists and searches the community's members.
func (h *Moderation) Members(c *fiber.Ctx) error {
	page, err := optionalInt(c.Query("page"))
	if err != nil {
		return models.ValidationErrors{"page": "must be a number"}
	}
	data := membersPage{Layout: h.layout(c, "mod.members.title", "mod"), Query: c.Query("q"), Page: max(page, 1)}
	if data.Members, data.More, err = h.Store.Members(c.UserContext(), data.Query, data.Page); err != nil {
		return err
	}
	return c.Render("mod/members", data)
}

type memberHistoryPage struct {
	Layout
	statuses statusNames
	*models.MemberHistory
	Standing models.Standing
	// Until is when a suspension ends.
	Until time.Time
	// CanSanction offers to suspend, ban or lift: only on members of a lower role.
	CanSanction bool
	// CanGrantTrust offers to make the member a leader (trust level 4) or take it back.
	CanGrantTrust bool
}

// Member shows a member's history with the forms to suspend, ban or lift.
func (h *Moderation) Member(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	history, err := h.Store.History(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	data := memberHistoryPage{Layout: h.layout(c, "", "mod"), MemberHistory: history}
	if data.statuses, err = h.statusNames(c.UserContext(), data.Lang); err != nil {
		return err
	}
	data.Title = history.Member.Name
	data.Standing = models.StandingOf(history.Member, h.Store.Now())
	data.CanSanction = models.MayActOn(data.User, h.Store.Now(), models.ActManageMembers, history.Member)
	data.CanGrantTrust = models.MayActOn(data.User, h.Store.Now(), models.ActGrantTrust, history.Member) &&
		history.Member.Role == models.RoleMember && data.Standing == models.Member
	if until := history.Member.SuspendedUntil; until != nil {
		data.Until = *until
	}
	return c.Render("mod/member", data)
}

// Trust makes a member a leader (trust level 4) or takes it back.
func (h *Moderation) Trust(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	action := c.FormValue("action")
	if action != "grant" && action != "revoke" {
		return models.ValidationErrors{"action": "must be grant or revoke"}
	}
	if _, err := h.Store.SetLeader(c.UserContext(), h.ViewerOf(c).User, id, action == "grant"); err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("/mod/members/%d", id), "trust_saved")
}

// Sanction suspends, bans or lifts either.
func (h *Moderation) Sanction(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	until, err := readUntil(c.FormValue("until"))
	if err != nil {
		return err
	}
	sn := models.Sanction{Action: c.FormValue("action"), Until: until, Reason: c.FormValue("reason")}
	if blocks(sn.Action) && !confirmed(c) {
		return h.unconfirmed(c, fmt.Sprintf("/mod/members/%d", id))
	}
	if _, err := h.Store.Sanction(c.UserContext(), h.ViewerOf(c).User, id, sn); err != nil {
		return err
	}
	return h.redirectWithFlash(c, fmt.Sprintf("/mod/members/%d", id), "sanctioned")
}

type auditPage struct {
	Layout
	statuses statusNames
	Entries  []models.AuditEntry
	Filter   models.AuditFilter
	Actions  []string
	More     bool
	// Query is the filter as a query string without page, for the pager.
	Query string
}

// auditFilter reads the audit log's filter from the query string:
// actor (a member id), action, target ("idea:12", "member:3" or a kind).
func auditFilter(c *fiber.Ctx) (models.AuditFilter, error) {
	f := models.AuditFilter{Action: c.Query("action")}
	errs := models.ValidationErrors{}
	var err error
	if p := c.Query("actor"); p != "" {
		if f.ActorID, err = strconv.ParseInt(p, 10, 64); err != nil {
			errs["actor"] = "must be a member's number"
		}
	}
	if target := c.Query("target"); target != "" {
		kind, id, hasID := strings.Cut(target, ":")
		f.TargetType = kind
		if hasID {
			if f.TargetID, err = strconv.ParseInt(id, 10, 64); err != nil {
				errs["target"] = "must be a kind, or a kind and number such as idea:12"
			}
		}
	}
	page, err := optionalInt(c.Query("page"))
	if err != nil {
		errs["page"] = "must be a number"
	}
	f.Page = max(page, 1)
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

// Audit is the audit log, filterable by actor, action and target.
func (h *Moderation) Audit(c *fiber.Ctx) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	data := auditPage{Layout: h.layout(c, "mod.audit.title", "mod"), Filter: f, Actions: models.AuditActions}
	if data.Entries, data.More, err = h.Store.AuditLog(c.UserContext(), f); err != nil {
		return err
	}
	if data.statuses, err = h.statusNames(c.UserContext(), data.Lang); err != nil {
		return err
	}
	keep := url.Values{}
	for _, k := range []string{"actor", "action", "target"} {
		if v := c.Query(k); v != "" {
			keep.Set(k, v)
		}
	}
	data.Query = keep.Encode()
	return c.Render("mod/audit", data)
}

type publicLogPage struct {
	Layout
	statuses statusNames
	Actions  []models.PublicAction
}

// StatusName is the name of the status an idea moved to, in the reader's language.
func (p publicLogPage) StatusName(slug string) string { return p.statuses.of(slug) }

// PublicLog is the public moderation log, when the community publishes it.
func (h *Moderation) PublicLog(c *fiber.Ctx) error {
	actions, err := h.Store.PublicLog(c.UserContext(), 100)
	if err != nil {
		return err
	}
	data := publicLogPage{Layout: h.layout(c, "mod.public.title", ""), Actions: actions}
	if data.statuses, err = h.statusNames(c.UserContext(), data.Lang); err != nil {
		return err
	}
	return c.Render("mod/public", data)
}
