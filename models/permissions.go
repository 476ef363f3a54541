package models

import (
	"strings"
	"time"
)

// Action is something a user may or may not do.
type Action string

// Actions, each with its row in permissions.
const (
	// ActRead: read what is public. Everyone may, visitors too.
	ActRead Action = "read"
	// ActAccount: see and manage one's own account, sessions and tokens.
	ActAccount Action = "account"
	// ActPropose: propose ideas and edit or delete one's own.
	ActPropose Action = "propose"
	// ActComment: comment, and edit or delete one's own comments.
	ActComment Action = "comment"
	// ActVote: vote and withdraw a vote.
	ActVote Action = "vote"
	// ActReport: report an idea or comment to the moderators.
	ActReport Action = "report"
	// ActReadNotifications: read one's own notifications and mark them read.
	ActReadNotifications Action = "notifications.read"
	// ActFollow: follow and stop following ideas and categories.
	ActFollow Action = "follow"
	// ActModerate: hide, lock, pin, merge and edit others' content; work the review queue.
	ActModerate Action = "moderate"
	// ActManageMembers: list members, see their history, suspend, ban and lift.
	ActManageMembers Action = "members.manage"
	// ActReadAudit: read the audit log.
	ActReadAudit Action = "audit.read"
	// ActSetStatus: move an idea to another status with a public answer.
	ActSetStatus Action = "status.set"
	// ActWriteChangelog: write, publish and delete changelog entries, read drafts.
	ActWriteChangelog Action = "changelog.write"
	// ActTagIdeas: set an idea's tags.
	ActTagIdeas Action = "ideas.tag"
	// ActManageCategories: create, change and remove categories.
	ActManageCategories Action = "categories.manage"
	// ActManageStatuses: define the statuses ideas move through: names, colour,
	// kind, order, place on the roadmap; delete one by moving its ideas.
	ActManageStatuses Action = "statuses.manage"
	// ActManageSettings: change the community's moderation settings.
	ActManageSettings Action = "settings.manage"
	// ActReadHidden: read hidden content, and others' content awaiting review.
	ActReadHidden Action = "hidden.read"
	// ActTriage: see and set ideas' assignee, impact, effort and score; work the triage inbox.
	ActTriage Action = "triage"
	// ActReadInternal: read the team's internal notes.
	ActReadInternal Action = "internal.read"
	// ActRecordForCustomer: record an idea or a vote that a customer gave on
	// another channel (webcare), and see the links to those conversations.
	ActRecordForCustomer Action = "webcare.record"
	// ActExportIdeas: download every idea one may see as a spreadsheet (CSV).
	ActExportIdeas Action = "ideas.export"
	// ActReadAnalytics: read the community's figures and the team's answer times.
	ActReadAnalytics Action = "analytics.read"
	// ActManageWebhooks: register, remove and re-enable webhooks, read their
	// delivery log and redeliver.
	ActManageWebhooks Action = "webhooks.manage"
	// ActManageBranding: change the community's name, logo, favicon, accent
	// colour, welcome text, footer links and stylesheet.
	ActManageBranding Action = "branding.manage"
	// ActReadDeliveries: see the email deliveries that are stuck or failing.
	ActReadDeliveries Action = "deliveries.read"
	// ActSuggest: suggest a new category, or a tag for an idea; members only
	// from the trust level the settings name (see MaySuggest).
	ActSuggest Action = "suggest"
	// ActReviewSuggestions: accept or reject suggested tags and categories
	// (creating a category also needs ActManageCategories).
	ActReviewSuggestions Action = "suggestions.review"
	// ActGrantTrust: make a member a leader (trust level 4) or take it back.
	ActGrantTrust Action = "trust.grant"
	// ActManageCampaigns: draft campaigns, change them, move them through
	// their phases and publish their results.
	ActManageCampaigns Action = "campaigns.manage"
	// ActManageRounds: open feedback rounds on planned and active ideas,
	// close them, and read every response and summary (see docs/rounds.md).
	ActManageRounds Action = "rounds.manage"
)

// Standing is who someone is to the permission table: a role, or what
// moderation made of them.
type Standing string

// Standings, the columns of the permission table.
const (
	Visitor   Standing = "visitor"
	Banned    Standing = "banned"
	Suspended Standing = "suspended"
	Member    Standing = Standing(RoleMember)
	Moderator Standing = Standing(RoleModerator)
	Team      Standing = Standing(RoleTeam)
	Admin     Standing = Standing(RoleAdmin)
)

// Standings lists every standing, for the table's tests and documentation.
var Standings = []Standing{Visitor, Banned, Suspended, Member, Moderator, Team, Admin}

// StandingOf says where a user (nil for a visitor) stands at a moment.
func StandingOf(u *User, now time.Time) Standing {
	switch {
	case u == nil:
		return Visitor
	case u.Banned():
		return Banned
	case u.Suspended(now):
		return Suspended
	}
	return Standing(u.Role)
}

// permissions is the one table of who may do what. Pages and the API both
// go through it (the routes' require middleware, and Store.Can in the models).
var permissions = map[Action][]Standing{
	ActRead:    {Visitor, Banned, Suspended, Member, Moderator, Team, Admin},
	ActAccount: {Suspended, Member, Moderator, Team, Admin},
	ActPropose: {Member, Moderator, Team, Admin},
	ActComment: {Member, Moderator, Team, Admin},
	ActVote:    {Member, Moderator, Team, Admin},
	ActReport:  {Member, Moderator, Team, Admin},
	ActSuggest: {Member, Moderator, Team, Admin},

	// A suspended member still hears what became of ideas and of their
	// reports, and why a moderator hid what they wrote.
	ActReadNotifications: {Suspended, Member, Moderator, Team, Admin},
	ActFollow:            {Suspended, Member, Moderator, Team, Admin},

	ActModerate:      {Moderator, Team, Admin},
	ActReadHidden:    {Moderator, Team, Admin},
	ActReadInternal:  {Team, Admin},
	ActManageMembers: {Moderator, Team, Admin},
	ActReadAudit:     {Moderator, Team, Admin},

	ActReviewSuggestions: {Moderator, Team, Admin},

	ActTagIdeas:       {Moderator, Team, Admin},
	ActSetStatus:      {Team, Admin},
	ActWriteChangelog: {Team, Admin},
	ActTriage:         {Team, Admin},

	ActRecordForCustomer: {Team, Admin},
	ActExportIdeas:       {Team, Admin},
	ActReadAnalytics:     {Team, Admin},
	ActManageCampaigns:   {Team, Admin},
	ActManageRounds:      {Team, Admin},

	ActManageCategories: {Admin},
	ActManageStatuses:   {Admin},
	ActManageSettings:   {Admin},
	ActManageWebhooks:   {Admin},
	ActManageBranding:   {Admin},
	ActReadDeliveries:   {Admin},
	ActGrantTrust:       {Admin},
}

// Allows reports whether someone of this standing may take action a.
func (st Standing) Allows(a Action) bool {
	for _, allowed := range permissions[a] {
		if allowed == st {
			return true
		}
	}
	return false
}

// Can reports whether u (nil for a visitor) may take action a now.
func (s *Store) Can(u *User, a Action) bool { return StandingOf(u, s.Now()).Allows(a) }

// outranks is the rank rule: staff act only on members of a lower role, and
// admins on anyone but themselves; nobody acts as staff on themselves or on
// what they wrote. An author who is no member any more (no ID, no role)
// ranks lowest: anyone whose standing allows the action may act on what they left.
func outranks(actor, author *User) bool {
	if actor.ID == author.ID {
		return false
	}
	return actor.Role == RoleAdmin || actor.Role.rank() > author.Role.rank()
}

// MayActOn is the one rule for staff acting on someone else's content or on
// a member: the actor's standing at now allows action a (see the table),
// and the actor outranks the author or member (see outranks). Every such
// action in the models goes through it, and so do the pages when they
// decide which controls to offer.
func MayActOn(actor *User, now time.Time, a Action, author *User) bool {
	if actor == nil || !StandingOf(actor, now).Allows(a) {
		return false
	}
	// An admin moderates what they wrote themselves (pins their own
	// announcement, say): nobody ranks above them to do it for them. Anyone
	// else's own content is moderated by someone who outranks them, and nobody
	// sanctions themselves.
	ownAsAdmin := a == ActModerate && actor.Role == RoleAdmin && actor.ID != 0 && actor.ID == author.ID
	return ownAsAdmin || outranks(actor, author)
}

// MayDecide reports whether actor may settle the review queue's item by
// author: MayActOn, but nobody decides on reports about what they wrote.
func MayDecide(actor *User, now time.Time, author *User) bool {
	return MayActOn(actor, now, ActModerate, author) && actor.ID != author.ID
}

// actOn is MayActOn now as an error: ErrForbidden when the standing does
// not allow the action, ErrOutranked when the rank rule refuses it.
func (s *Store) actOn(actor *User, a Action, author *User) error {
	switch {
	case !s.Can(actor, a):
		return ErrForbidden
	case !MayActOn(actor, s.Now(), a, author):
		return ErrOutranked
	}
	return nil
}

// mayWrite reports whether u wrote something and may still change it now:
// their standing allows a (proposing for ideas, commenting for comments).
func mayWrite(u *User, now time.Time, a Action, authorID int64) bool {
	return u != nil && u.ID == authorID && StandingOf(u, now).Allows(a)
}

// change says whether u may edit or delete what author wrote: as its writer
// while their standing allows a, or as staff through actOn. It is the error
// form of EditableBy.
func (s *Store) change(u *User, a Action, author *User) error {
	switch {
	case mayWrite(u, s.Now(), a, author.ID):
		return nil
	case u == nil || u.ID == author.ID:
		return ErrForbidden
	}
	return s.actOn(u, ActModerate, author)
}

// PermissionTable renders the table as Markdown, one row per action, in the
// order given: the operating guide prints it, and a test keeps the two equal.
func PermissionTable(actions []Action) string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, st := range Standings {
		b.WriteString(" " + string(st) + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" :-: |", len(Standings)) + "\n")
	for _, a := range actions {
		b.WriteString("| `" + string(a) + "` |")
		for _, st := range Standings {
			mark := " "
			if st.Allows(a) {
				mark = "✓"
			}
			b.WriteString(" " + mark + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Actions lists every action, in the order of the permission table's rows.
var Actions = []Action{
	ActRead, ActAccount, ActPropose, ActComment, ActVote, ActReport, ActSuggest, ActReadNotifications, ActFollow,
	ActModerate, ActReadHidden, ActManageMembers, ActReadAudit, ActReviewSuggestions, ActTagIdeas, ActReadInternal, ActSetStatus,
	ActWriteChangelog, ActTriage, ActRecordForCustomer, ActExportIdeas, ActReadAnalytics, ActManageCampaigns,
	ActManageRounds,
	ActManageCategories, ActManageStatuses, ActManageSettings, ActManageWebhooks,
	ActManageBranding, ActReadDeliveries, ActGrantTrust,
}

// mayRead is the one rule for who reads an idea or a comment: published
// content is for everyone, content awaiting review for its author and for
// those whose standing lets them read hidden content, hidden content for the
// latter alone, deleted content for nobody. Standing, not role, decides: a
// suspended moderator reads what a suspended member reads.
func mayRead(viewer *User, now time.Time, state string, authorID int64) bool {
	st := StandingOf(viewer, now)
	switch state {
	case StatePublished:
		return true
	case StatePending:
		return st.Allows(ActReadHidden) || (viewer != nil && viewer.ID == authorID && st != Banned)
	case StateHidden:
		return st.Allows(ActReadHidden)
	}
	return false
}
