package models

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// Idea states.
const (
	StatePublished = "published"
	StatePending   = "pending"
	StateHidden    = "hidden"
	StateDeleted   = "deleted"
)

// Limits on what members write.
const (
	MinTitleLength = 8
	MaxTitleLength = 120
	MaxBodyLength  = 20000
)

// Idea is a member's proposal.
type Idea struct {
	ID       int64
	Title    string
	Slug     string
	Body     string
	BodyHTML template.HTML `gorm:"column:body_html"`
	// BodyText is the body as plain text, without Markdown: what search
	// indexes and quotes. Written with BodyHTML, never shown as the body.
	BodyText   string `gorm:"column:body_text"`
	AuthorID   int64
	CategoryID *int64
	StatusID   int64
	Votes      int
	Comments   int
	Hot        float64
	State      string
	Locked     bool
	Pinned     bool
	MergedInto *int64
	AssigneeID *int64
	Impact     *int
	Effort     *int
	// TriagedAt and AnsweredAt are when the team first triaged and first
	// answered the idea (see triage.go); nil until then.
	TriagedAt      *time.Time
	AnsweredAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastActivityAt time.Time
	EditedAt       *time.Time
	// ModerationNote says why a moderator hid the idea.
	ModerationNote string

	// Source is where the idea came from (one of Sources); SourceURL links
	// to the conversation the team recorded it from, for team eyes only.
	Source    string `gorm:"default:web"`
	SourceURL string `gorm:"column:source_url"`
	// CampaignID is the campaign the idea was submitted to, if any.
	CampaignID *int64

	Author   User      `gorm:"foreignKey:AuthorID"`
	Category *Category `gorm:"foreignKey:CategoryID"`
	Status   Status    `gorm:"foreignKey:StatusID"`
	// Assignee is who of the team the idea is assigned to, loaded for the team.
	Assignee *User `gorm:"foreignKey:AssigneeID"`
	// Tags and Voted are filled in by the queries that list or load ideas.
	Tags  []Tag `gorm:"-"`
	Voted bool  `gorm:"-"`
	// CampaignClosed says the idea's campaign takes no plain vote now
	// (see campaignGate); filled in with the tags.
	CampaignClosed bool `gorm:"-"`
	// Sealed says the idea's campaign hides its counts until voting
	// closes: its Votes (and its place in an order by votes) stay as they
	// were when it was submitted, and no page or answer shows them.
	Sealed bool `gorm:"-"`
	// PointsIn is the slug of the idea's campaign when that campaign gives
	// points rather than votes: the idea takes them on its page.
	PointsIn string `gorm:"-"`
	// Images are the pictures attached to the idea, loaded with one idea
	// (Store.Idea) or a list (Store.LoadImages).
	Images []Image `gorm:"-"`
}

// ConflictError says why a change clashes with an idea's state. It is an ErrConflict.
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string        { return "conflict: " + e.Reason }
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Reasons for a ConflictError.
const (
	ReasonLocked = "locked"
	ReasonMerged = "merged"
	ReasonClosed = "closed"
	// ReasonCampaignClosed: the idea's campaign is not in its voting phase.
	ReasonCampaignClosed = "campaign-closed"
	// ReasonCampaignPoints: the idea's campaign gives a budget of points
	// instead of votes (see SpendPoints).
	ReasonCampaignPoints = "campaign-points"
	ReasonVoted          = "others-took-part"
	// ReasonSelfMerge: an idea cannot be merged into itself.
	ReasonSelfMerge = "self-merge"
	// ReasonNotMerged: only a merged idea can be unmerged.
	ReasonNotMerged = "not-merged"
	// ReasonHidden: a moderator hid the comment; its author may no longer change it.
	ReasonHidden = "hidden"
	// ReasonReported: a member reports the same thing once.
	ReasonReported = "already-reported"
)

// trendHalfLife is how long a vote takes to count half as much in the
// trending order: a week, so that what members vote for these days rises
// and what they voted for last month sinks. A community of hundreds votes
// a few times a week per idea, not a few times an hour as on a news site.
const trendHalfLife = 7 * 24 * 3600

// trendCreation is how much an idea's creation counts beside its votes,
// as a power of two: 2^-10, a thousandth of a vote of the same day. It gives
// an idea that nobody votes for (its author withdrew) a place by its age.
const trendCreation = 10

// hotEpoch is where the trending clock starts: 2024-01-01 UTC.
const hotEpoch = 1704067200

// trendAt is the exponent of the weight of a vote cast at t: 2^trendAt(t),
// which doubles every trendHalfLife, so a vote of three days ago weighs half
// as much as one of today.
func trendAt(t time.Time) float64 {
	return float64(t.UnixMilli()-hotEpoch*1000) / 1000 / trendHalfLife
}

// The trending order ("hot") ranks ideas by log2 of the sum of the weights
// of their votes (and a little of their creation): an idea that members vote
// for now rises, an idea whose votes are old sinks, and a new idea with its
// author's vote alone counts as one fresh vote, less than one that two
// members voted for this week. Stored as the logarithm, it never overflows
// and never needs recomputing as time passes: only a vote changes it.

// addTrend is the trending score hot after one more vote at t.
func addTrend(hot float64, t time.Time) float64 {
	x := trendAt(t)
	hi, lo := max(hot, x), min(hot, x)
	return hi + math.Log2(1+math.Exp2(max(lo-hi, -1000)))
}

// TrendScore is the trending score of an idea created at created with
// votes cast at votes: what the database stores as ideas.hot.
func TrendScore(created time.Time, votes []time.Time) float64 {
	hot := trendAt(created) - trendCreation
	for _, v := range votes {
		hot = addTrend(hot, v)
	}
	return hot
}

// newIdeaTrend is the trending score of an idea created at t with its
// author's vote.
func newIdeaTrend(t time.Time) float64 { return TrendScore(t, []time.Time{t}) }

// trendFromVotes is the SQL of TrendScore for an UPDATE's row of ideas,
// from its creation and its votes (those that match skip left out, when not
// empty): log2 of the sum of the weights, each power of two taken relative
// to the latest, so that none overflows, and none below 2^-1000, where
// PostgreSQL would report an underflow.
func trendFromVotes(dialect, skip string) string {
	greatest := "greatest"
	if dialect == SQLite {
		greatest = "max"
	}
	x := func(column string) string { return trendSQL(dialect, column) }
	votes := "FROM votes v WHERE v.idea_id = ideas.id"
	if skip != "" {
		votes += " AND NOT (" + skip + ")"
	}
	pow := func(e string) string { return fmt.Sprintf("power(2, %s(%s - ref.x, -1000))", greatest, e) }
	created := fmt.Sprintf("(%s - %d)", x("ideas.created_at"), trendCreation)
	latest := fmt.Sprintf("%s(%s, COALESCE((SELECT MAX(%s) %s), %s))", greatest, created, x("v.created_at"), votes, created)
	return fmt.Sprintf("(SELECT ref.x + ln(%s + COALESCE((SELECT SUM(%s) %s), 0)) / ln(2) FROM (SELECT %s AS x) AS ref)",
		pow(created), pow(x("v.created_at")), votes, latest)
}

// trendSQL is trendAt in SQL: the exponent of the weight of a vote cast at
// the time column holds.
func trendSQL(dialect, column string) string {
	epoch := "extract(epoch FROM %s)::float8"
	if dialect == SQLite {
		epoch = "unixepoch(%s, 'subsec')"
	}
	return fmt.Sprintf("((%s - %d) / %d.0)", fmt.Sprintf(epoch, column), hotEpoch, trendHalfLife)
}

// removeTrend is the trending score hot after the vote cast at t is
// withdrawn, when that vote weighed less than half of hot's sum: then the
// subtraction loses no more than a bit of precision. Else it reports false,
// and the score is to be summed anew from the votes left (trendFromVotes).
func removeTrend(hot float64, t time.Time) (float64, bool) {
	x := trendAt(t)
	if x >= hot-1 {
		return 0, false
	}
	return hot + math.Log2(1-math.Exp2(max(x-hot, -1000))), true
}

// recomputeTrend sets the trending score of the ideas that match where from
// their rows: after votes are withdrawn or move between ideas.
func recomputeTrend(tx *gorm.DB, where string, args ...any) error {
	if err := tx.Exec("UPDATE ideas SET hot = "+trendFromVotes(tx.Dialector.Name(), "")+" WHERE "+where, args...).Error; err != nil {
		return fmt.Errorf("recompute the trending order: %w", err)
	}
	return nil
}

// NewIdea is what a member proposes.
type NewIdea struct {
	Title    string
	Body     string
	Category string // a category slug, or empty
	// Images are ids of the author's uploads to attach (see UploadImage).
	Images []int64
	// Campaign is the slug of the campaign the idea is submitted to, or
	// empty; Answers answer its questions, by their position (from 1).
	Campaign string
	Answers  map[int]string
}

// validText reports whether s is UTF-8 without NUL bytes, which PostgreSQL
// refuses in text columns and parameters.
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// checkTitle folds a title's runs of spaces into one and checks it: text
// of at most max characters, not empty. What is wrong goes to errs[field].
func checkTitle(raw string, max int, field string, errs ValidationErrors) string {
	title := strings.Join(strings.Fields(raw), " ")
	switch n := utf8.RuneCountInString(title); {
	case !validText(title):
		errs[field] = "is not valid text"
	case n == 0:
		errs[field] = "is required"
	case n > max:
		errs[field] = fmt.Sprintf("must be at most %d characters", max)
	}
	return title
}

// checkBody trims a Markdown text and checks it: text of at most
// MaxBodyLength characters. What is wrong goes to errs[field].
func checkBody(raw, field string, errs ValidationErrors) string {
	body := strings.TrimSpace(raw)
	switch {
	case !validText(body):
		errs[field] = "is not valid text"
	case utf8.RuneCountInString(body) > MaxBodyLength:
		errs[field] = fmt.Sprintf("must be at most %d characters", MaxBodyLength)
	}
	return body
}

// validateIdeaText checks a title and body and returns them trimmed.
func validateIdeaText(title, body string, errs ValidationErrors) (string, string) {
	title = strings.Join(strings.Fields(title), " ")
	switch n := utf8.RuneCountInString(title); {
	case !validText(title):
		errs["title"] = "is not valid text"
	case n < MinTitleLength:
		errs["title"] = fmt.Sprintf("must be at least %d characters", MinTitleLength)
	case n > MaxTitleLength:
		errs["title"] = fmt.Sprintf("must be at most %d characters", MaxTitleLength)
	}
	body = strings.TrimSpace(body)
	switch {
	case !validText(body):
		errs["body"] = "is not valid text"
	case utf8.RuneCountInString(body) > MaxBodyLength:
		errs["body"] = fmt.Sprintf("must be at most %d characters", MaxBodyLength)
	}
	return title, body
}

// Slugify makes the readable part of an idea's URL from its title.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(title)) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			// Lower case again: a compatibility character may decompose to a
			// capital (ᴿ -> R), found by FuzzSlugify.
			b.WriteRune(unicode.ToLower(r))
			dash = false
		case unicode.Is(unicode.Mn, r):
			// accents fall away: é -> e
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	switch slug {
	case "":
		return "idea"
	case "edit", "delete", "vote", "unvote", "comments", "status":
		return slug + "-idea" // never a route of its own under /ideas/:id/
	}
	return slug
}

// categoryID resolves an optional category slug.
func (s *Store) categoryID(ctx context.Context, slug string, errs ValidationErrors) *int64 {
	if slug == "" {
		return nil
	}
	c, err := s.CategoryBySlug(ctx, slug)
	if err != nil {
		errs["category"] = "is not a known category"
		return nil
	}
	return &c.ID
}

// newIdea is an idea about to be published with its author's first vote
// counted, its text rendered once (HTML, and plain text for search); the
// caller names the author and whatever else differs.
func (s *Store) newIdea(title, body string, category *int64, status *Status, now time.Time) *Idea {
	idea := &Idea{
		Title: title, Slug: Slugify(title), Body: body, BodyHTML: s.md.render(body),
		CategoryID: category, StatusID: status.ID, Votes: 1, Hot: newIdeaTrend(now), State: StatePublished,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	}
	idea.BodyText = s.md.plainText(idea.BodyHTML)
	return idea
}

// CreateIdea publishes a member's idea, with the author's own vote on it,
// under the spam brakes. While the community pre-moderates new members, their
// first ideas wait for a moderator's approval.
func (s *Store) CreateIdea(ctx context.Context, author *User, n NewIdea) (*Idea, error) {
	errs := ValidationErrors{}
	title, body := validateIdeaText(n.Title, n.Body, errs)
	category := s.categoryID(ctx, n.Category, errs)
	if err := checkImageCount(n.Images); err != nil {
		errs["images"] = err.(ValidationErrors)["images"]
	}
	campaign, answers, err := s.checkSubmission(ctx, n, category, errs)
	if err != nil {
		return nil, err
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	status, err := s.defaultStatus(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	idea := s.newIdea(title, body, category, status, now)
	idea.AuthorID = author.ID
	idea.CampaignID = campaign.idOrNil()
	if idea.State, err = s.screen(ctx, author, brakeIdeas, 0, body, string(idea.BodyHTML)); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Author", "Category", "Status", "Assignee").Create(idea).Error; err != nil {
			return err
		}
		if err := tx.Create(&Vote{IdeaID: idea.ID, UserID: author.ID, CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := attachImages(tx, n.Images, author.ID, "idea_id", idea.ID); err != nil {
			return err
		}
		if err := saveAnswers(tx, idea.ID, answers); err != nil {
			return err
		}
		if idea.CampaignID != nil {
			if err := s.followCampaign(tx, *idea.CampaignID, author.ID); err != nil {
				return err
			}
		}
		if err := s.ideaEvents(tx, idea); err != nil {
			return err
		}
		return s.publish(tx, WebhookEvent{Type: EventIdeaCreated, IdeaID: idea.ID})
	})
	if err != nil {
		return nil, fmt.Errorf("create idea: %w", err)
	}
	if idea.State == StatePublished {
		s.promoteAfter(ctx, author, false)
	}
	return s.Idea(ctx, idea.ID, author)
}

// IdeaPreview shows how a proposed idea will look, and which published ideas
// are alike, before it is posted.
type IdeaPreview struct {
	BodyHTML template.HTML
	Similar  []*Idea
}

// PreviewIdea checks a proposal without storing it.
func (s *Store) PreviewIdea(ctx context.Context, n NewIdea, viewer *User) (*IdeaPreview, error) {
	errs := ValidationErrors{}
	title, body := validateIdeaText(n.Title, n.Body, errs)
	s.categoryID(ctx, n.Category, errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	similar, err := s.SimilarIdeas(ctx, title, viewer)
	if err != nil {
		return nil, err
	}
	return &IdeaPreview{BodyHTML: s.md.render(body), Similar: similar}, nil
}

// SimilarIdeas finds up to five published ideas that share words with a title.
func (s *Store) SimilarIdeas(ctx context.Context, title string, viewer *User) ([]*Idea, error) {
	if len(searchWords(title)) == 0 || utf8.RuneCountInString(title) > MaxQueryLength {
		return nil, nil
	}
	// A page of the list without its total, which nobody sees here: one
	// statement less for a request made at every pause in typing.
	var ideas []*Idea
	err := s.searching(ctx, func(ctx context.Context, s *Store) error {
		o := ListOptions{Query: title, AnyWord: true, PerPage: 5}
		q, order, err := s.listQuery(ctx, &o)
		if err != nil {
			return err
		}
		if ideas, err = loadPage(q, o, order); err != nil {
			return fmt.Errorf("similar ideas: %w", err)
		}
		return s.fillIdeas(ctx, ideas, viewer)
	})
	if err != nil {
		return nil, err
	}
	return ideas, nil
}

// Idea loads one idea as the viewer may see it (nil for visitors): deleted,
// hidden and pending ideas are ErrNotFound, except pending ones for their
// author and hidden ones for moderators. A merged idea loads with MergedInto set.
func (s *Store) Idea(ctx context.Context, id int64, viewer *User) (*Idea, error) {
	var idea Idea
	if err := first(s.ideaQuery(ctx).Where("ideas.id = ?", id), &idea); err != nil {
		return nil, fmt.Errorf("load idea %d: %w", id, err)
	}
	if !idea.VisibleTo(viewer, s.Now()) {
		return nil, fmt.Errorf("load idea %d: %w", id, ErrNotFound)
	}
	list := []*Idea{&idea}
	if err := s.fillIdeas(ctx, list, viewer); err != nil {
		return nil, err
	}
	if err := s.LoadImages(ctx, list); err != nil {
		return nil, err
	}
	return &idea, nil
}

// LoadImages fills in the images of loaded ideas: one query for the list.
func (s *Store) LoadImages(ctx context.Context, ideas []*Idea) error {
	ids := make([]int64, len(ideas))
	for i, idea := range ideas {
		ids[i] = idea.ID
	}
	byIdea, err := s.imagesBy(ctx, "idea_id", ids)
	if err != nil {
		return err
	}
	for _, idea := range ideas {
		idea.Images = byIdea[idea.ID]
	}
	return nil
}

// ExcerptLength is how many characters of an idea's text a list shows.
const ExcerptLength = 180

// Excerpt is the start of the idea's text as plain text (no Markdown), cut
// at a word near ExcerptLength characters; lists show it under the title.
// Empty unless the list loaded the text (ListOptions.Excerpts).
func (i *Idea) Excerpt() string {
	// The text's words joined by single spaces, up to one character past
	// the length: enough to know whether it is longer, without reading or
	// copying the rest of it.
	var b strings.Builder
	n, space := 0, false
	for _, r := range i.BodyText {
		if unicode.IsSpace(r) {
			space = n > 0
			continue
		}
		if n > ExcerptLength {
			break
		}
		if space {
			b.WriteByte(' ')
			n, space = n+1, false
		}
		b.WriteRune(r)
		n++
	}
	text := b.String()
	if n <= ExcerptLength {
		return text
	}
	cut := string([]rune(text)[:ExcerptLength])
	if space := strings.LastIndex(cut, " "); space > ExcerptLength/2 {
		cut = cut[:space]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// VisibleTo reports whether the viewer may see the idea at all at now.
// TakesVotes reports whether the idea takes a plain vote now: its status
// takes votes, it is not locked, and its campaign, if any, is voting
// without a budget.
func (i *Idea) TakesVotes() bool { return i.Status.TakesVotes() && !i.Locked && !i.CampaignClosed }

func (i *Idea) VisibleTo(viewer *User, now time.Time) bool {
	return mayRead(viewer, now, i.State, i.AuthorID)
}

// EditableBy reports whether u may change the idea's title, body and
// category, or delete it, at now: its author while they may propose, or
// staff who outrank the author. Standing decides, not role.
func (i *Idea) EditableBy(u *User, now time.Time) bool {
	return mayWrite(u, now, ActPropose, i.AuthorID) || i.ModerableBy(u, now)
}

// ModerableBy reports whether u may hide, lock, pin, merge or review the
// idea at now: staff whose standing allows it, who outrank its author.
func (i *Idea) ModerableBy(u *User, now time.Time) bool {
	return MayActOn(u, now, ActModerate, &i.Author)
}

func (s *Store) ideaQuery(ctx context.Context) *gorm.DB {
	only := s.db.Session(&gorm.Session{NewDB: true}).Select("id", "name")
	return s.db.WithContext(ctx).Model(&Idea{}).Joins("Author").Joins("Category").Joins("Status").Joins("Assignee", only)
}

// fillIdeas adds tags and the viewer's votes to loaded ideas: at most one
// query for the whole list, never one per idea, and none for a visitor when
// the tags of every idea are in the store's cache. A row of it is a tag, or
// (with no tag) the viewer's vote.
func (s *Store) fillIdeas(ctx context.Context, ideas []*Idea, viewer *User) error {
	if len(ideas) == 0 {
		return nil
	}
	if err := s.gateCampaignVotes(ctx, ideas); err != nil {
		return err
	}
	ids := make([]int64, len(ideas))
	byID := make(map[int64]*Idea, len(ideas))
	for i, idea := range ideas {
		ids[i] = idea.ID
		byID[idea.ID] = idea
	}
	missing, gen := s.tags.get(byID)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, `SELECT idea_tags.idea_id, tags.id AS tag_id, tags.slug, tags.name, tags.created_at
		FROM idea_tags JOIN tags ON tags.id = idea_tags.tag_id WHERE idea_tags.idea_id IN @missing`)
		ctx = onPrimary(ctx) // what is kept for everyone is never a replica's older copy
	}
	if viewer != nil {
		parts = append(parts, `SELECT idea_id, NULL, NULL, NULL, NULL FROM votes WHERE user_id = @viewer AND idea_id IN @ids`)
	}
	if len(parts) == 0 {
		return nil
	}
	var rows []struct {
		IdeaID    int64
		TagID     *int64
		Slug      *string
		Name      *string
		CreatedAt *time.Time
	}
	query := strings.Join(parts, " UNION ALL ")
	if len(missing) > 0 {
		query += " ORDER BY name"
	}
	err := s.db.WithContext(ctx).Raw(query, map[string]any{"ids": ids, "missing": missing, "viewer": viewerID(viewer)}).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("load tags and votes: %w", err)
	}
	for _, r := range rows {
		idea := byID[r.IdeaID]
		if r.TagID == nil {
			idea.Voted = true
			continue
		}
		idea.Tags = append(idea.Tags, Tag{ID: *r.TagID, Slug: *r.Slug, Name: *r.Name, CreatedAt: *r.CreatedAt})
	}
	s.tags.put(missing, byID, gen)
	return nil
}

func viewerID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// IdeaUpdate changes some of an idea's fields; nil leaves a field as it is.
type IdeaUpdate struct {
	Title    *string
	Body     *string
	Category *string
	Tags     *[]string
	// Images is the whole new list of the idea's images: ids of those it
	// keeps and of the author's uploads to attach (see planImages).
	Images *[]int64
}

// UpdateIdea edits an idea. The author and moderators change the text,
// category and images, keeping the old text as a revision; the team and up
// set tags. Images left out of a new list are deleted.
func (s *Store) UpdateIdea(ctx context.Context, id int64, editor *User, up IdeaUpdate) (*Idea, error) {
	idea, err := s.Idea(ctx, id, editor)
	if err != nil {
		return nil, err
	}
	if idea.MergedInto != nil {
		return nil, &ConflictError{ReasonMerged}
	}
	textChange := up.Title != nil || up.Body != nil || up.Category != nil || up.Images != nil
	if textChange {
		if err := s.change(editor, ActPropose, &idea.Author); err != nil {
			return nil, err
		}
	}
	if up.Tags != nil && !s.Can(editor, ActTagIdeas) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	title, body := idea.Title, idea.Body
	if up.Title != nil {
		title = *up.Title
	}
	if up.Body != nil {
		body = *up.Body
	}
	title, body = validateIdeaText(title, body, errs)
	category := idea.CategoryID
	if up.Category != nil {
		category = s.categoryID(ctx, *up.Category, errs)
	}
	var tagNames []string
	if up.Tags != nil {
		tagNames = normalizeTags(*up.Tags, errs)
	}
	var images imageChange
	if up.Images != nil {
		var err error
		if images, err = planImages(*up.Images, idea.Images, editor, idea.AuthorID); err != nil {
			errs["images"] = err.(ValidationErrors)["images"]
		}
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}

	// A changed text, or a new image, passes the brakes of a new post, and
	// goes back to review while its writer is pre-moderated.
	bodyHTML, state := s.md.render(body), idea.State
	if title != idea.Title || body != idea.Body || len(images.Added) > 0 {
		screened, err := s.screen(ctx, editor, brakeIdeas, idea.ID, body, string(bodyHTML))
		if err != nil {
			return nil, err
		}
		if screened == StatePending && state == StatePublished {
			state = StatePending
		}
	}

	now := s.Now()
	wordsChanged := title != idea.Title || body != idea.Body || !sameID(category, idea.CategoryID)
	textChanged := wordsChanged || images.Changed()
	tagsChanged := up.Tags != nil && !sameTags(idea.Tags, tagNames)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.applyImages(ctx, tx, images, idea.AuthorID, "idea_id", idea.ID); err != nil {
			return err
		}
		if textChanged || tagsChanged {
			if err := s.publish(tx, WebhookEvent{Type: EventIdeaUpdated, IdeaID: idea.ID}); err != nil {
				return err
			}
		}
		if wordsChanged {
			rev := map[string]any{"idea_id": idea.ID, "title": idea.Title, "body": idea.Body, "editor_id": editor.ID, "created_at": now}
			if err := tx.Table("idea_revisions").Create(rev).Error; err != nil {
				return err
			}
		}
		if textChanged {
			err := tx.Model(&Idea{}).Where("id = ?", idea.ID).Updates(map[string]any{
				"title": title, "slug": Slugify(title), "body": body, "body_html": bodyHTML, "body_text": s.md.plainText(bodyHTML),
				"category_id": category, "state": state, "updated_at": now, "edited_at": now,
			}).Error
			if err != nil {
				return err
			}
			if editor.ID != idea.AuthorID {
				err := record(tx, now, Audit{Actor: editor, Action: AuditIdeaEdit, TargetType: TargetIdea, TargetID: idea.ID, Subject: &idea.AuthorID,
					Previous: strings.TrimSpace(idea.Title + "\n\n" + idea.Body), Reason: removedImagesReason(idea.Images, images)})
				if err != nil {
					return err
				}
			}
		}
		if !tagsChanged {
			return nil
		}
		if err := setTags(tx, idea.ID, tagNames, now); err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: editor, Action: AuditIdeaTags, TargetType: TargetIdea, TargetID: idea.ID,
			Subject: &idea.AuthorID, Reason: strings.Join(tagNames, ", ")})
	})
	if err != nil {
		return nil, fmt.Errorf("update idea %d: %w", id, err)
	}
	return s.Idea(ctx, id, editor)
}

// sameTags reports whether names are the tags an idea has, in any order.
func sameTags(tags []Tag, names []string) bool {
	if len(tags) != len(names) {
		return false
	}
	have := map[string]bool{}
	for _, t := range tags {
		have[t.Slug] = true
	}
	for _, n := range names {
		if !have[Slugify(n)] {
			return false
		}
	}
	return true
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// normalizeTags trims, de-duplicates and checks tag names.
func normalizeTags(names []string, errs ValidationErrors) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		if n == "" {
			continue
		}
		if !validText(n) || utf8.RuneCountInString(n) > 40 {
			errs["tags"] = "each tag must be valid text of at most 40 characters"
			return nil
		}
		if slug := Slugify(n); !seen[slug] {
			seen[slug] = true
			out = append(out, n)
		}
	}
	if len(out) > 10 {
		errs["tags"] = "at most 10 tags"
	}
	return out
}

// setTags replaces an idea's tags, creating unknown ones.
func setTags(tx *gorm.DB, ideaID int64, names []string, now time.Time) error {
	if err := tx.Exec("DELETE FROM idea_tags WHERE idea_id = ?", ideaID).Error; err != nil {
		return err
	}
	for _, name := range names {
		slug := Slugify(name)
		var tag Tag
		err := first(tx.Where("slug = ?", slug), &tag)
		if errors.Is(err, ErrNotFound) {
			tag = Tag{Slug: slug, Name: name, CreatedAt: now}
			err = tx.Create(&tag).Error
		}
		if err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO idea_tags (idea_id, tag_id) VALUES (?, ?)", ideaID, tag.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// DeleteIdea removes an idea. Its author may, while nobody else has voted or
// commented; staff who outrank the author may always, and so may staff
// deleting their own. The row stays, marked deleted.
func (s *Store) DeleteIdea(ctx context.Context, id int64, user *User) error {
	idea, err := s.Idea(ctx, id, user)
	if err != nil {
		return err
	}
	if err := s.change(user, ActPropose, &idea.Author); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if !s.Can(user, ActModerate) {
			var others int64
			err := tx.Raw(`SELECT (SELECT COUNT(*) FROM votes WHERE idea_id = ? AND user_id <> ?)
				+ (SELECT COUNT(*) FROM comments WHERE idea_id = ? AND user_id <> ? AND internal = FALSE)`, id, user.ID, id, user.ID).Scan(&others).Error
			if err != nil {
				return fmt.Errorf("delete idea %d: %w", id, err)
			}
			if others > 0 {
				return &ConflictError{ReasonVoted}
			}
		}
		err := tx.Model(&Idea{}).Where("id = ?", id).Updates(map[string]any{"state": StateDeleted, "updated_at": s.Now()}).Error
		if err == nil {
			err = s.deleteImagesOfIdea(ctx, tx, id)
		}
		if err == nil && user.ID != idea.AuthorID {
			err = record(tx, s.Now(), Audit{Actor: user, Action: AuditIdeaDelete, TargetType: TargetIdea, TargetID: id, Subject: &idea.AuthorID})
		}
		if err != nil {
			return fmt.Errorf("delete idea %d: %w", id, err)
		}
		return nil
	})
}
