package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// DeletedName is the display name a deleted account leaves behind. Migration
// 00019 names it too: the audit log accepts only updates that write it.
const DeletedName = "Deleted member"

// ExportLimit bounds each list of an export: far more than any one member
// writes, so the document stays a bounded size however the data grows.
const ExportLimit = 20000

// Export is everything Samen holds about one member, as they get it: their
// own rows, and of what belongs to others only the id and title of the idea
// they acted on.
type Export struct {
	ExportedAt    time.Time            `json:"exported_at"`
	Profile       ExportProfile        `json:"profile"`
	Preferences   ExportPreferences    `json:"preferences"`
	Identities    []ExportIdentity     `json:"identities"`
	Sessions      []ExportSession      `json:"sessions"`
	APITokens     []ExportToken        `json:"api_tokens"`
	Ideas         []ExportIdea         `json:"ideas"`
	Comments      []ExportComment      `json:"comments"`
	Votes         []ExportVote         `json:"votes"`
	Reports       []ExportReport       `json:"reports"`
	TrustChanges  []ExportTrustChange  `json:"trust_changes"`
	Suggestions   []ExportSuggestion   `json:"suggestions"`
	Subscriptions ExportSubscriptions  `json:"subscriptions"`
	Notifications []ExportNotification `json:"notifications"`
	Images        []ExportImage        `json:"images"`
	RoundAnswers  []ExportRoundAnswer  `json:"round_answers"`
	Truncated     []string             `json:"truncated,omitempty"`
}

// ExportImage is a photo or screenshot the member uploaded, with where it
// is shown and the address of the file.
type ExportImage struct {
	ID          int64     `json:"id"`
	IdeaID      *int64    `json:"idea_id"`
	CommentID   *int64    `json:"comment_id"`
	Alt         string    `json:"alt"`
	ContentType string    `json:"content_type"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
}

// ExportRoundAnswer is one of the member's answers in a feedback round.
type ExportRoundAnswer struct {
	RoundID    int64     `json:"round_id"`
	RoundTitle string    `json:"round_title"`
	IdeaID     int64     `json:"idea_id"`
	Position   int       `json:"position"`
	Prompt     string    `json:"prompt"`
	Answer     string    `json:"answer"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ExportProfile is the member's own account.
type ExportProfile struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	Email           *string    `json:"email"`
	EmailVerified   bool       `json:"email_verified"`
	AvatarURL       string     `json:"avatar_url"`
	Role            string     `json:"role"`
	CreatedAt       time.Time  `json:"created_at"`
	FirstSignedInAt *time.Time `json:"first_signed_in_at"`
	SuspendedUntil  *time.Time `json:"suspended_until"`
	BannedAt        *time.Time `json:"banned_at"`
	ModerationNote  string     `json:"moderation_note"`
	TrustLevel      int        `json:"trust_level"`
	DaysActive      int        `json:"days_active"`
}

// ExportTrustChange is a change of the member's trust level.
type ExportTrustChange struct {
	FromLevel int       `json:"from_level"`
	ToLevel   int       `json:"to_level"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportSuggestion is a category or tag the member suggested.
type ExportSuggestion struct {
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Note      string    `json:"note"`
	IdeaID    *int64    `json:"idea_id"`
	State     string    `json:"state"`
	Answer    string    `json:"answer"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportPreferences are the member's choices.
type ExportPreferences struct {
	Language      string `json:"language"`
	AutoSubscribe bool   `json:"auto_subscribe"`
	EmailDigest   string `json:"email_digest"`
	EmailPrefs    string `json:"email_prefs"`
	ShowVotes     bool   `json:"show_votes"`
}

// ExportIdentity is a sign-in method: the provider, never a secret.
type ExportIdentity struct {
	Provider  string    `json:"provider"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportSession is a signed-in browser, without its token.
type ExportSession struct {
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// ExportToken is an API token: its label and dates, never its hash.
type ExportToken struct {
	Name       string     `json:"name"`
	ReadOnly   bool       `json:"read_only"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// ExportIdea is an idea the member proposed.
type ExportIdea struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	State     string     `json:"state"`
	Status    string     `json:"status"`
	Category  *string    `json:"category"`
	Votes     int        `json:"votes"`
	Source    string     `json:"source"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at"`
}

// ExportIdeaRef names the idea something was done on: its id, and its title
// while the member may read it.
type ExportIdeaRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title,omitempty"`
}

// ExportComment is a comment, or an internal note, the member wrote.
type ExportComment struct {
	ID        int64         `json:"id"`
	Idea      ExportIdeaRef `json:"idea" gorm:"-"`
	Body      string        `json:"body"`
	Internal  bool          `json:"internal"`
	State     string        `json:"state"`
	CreatedAt time.Time     `json:"created_at"`
}

// ExportVote is a vote the member cast.
type ExportVote struct {
	Idea      ExportIdeaRef `json:"idea" gorm:"-"`
	Source    string        `json:"source"`
	CreatedAt time.Time     `json:"created_at"`
}

// ExportReport is a report the member filed and what became of it.
type ExportReport struct {
	ID         int64      `json:"id"`
	TargetType string     `json:"target_type"`
	TargetID   int64      `json:"target_id"`
	Reason     string     `json:"reason"`
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Outcome    string     `json:"outcome"`
}

// ExportSubscriptions are the ideas and categories the member follows.
type ExportSubscriptions struct {
	Ideas      []ExportIdeaSubscription     `json:"ideas"`
	Categories []ExportCategorySubscription `json:"categories"`
}

// ExportIdeaSubscription is an idea the member follows (or stopped following).
type ExportIdeaSubscription struct {
	Idea      ExportIdeaRef `json:"idea" gorm:"-"`
	Following bool          `json:"following"`
	CreatedAt time.Time     `json:"created_at"`
}

// ExportCategorySubscription is a category the member follows.
type ExportCategorySubscription struct {
	Category  string    `json:"category"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportNotification is one notification the member received.
type ExportNotification struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	IdeaID    *int64     `json:"idea_id"`
	Detail    string     `json:"detail"`
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// ExportOf gathers everything Samen holds about u, for u. Internal notes are
// in it only while u may read them.
func (s *Store) ExportOf(ctx context.Context, u *User) (*Export, error) {
	db := s.db.WithContext(ctx)
	out := &Export{ExportedAt: s.Now()}
	limited := func(name string, n int) {
		if n >= ExportLimit {
			out.Truncated = append(out.Truncated, name)
		}
	}
	// An idea's title is the member's to see while they may read the idea.
	title := "CASE WHEN ideas.state = 'published' OR ideas.author_id = ? THEN ideas.title ELSE '' END AS idea_title"

	var prof struct {
		ExportProfile
		Locale        string
		AutoSubscribe bool
		EmailDigest   string
		EmailPrefs    string
		ShowVotes     bool
	}
	err := db.Table("users").Select("id, name, email, email_verified, avatar_url, role, created_at, first_signed_in_at, "+
		"suspended_until, banned_at, moderation_note, trust_level, days_active, locale, auto_subscribe, email_digest, email_prefs, show_votes").
		Where("id = ?", u.ID).Take(&prof).Error
	if err != nil {
		return nil, fmt.Errorf("export user %d: %w", u.ID, err)
	}
	out.Profile = prof.ExportProfile
	out.Preferences = ExportPreferences{Language: prof.Locale, AutoSubscribe: prof.AutoSubscribe,
		EmailDigest: prof.EmailDigest, EmailPrefs: prof.EmailPrefs, ShowVotes: prof.ShowVotes}

	steps := []struct {
		name string
		run  func() (int, error)
	}{
		{"identities", func() (int, error) {
			err := db.Table("identities").Select("provider, email, created_at").Where("user_id = ?", u.ID).
				Order("id").Limit(ExportLimit).Scan(&out.Identities).Error
			return len(out.Identities), err
		}},
		{"sessions", func() (int, error) {
			err := db.Table("sessions").Select("user_agent, ip, created_at, last_seen_at, expires_at").
				Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.Sessions).Error
			return len(out.Sessions), err
		}},
		{"api_tokens", func() (int, error) {
			err := db.Table("api_tokens").Select("name, read_only, created_at, last_used_at, expires_at").
				Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.APITokens).Error
			return len(out.APITokens), err
		}},
		{"ideas", func() (int, error) {
			err := db.Table("ideas").Select("ideas.id, ideas.title, ideas.body, ideas.state, statuses.slug AS status, "+
				"categories.slug AS category, ideas.votes, ideas.source, ideas.created_at, ideas.edited_at").
				Joins("JOIN statuses ON statuses.id = ideas.status_id").
				Joins("LEFT JOIN categories ON categories.id = ideas.category_id").
				Where("ideas.author_id = ? AND ideas.state <> ?", u.ID, StateDeleted).
				Order("ideas.id").Limit(ExportLimit).Scan(&out.Ideas).Error
			return len(out.Ideas), err
		}},
		{"comments", func() (int, error) {
			var rows []struct {
				ExportComment
				IdeaID    int64
				IdeaTitle string
			}
			q := db.Table("comments").Select("comments.id, comments.body, comments.internal, comments.state, comments.created_at, "+
				"comments.idea_id, "+title, u.ID).
				Joins("JOIN ideas ON ideas.id = comments.idea_id").
				Where("comments.user_id = ? AND comments.state <> ?", u.ID, StateDeleted)
			if !s.Can(u, ActReadInternal) {
				q = q.Where("NOT comments.internal")
			}
			err := q.Order("comments.id").Limit(ExportLimit).Scan(&rows).Error
			for _, r := range rows {
				r.Idea = ExportIdeaRef{ID: r.IdeaID, Title: r.IdeaTitle}
				out.Comments = append(out.Comments, r.ExportComment)
			}
			return len(rows), err
		}},
		{"votes", func() (int, error) {
			var rows []struct {
				ExportVote
				IdeaID    int64
				IdeaTitle string
			}
			err := db.Table("votes").Select("votes.source, votes.created_at, votes.idea_id, "+title, u.ID).
				Joins("JOIN ideas ON ideas.id = votes.idea_id").Where("votes.user_id = ?", u.ID).
				Order("votes.created_at, votes.idea_id").Limit(ExportLimit).Scan(&rows).Error
			for _, r := range rows {
				r.Idea = ExportIdeaRef{ID: r.IdeaID, Title: r.IdeaTitle}
				out.Votes = append(out.Votes, r.ExportVote)
			}
			return len(rows), err
		}},
		{"reports", func() (int, error) {
			err := db.Table("reports").Select("id, target_type, target_id, reason, note, created_at, resolved_at, outcome").
				Where("reporter_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.Reports).Error
			return len(out.Reports), err
		}},
		{"trust_changes", func() (int, error) {
			err := db.Table("trust_changes").Select("from_level, to_level, reason, created_at").
				Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.TrustChanges).Error
			return len(out.TrustChanges), err
		}},
		{"suggestions", func() (int, error) {
			err := db.Table("suggestions").Select("kind, name, note, idea_id, state, answer, created_at").
				Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.Suggestions).Error
			return len(out.Suggestions), err
		}},
		{"subscriptions.ideas", func() (int, error) {
			var rows []struct {
				ExportIdeaSubscription
				IdeaID    int64
				IdeaTitle string
			}
			err := db.Table("subscriptions").Select("subscriptions.following, subscriptions.created_at, subscriptions.idea_id, "+title, u.ID).
				Joins("JOIN ideas ON ideas.id = subscriptions.idea_id").Where("subscriptions.user_id = ?", u.ID).
				Order("subscriptions.idea_id").Limit(ExportLimit).Scan(&rows).Error
			for _, r := range rows {
				r.Idea = ExportIdeaRef{ID: r.IdeaID, Title: r.IdeaTitle}
				out.Subscriptions.Ideas = append(out.Subscriptions.Ideas, r.ExportIdeaSubscription)
			}
			return len(rows), err
		}},
		{"subscriptions.categories", func() (int, error) {
			err := db.Table("category_subscriptions").Select("categories.slug AS category, category_subscriptions.created_at").
				Joins("JOIN categories ON categories.id = category_subscriptions.category_id").
				Where("category_subscriptions.user_id = ?", u.ID).Order("categories.slug").Limit(ExportLimit).
				Scan(&out.Subscriptions.Categories).Error
			return len(out.Subscriptions.Categories), err
		}},
		{"notifications", func() (int, error) {
			err := db.Table("notifications").Select("id, kind, idea_id, detail, read_at, created_at").
				Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Scan(&out.Notifications).Error
			return len(out.Notifications), err
		}},
		{"images", func() (int, error) {
			var rows []Image
			err := db.Where("user_id = ?", u.ID).Order("id").Limit(ExportLimit).Find(&rows).Error
			for _, img := range rows {
				out.Images = append(out.Images, ExportImage{ID: img.ID, IdeaID: img.IdeaID, CommentID: img.CommentID, Alt: img.Alt,
					ContentType: img.ContentType, Width: img.Width, Height: img.Height, URL: img.Path(), CreatedAt: img.CreatedAt})
			}
			return len(rows), err
		}},
		{"round_answers", func() (int, error) {
			err := db.Table("round_answers a").Select("r.id AS round_id, r.title AS round_title, r.idea_id, q.position, q.prompt, a.answer, p.updated_at").
				Joins("JOIN round_responses p ON p.id = a.response_id").Joins("JOIN rounds r ON r.id = p.round_id").
				Joins("JOIN round_questions q ON q.id = a.question_id").Where("p.user_id = ?", u.ID).
				Order("r.id, q.position").Limit(ExportLimit).Scan(&out.RoundAnswers).Error
			return len(out.RoundAnswers), err
		}},
	}
	for _, step := range steps {
		n, err := step.run()
		if err != nil {
			return nil, fmt.Errorf("export %s of user %d: %w", step.name, u.ID, err)
		}
		limited(step.name, n)
	}
	return out, nil
}

// DeleteConfirmation is what a member types to confirm deleting their
// account: their email address, or their display name when they have none.
func (u *User) DeleteConfirmation() string {
	if u.Email != nil && *u.Email != "" {
		return *u.Email
	}
	return u.Name
}

// Deleted reports whether the account was deleted.
func (u *User) Deleted() bool { return u.DeletedAt != nil }

// DeleteAccount deletes u's account at once, when confirm matches
// DeleteConfirmation (ValidationErrors otherwise): their sign-in methods,
// sessions, API tokens, sign-in links, subscriptions and notifications go;
// the user stays as "deleted member", with no name, email or avatar, so
// their ideas, comments and votes stay counted. The audit log keeps its
// entries, with the member's name and email replaced in their text.
func (s *Store) DeleteAccount(ctx context.Context, u *User, confirm string) error {
	want := u.DeleteConfirmation()
	if !strings.EqualFold(strings.TrimSpace(confirm), want) || want == "" {
		return ValidationErrors{"confirm": "does not match"}
	}
	var fresh User
	if err := first(s.db.WithContext(ctx).Where("id = ? AND deleted_at IS NULL", u.ID), &fresh); err != nil {
		return fmt.Errorf("delete account %d: %w", u.ID, err)
	}
	now := s.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// What named the person: their email and name, wherever a text of theirs
		// or about them may hold it.
		var emails []string
		if fresh.Email != nil && *fresh.Email != "" {
			emails = append(emails, *fresh.Email)
		}
		var idEmails []string
		if err := tx.Table("identities").Where("user_id = ? AND email <> ''", u.ID).Pluck("email", &idEmails).Error; err != nil {
			return err
		}
		emails = append(emails, idEmails...)
		for _, del := range []struct{ table, where string }{
			{"identities", "user_id = ?"},
			{"sessions", "user_id = ?"},
			{"api_tokens", "user_id = ?"},
			{"auth_states", "link_user_id = ?"},
			{"subscriptions", "user_id = ?"},
			{"category_subscriptions", "user_id = ?"},
			{"notifications", "user_id = ?"},
			{"events", "recipient_id = ?"},
			{"suggestions", "user_id = ?"},
		} {
			if err := tx.Exec("DELETE FROM "+del.table+" WHERE "+del.where, u.ID).Error; err != nil {
				return fmt.Errorf("delete %s: %w", del.table, err)
			}
		}
		// Photos may show the member or their home: they go with the account.
		if err := s.DeleteImagesOf(ctx, tx, u.ID); err != nil {
			return err
		}
		for _, email := range emails {
			if err := tx.Exec("DELETE FROM login_tokens WHERE LOWER(email) = ?", strings.ToLower(email)).Error; err != nil {
				return fmt.Errorf("delete login tokens: %w", err)
			}
		}
		err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"name": DeletedName, "email": nil, "email_verified": false, "avatar_url": "", "locale": "",
			"moderation_note": "", "email_prefs": "{}", "show_votes": false, "role": RoleMember,
			"deleted_at": now, "updated_at": now,
		}).Error
		if err != nil {
			return fmt.Errorf("anonymise user: %w", err)
		}
		// What moderators wrote on her content names nobody any more.
		for _, table := range []struct{ name, author string }{{"ideas", "author_id"}, {"comments", "user_id"}} {
			if err := anonymiseNotes(tx, table.name, table.author, u.ID, append(slices.Clone(emails), fresh.Name)); err != nil {
				return err
			}
		}
		// The webhook delivery log named her as an author or commenter.
		if was, err := json.Marshal(fresh.Name); err == nil {
			now, _ := json.Marshal(DeletedName)
			from, to := `"name":`+string(was), `"name":`+string(now)
			err := tx.Exec("UPDATE webhook_deliveries SET payload = REPLACE(payload, ?, ?) WHERE payload LIKE ?", from, to, "%"+from+"%").Error
			if err != nil {
				return fmt.Errorf("anonymise webhook deliveries: %w", err)
			}
		}
		// Jobs not yet done or kept a while after (a sign-in link's email)
		// forget her address.
		for _, email := range emails {
			err := tx.Exec("DELETE FROM river_job WHERE state <> 'running' AND LOWER(CAST(args AS TEXT)) LIKE ?", "%"+strings.ToLower(email)+"%").Error
			if err != nil {
				return fmt.Errorf("forget jobs for a deleted member: %w", err)
			}
		}
		// An email is replaced wherever the log holds it; the name only in the
		// entries about the member or by them, where it means them.
		if err := anonymiseAudit(tx, emails, 0); err != nil {
			return err
		}
		if err := anonymiseAudit(tx, []string{fresh.Name}, u.ID); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, ForgetStatisticsArgs{})
	})
	if err != nil {
		return fmt.Errorf("delete account %d: %w", u.ID, err)
	}
	return nil
}

// personalTables are the tables whose rows named a member whose account
// DeleteAccount deleted.
var personalTables = []string{"users", "identities", "sessions", "api_tokens", "auth_states", "login_tokens",
	"subscriptions", "category_subscriptions", "notifications", "events", "ideas", "comments",
	"webhook_deliveries", "moderation_actions", "river_job"}

// ForgetStatisticsArgs is the job, enqueued by each deleted account, that
// gathers the planner's statistics of personalTables anew. Statistics keep
// samples of stored values: SQLite's sqlite_stat4 whole index keys (an
// email among them), PostgreSQL's pg_statistic a column's common values
// and histogram bounds (a name, a note). Gathered after the deletion, they
// hold what is stored now and no more.
type ForgetStatisticsArgs struct{}

// Kind names the job in River's tables.
func (ForgetStatisticsArgs) Kind() string { return "forget_statistics" }

type forgetStatisticsWorker struct {
	river.WorkerDefaults[ForgetStatisticsArgs]
	store *Store
}

func (w *forgetStatisticsWorker) Work(ctx context.Context, _ *river.Job[ForgetStatisticsArgs]) error {
	return w.store.analyzeTables(ctx, personalTables...)
}

// anonymiseAudit replaces each of names in the audit log's texts with
// DeletedName: the entries stay, the person is no longer in them. Only the
// entries by or about member, when not 0.
func anonymiseAudit(tx *gorm.DB, names []string, member int64) error {
	for _, name := range names {
		if strings.TrimSpace(name) == "" || name == DeletedName {
			continue
		}
		var rows []struct {
			ID       int64
			Reason   string
			Previous string
		}
		like := "%" + strings.ToLower(name) + "%"
		q := tx.Table("moderation_actions").Select("id, reason, previous").
			Where("LOWER(reason) LIKE ? OR LOWER(previous) LIKE ?", like, like)
		if member != 0 {
			q = q.Where("subject_id = ? OR actor_id = ?", member, member)
		}
		err := q.Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("find audit entries naming a deleted member: %w", err)
		}
		for _, r := range rows {
			err := tx.Exec("UPDATE moderation_actions SET reason = ?, previous = ? WHERE id = ?",
				replaceFold(r.Reason, name, DeletedName), replaceFold(r.Previous, name, DeletedName), r.ID).Error
			if err != nil {
				return fmt.Errorf("anonymise audit entry %d: %w", r.ID, err)
			}
		}
	}
	return nil
}

// anonymiseNotes replaces names in the moderation notes on what the member
// wrote (a moderator's reason for hiding it).
func anonymiseNotes(tx *gorm.DB, table, authorColumn string, member int64, names []string) error {
	var rows []struct {
		ID             int64
		ModerationNote string
	}
	err := tx.Table(table).Select("id, moderation_note").Where(authorColumn+" = ? AND moderation_note <> ''", member).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("find moderation notes on %s: %w", table, err)
	}
	for _, r := range rows {
		note := r.ModerationNote
		for _, name := range names {
			if strings.TrimSpace(name) != "" {
				note = replaceFold(note, name, DeletedName)
			}
		}
		if note != r.ModerationNote {
			if err := tx.Exec("UPDATE "+table+" SET moderation_note = ? WHERE id = ?", note, r.ID).Error; err != nil {
				return fmt.Errorf("anonymise moderation note on %s %d: %w", table, r.ID, err)
			}
		}
	}
	return nil
}

// replaceFold replaces every occurrence of old in s, in any letter case.
func replaceFold(s, old, replacement string) string {
	if old == "" {
		return s
	}
	lower, lowerOld := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) {
		return strings.ReplaceAll(s, old, replacement)
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lowerOld)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i] + replacement)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// SetShowVotes records whether u's name shows among an idea's voters for everyone.
func (s *Store) SetShowVotes(ctx context.Context, userID int64, show bool) error {
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"show_votes": show, "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("set show_votes of user %d: %w", userID, err)
	}
	return nil
}
