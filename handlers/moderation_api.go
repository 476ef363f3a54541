package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// ModerationAPI is the moderators' JSON API, and members' reports.
type ModerationAPI struct{ *Deps }

// APIReport is a report in the JSON API; outcome is empty while it is open.
type APIReport struct {
	ID         int64      `json:"id"`
	Target     string     `json:"target"`
	TargetID   int64      `json:"target_id"`
	Reason     string     `json:"reason"`
	Note       string     `json:"note"`
	Reporter   APIAuthor  `json:"reporter"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Outcome    string     `json:"outcome"`
}

func apiReport(r *models.Report) APIReport {
	out := APIReport{ID: r.ID, Target: r.TargetType, TargetID: r.TargetID, Reason: r.Reason, Note: r.Note,
		Reporter: apiAuthor(&r.Reporter), CreatedAt: r.CreatedAt.UTC(), Outcome: r.Outcome}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC()
		out.ResolvedAt = &t
	}
	return out
}

// APIQueueItem is an item of the review queue.
type APIQueueItem struct {
	Target  string      `json:"target"`
	ID      int64       `json:"id"`
	Pending bool        `json:"pending"`
	Idea    APIIdea     `json:"idea"`
	Comment *APIComment `json:"comment"`
	Reports []APIReport `json:"reports"`
	Since   time.Time   `json:"since"`
}

// APIMember is a member as moderators see them.
type APIMember struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	Role           string     `json:"role"`
	Standing       string     `json:"standing"`
	SuspendedUntil *time.Time `json:"suspended_until"`
	BannedAt       *time.Time `json:"banned_at"`
	Trusted        bool       `json:"trusted"`
	TrustLevel     int        `json:"trust_level"`
	Note           string     `json:"moderation_note"`
	CreatedAt      time.Time  `json:"created_at"`
}

func (d *Deps) apiMember(u *models.User) APIMember {
	return APIMember{ID: u.ID, Name: u.Name, Email: orEmpty(u.Email), Role: string(u.Role),
		Standing: string(models.StandingOf(u, d.Store.Now())), SuspendedUntil: utc(u.SuspendedUntil), BannedAt: utc(u.BannedAt),
		Trusted: u.Trusted, TrustLevel: u.TrustLevel, Note: u.ModerationNote, CreatedAt: u.CreatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// APIAuditEntry is an entry of the audit log; actor is null for Samen itself.
type APIAuditEntry struct {
	ID        int64      `json:"id"`
	Actor     *APIAuthor `json:"actor"`
	Action    string     `json:"action"`
	Target    string     `json:"target"`
	TargetID  int64      `json:"target_id"`
	SubjectID *int64     `json:"subject_id"`
	Reason    string     `json:"reason"`
	// ReasonCategory and ReasonPublic: what the public log shows of the reason.
	ReasonCategory string `json:"reason_category"`
	ReasonPublic   bool   `json:"reason_public"`
	// Previous is the text a staff member's edit replaced, else empty.
	Previous  string    `json:"previous"`
	CreatedAt time.Time `json:"created_at"`
}

type mergeInput struct {
	Into   *int64  `json:"into"`
	Reason *string `json:"reason"`
}

// Merge answers POST /ideas/:id/merge with the target idea.
func (h *ModerationAPI) Merge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in mergeInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Into == nil || *in.Into < 1 {
		return models.ValidationErrors{"into": "must be the id of another idea"}
	}
	idea, err := h.Store.Merge(c.UserContext(), id, *in.Into, h.ViewerOf(c).User, orEmpty(in.Reason))
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

// Unmerge answers POST /ideas/:id/unmerge with the restored idea.
func (h *ModerationAPI) Unmerge(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	idea, err := h.Store.Unmerge(c.UserContext(), id, h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

type ideaModerationInput struct {
	Locked *bool   `json:"locked"`
	Pinned *bool   `json:"pinned"`
	Hidden *bool   `json:"hidden"`
	Reason *string `json:"reason"`
	// ReasonCategory and ReasonPublic are what the public moderation log
	// may show of the reason (see publicReasonOf).
	ReasonCategory *string `json:"reason_category"`
	ReasonPublic   *bool   `json:"reason_public"`
}

// publicReasonOf reads what the public log may show of a reason: its
// category, and the reason itself when "reason_public" is true.
func publicReasonOf(category *string, public *bool) models.PublicReason {
	return models.PublicReason{Category: orEmpty(category), Public: public != nil && *public}
}

// Idea answers PATCH /ideas/:id/moderation with the idea as it now stands.
func (h *ModerationAPI) Idea(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in ideaModerationInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	m := models.IdeaModeration{Locked: in.Locked, Pinned: in.Pinned, Hidden: in.Hidden, Reason: orEmpty(in.Reason), PublicReason: publicReasonOf(in.ReasonCategory, in.ReasonPublic)}
	idea, err := h.Store.ModerateIdea(c.UserContext(), id, h.ViewerOf(c).User, m)
	if err != nil {
		return err
	}
	return c.JSON(h.apiIdea(idea, h.ViewerOf(c).User))
}

type commentModerationInput struct {
	Hidden         *bool   `json:"hidden"`
	Reason         *string `json:"reason"`
	ReasonCategory *string `json:"reason_category"`
	ReasonPublic   *bool   `json:"reason_public"`
}

// Comment answers PATCH /comments/:id/moderation with the comment as it now stands.
func (h *ModerationAPI) Comment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in commentModerationInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.Hidden == nil {
		return models.ValidationErrors{"hidden": "is required: true or false"}
	}
	cm, err := h.Store.ModerateComment(c.UserContext(), id, h.ViewerOf(c).User, *in.Hidden, orEmpty(in.Reason), publicReasonOf(in.ReasonCategory, in.ReasonPublic))
	if err != nil {
		return err
	}
	return c.JSON(apiComment(cm))
}

type reportInput struct {
	Target *string `json:"target"`
	ID     *int64  `json:"id"`
	Reason *string `json:"reason"`
	Note   *string `json:"note"`
}

// Report answers POST /reports with the new report (201).
func (h *ModerationAPI) Report(c *fiber.Ctx) error {
	var in reportInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	n := models.NewReport{Target: orEmpty(in.Target), Reason: orEmpty(in.Reason), Note: orEmpty(in.Note)}
	if in.ID != nil {
		n.ID = *in.ID
	}
	r, err := h.Store.CreateReport(c.UserContext(), h.ViewerOf(c).User, n)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(apiReport(r))
}

// Reports answers GET /reports: the caller's own reports and their outcomes.
func (h *ModerationAPI) Reports(c *fiber.Ctx) error {
	v := h.ViewerOf(c)
	list, err := h.Store.ReportsBy(c.UserContext(), v.User.ID, 100)
	if err != nil {
		return err
	}
	out := make([]APIReport, len(list))
	for i := range list {
		list[i].Reporter = *v.User
		out[i] = apiReport(&list[i])
	}
	return c.JSON(fiber.Map{"reports": out})
}

// Queue answers GET /mod/queue: what waits for moderators, oldest first.
func (h *ModerationAPI) Queue(c *fiber.Ctx) error {
	items, err := h.Store.ReviewQueue(c.UserContext(), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	out := make([]APIQueueItem, len(items))
	for i, item := range items {
		out[i] = APIQueueItem{Target: item.Target, ID: item.ID, Pending: item.Pending(), Idea: h.apiIdea(item.Idea, h.ViewerOf(c).User),
			Reports: make([]APIReport, len(item.Reports)), Since: item.Since.UTC()}
		if item.Comment != nil {
			cm := apiComment(item.Comment)
			out[i].Comment = &cm
		}
		for n := range item.Reports {
			out[i].Reports[n] = apiReport(&item.Reports[n])
		}
	}
	return c.JSON(fiber.Map{"items": out})
}

type decisionInput struct {
	Action *string    `json:"action"`
	Reason *string    `json:"reason"`
	Until  *time.Time `json:"until"`
}

// Decide answers POST /mod/queue/:target/:id (204).
func (h *ModerationAPI) Decide(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in decisionInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	d := models.Decision{Action: orEmpty(in.Action), Reason: orEmpty(in.Reason)}
	if in.Until != nil {
		d.Until = *in.Until
	}
	if err := h.Store.Decide(c.UserContext(), h.ViewerOf(c).User, c.Params("target"), id, d); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Members answers GET /mod/members?q=&page=.
func (h *ModerationAPI) Members(c *fiber.Ctx) error {
	errs := models.ValidationErrors{}
	page := apiQueryNumber(c, "page", models.MaxPage, errs)
	if len(errs) > 0 {
		return errs
	}
	list, more, err := h.Store.Members(c.UserContext(), c.Query("q"), max(page, 1))
	if err != nil {
		return err
	}
	out := make([]APIMember, len(list))
	for i := range list {
		out[i] = h.apiMember(&list[i])
	}
	return c.JSON(fiber.Map{"members": out, "page": max(page, 1), "more": more})
}

// Member answers GET /mod/members/:id: the member and their history.
func (h *ModerationAPI) Member(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	hist, err := h.Store.History(c.UserContext(), h.ViewerOf(c).User, id)
	if err != nil {
		return err
	}
	ideas := make([]fiber.Map, len(hist.Ideas))
	for i, idea := range hist.Ideas {
		ideas[i] = fiber.Map{"id": idea.ID, "title": idea.Title, "state": idea.State, "votes": idea.Votes, "created_at": idea.CreatedAt.UTC()}
	}
	comments := make([]fiber.Map, len(hist.Comments))
	for i, cm := range hist.Comments {
		comments[i] = fiber.Map{"id": cm.ID, "idea_id": cm.IdeaID, "body": cm.Body, "state": cm.State, "created_at": cm.CreatedAt.UTC()}
	}
	reports := func(list []models.Report) []APIReport {
		out := make([]APIReport, len(list))
		for i := range list {
			out[i] = apiReport(&list[i])
		}
		return out
	}
	return c.JSON(fiber.Map{
		"member": h.apiMember(hist.Member), "ideas": ideas, "comments": comments,
		"reports": reports(hist.Reports), "reports_against": reports(hist.Against), "actions": apiAudit(hist.Actions),
	})
}

type sanctionInput struct {
	Action *string    `json:"action"`
	Until  *time.Time `json:"until"`
	Reason *string    `json:"reason"`
}

// Sanction answers POST /mod/members/:id/sanction with the member as they now stand.
func (h *ModerationAPI) Sanction(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in sanctionInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	sn := models.Sanction{Action: orEmpty(in.Action), Reason: orEmpty(in.Reason)}
	if in.Until != nil {
		sn.Until = *in.Until
	}
	u, err := h.Store.Sanction(c.UserContext(), h.ViewerOf(c).User, id, sn)
	if err != nil {
		return err
	}
	return c.JSON(h.apiMember(u))
}

// Audit answers GET /mod/audit?actor=&action=&target=&page=.
func (h *ModerationAPI) Audit(c *fiber.Ctx) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	list, more, err := h.Store.AuditLog(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": apiAudit(list), "page": f.Page, "more": more})
}

func apiAudit(list []models.AuditEntry) []APIAuditEntry {
	out := make([]APIAuditEntry, len(list))
	for i, e := range list {
		out[i] = APIAuditEntry{ID: e.ID, Action: e.Action, Target: e.TargetType, TargetID: e.TargetID,
			SubjectID: e.SubjectID, Reason: e.Reason,
			ReasonCategory: e.ReasonCategory, ReasonPublic: e.ReasonPublic, Previous: e.Previous, CreatedAt: e.CreatedAt.UTC()}
		if e.Actor != nil {
			a := apiAuthor(e.Actor)
			out[i].Actor = &a
		}
	}
	return out
}
