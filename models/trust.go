package models

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"gorm.io/gorm"
)

// Trust levels (see docs/trust.md). Members rise from new to regular by
// what they do; a leader is made by an admin.
const (
	TrustNew     = 0
	TrustBasic   = 1
	TrustMember  = 2
	TrustRegular = 3
	TrustLeader  = 4
	// TrustEarned is the highest level reached by activity alone.
	TrustEarned = TrustRegular
)

// Reasons a level changed, as trust_changes records them.
const (
	TrustReasonActivity  = "activity"
	TrustReasonApprovals = "approvals" // the trusted flag, before levels
	TrustReasonSuspended = "suspended"
	TrustReasonBanned    = "banned"
	TrustReasonGranted   = "granted" // an admin made the member a leader
	TrustReasonRevoked   = "revoked" // an admin took the leader level back
)

// TrustThreshold is what a level asks of a member: every figure at least
// this, and no sanction in the last CleanDays days.
type TrustThreshold struct {
	DaysActive int // days on which the member was signed in
	Posts      int // ideas and comments published (approved, or not held for review)
	Votes      int // votes cast
	CleanDays  int // days since the last sanction ended
}

// TrustFigures are what a member did, as the levels weigh it.
type TrustFigures struct {
	DaysActive int
	Posts      int
	Votes      int
	// Approvals counts the member's pre-moderated posts a moderator approved.
	Approvals int
	// SanctionedUntil is when the member's last sanction ended or ends (nil: never sanctioned).
	SanctionedUntil *time.Time
}

// cleanDays is how many whole days have passed at now since the last sanction ended.
func (f TrustFigures) cleanDays(now time.Time) int {
	if f.SanctionedUntil == nil {
		return maxCleanDays
	}
	if !now.After(*f.SanctionedUntil) {
		return 0
	}
	return int(now.Sub(*f.SanctionedUntil) / (24 * time.Hour))
}

// maxCleanDays bounds the clean-days thresholds; a member never sanctioned has them all.
const maxCleanDays = 3650

// Meets reports whether the figures meet threshold t at now.
func (f TrustFigures) Meets(t TrustThreshold, now time.Time) bool {
	return f.DaysActive >= t.DaysActive && f.Posts >= t.Posts && f.Votes >= t.Votes && f.cleanDays(now) >= t.CleanDays
}

// QualifiedLevel is the highest level up to TrustEarned whose threshold, and
// every lower one's, the figures meet at now. Basic (1) is also met by
// TrustAfter approvals, as long as the member has been clean for level 1's
// days: moderators vouched for their first posts. A member under a sanction
// (SanctionedUntil after now) qualifies for none.
func QualifiedLevel(f TrustFigures, st Settings, now time.Time) int {
	level := TrustNew
	for l := TrustBasic; l <= TrustEarned; l++ {
		vouched := l == TrustBasic && f.Approvals >= st.TrustAfter && f.cleanDays(now) >= st.Trust[l].CleanDays
		if !vouched && !f.Meets(st.Trust[l], now) {
			break
		}
		level = l
	}
	if f.SanctionedUntil != nil && f.SanctionedUntil.After(now) {
		return TrustNew
	}
	return level
}

// trustFigures counts what a member did.
func trustFigures(db *gorm.DB, u *User) (TrustFigures, error) {
	var counts struct{ Posts, Votes int }
	err := db.Raw(`SELECT (SELECT COUNT(*) FROM ideas WHERE author_id = ? AND state = ?)
		+ (SELECT COUNT(*) FROM comments WHERE user_id = ? AND state = ? AND NOT internal) AS posts,
		(SELECT COUNT(*) FROM votes WHERE user_id = ?) AS votes`,
		u.ID, StatePublished, u.ID, StatePublished, u.ID).Scan(&counts).Error
	if err != nil {
		return TrustFigures{}, fmt.Errorf("count what user %d did: %w", u.ID, err)
	}
	return TrustFigures{DaysActive: u.DaysActive, Posts: counts.Posts, Votes: counts.Votes, Approvals: u.Approvals,
		SanctionedUntil: u.SanctionedUntil}, nil
}

// rated reports whether the trust levels apply to u: to members, not to staff
// (whose role sets what they may) nor to banned or deleted accounts.
func rated(u *User) bool {
	return u.Role == RoleMember && !u.Banned() && !u.Deleted()
}

// TrustChange is one change of a member's level.
type TrustChange struct {
	ID        int64
	UserID    int64
	FromLevel int
	ToLevel   int
	Reason    string
	ActorID   *int64
	CreatedAt time.Time
}

// setLevel moves a member from one level to another and records why; it
// keeps the trusted flag equal to level >= 1. It changes nothing when the
// member's level is no longer from (another request moved it first).
func setLevel(tx *gorm.DB, userID int64, from, to int, reason string, actor *User, now time.Time) error {
	res := tx.Model(&User{}).Where("id = ? AND trust_level = ?", userID, from).
		Updates(map[string]any{"trust_level": to, "trusted": to >= TrustBasic, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	change := TrustChange{UserID: userID, FromLevel: from, ToLevel: to, Reason: reason, CreatedAt: now}
	if actor != nil {
		change.ActorID = &actor.ID
	}
	return tx.Create(&change).Error
}

// promote raises a member to the level their figures qualify for under
// settings, if it is higher than theirs; levels are never lowered here (only
// sanctions do), and a leader stays a leader. db may be a transaction: the
// settings are read before it (on SQLite it holds the one connection).
func (s *Store) promote(db *gorm.DB, settings Settings, userID int64) error {
	var u User
	if err := first(db.Where("id = ?", userID), &u); err != nil {
		return fmt.Errorf("load user %d: %w", userID, err)
	}
	return s.promoteUser(db, settings, &u)
}

// promoteUser is promote for a member already loaded: their level changes
// only from the level u says (see setLevel), so a copy a moment old does
// no harm.
func (s *Store) promoteUser(db *gorm.DB, settings Settings, u *User) error {
	if !rated(u) || u.TrustLevel >= TrustEarned {
		return nil
	}
	figures, err := trustFigures(db, u)
	if err != nil {
		return err
	}
	now := s.Now()
	if level := QualifiedLevel(figures, settings, now); level > u.TrustLevel {
		if err := setLevel(db, u.ID, u.TrustLevel, level, TrustReasonActivity, nil, now); err != nil {
			return fmt.Errorf("promote user %d: %w", u.ID, err)
		}
	}
	return nil
}

// promoteAfter promotes a member after something they did was stored: a
// failure is logged, not returned, as what they did stands. fresh says u was
// just read or written here, so promoting need not read u again.
func (s *Store) promoteAfter(ctx context.Context, u *User, fresh bool) {
	if !rated(u) || u.TrustLevel >= TrustEarned {
		return
	}
	settings, err := s.Settings(ctx)
	if err == nil && !mayRise(u, settings, s.Now()) {
		return
	}
	if err == nil {
		if fresh {
			err = s.promoteUser(s.db.WithContext(ctx), settings, u)
		} else {
			err = s.promote(s.db.WithContext(ctx), settings, u.ID)
		}
	}
	if err != nil {
		s.log.Warn("trust level not updated", slog.Int64("user", u.ID), slog.Any("error", err))
	}
}

// countedToday reports whether u's row shows the day of now (UTC) counted
// as one on which u was active.
func countedToday(u *User, now time.Time) bool {
	return u.LastActiveAt != nil && !u.LastActiveAt.Before(now.UTC().Truncate(24*time.Hour))
}

// mayRise reports whether u could qualify for a level above theirs with any
// number of posts and votes: the days, approvals and sanctions on u's row
// decide it. When they cannot, counting what u did is no use (on a vote that
// is two statements of three). The session's copy of the row is fresh but for
// one thing: every write to users makes it out of date on every instance,
// except the quiet count of the day's activity (countActiveDay), which a copy
// kept for credentialsTTL may miss. So unless u shows today counted, u is
// given today.
func mayRise(u *User, st Settings, now time.Time) bool {
	days := u.DaysActive
	if !countedToday(u, now) {
		days++
	}
	most := TrustFigures{DaysActive: days, Posts: math.MaxInt, Votes: math.MaxInt, Approvals: u.Approvals,
		SanctionedUntil: u.SanctionedUntil}
	return QualifiedLevel(most, st, now) > u.TrustLevel
}

// Promote raises a member to the level they qualify for now, if higher.
func (s *Store) Promote(ctx context.Context, userID int64) error {
	settings, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	return s.promote(s.db.WithContext(ctx), settings, userID)
}

// demote is what a sanction does to a member's level, in the sanction's
// transaction: a suspension or a ban drops a member to level 0 at once, and
// no level is earned again until the sanction has been over for each
// level's clean days. until is when the sanction ends (now for a ban). Staff
// keep their level.
func demote(tx *gorm.DB, actor *User, userID int64, until time.Time, reason string, now time.Time) error {
	var u User
	if err := first(tx.Where("id = ?", userID), &u); err != nil {
		return fmt.Errorf("load user %d: %w", userID, err)
	}
	if u.Role != RoleMember {
		return nil
	}
	if err := tx.Model(&User{}).Where("id = ?", userID).Update("sanctioned_until", until).Error; err != nil {
		return fmt.Errorf("demote user %d: %w", userID, err)
	}
	if u.TrustLevel == TrustNew {
		return nil
	}
	if err := setLevel(tx, userID, u.TrustLevel, TrustNew, reason, actor, now); err != nil {
		return fmt.Errorf("demote user %d: %w", userID, err)
	}
	return nil
}

// SetLeader makes a member a leader (level 4), which only admins do, or
// takes it back: the member returns to the level their figures earn now.
// Staff and members who are suspended or banned are no leaders (422).
func (s *Store) SetLeader(ctx context.Context, admin *User, userID int64, leader bool) (*User, error) {
	if !s.Can(admin, ActGrantTrust) {
		return nil, ErrForbidden
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := s.actOn(admin, ActGrantTrust, u); err != nil {
		return nil, err
	}
	now := s.Now()
	if leader && (!rated(u) || u.Suspended(now)) {
		return nil, ValidationErrors{"level": "only a member in good standing can be made a leader"}
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		switch {
		case leader && u.TrustLevel != TrustLeader:
			return setLevel(tx, u.ID, u.TrustLevel, TrustLeader, TrustReasonGranted, admin, now)
		case !leader && u.TrustLevel == TrustLeader:
			figures, err := trustFigures(tx, u)
			if err != nil {
				return err
			}
			return setLevel(tx, u.ID, TrustLeader, QualifiedLevel(figures, settings, now), TrustReasonRevoked, admin, now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set leader level of user %d: %w", userID, err)
	}
	return s.UserByID(ctx, userID)
}

// liftSanction ends the sanction window's wait from now when a sanction
// that would have lasted longer is lifted early.
func liftSanction(tx *gorm.DB, userID int64, now time.Time) error {
	return tx.Model(&User{}).Where("id = ? AND sanctioned_until > ?", userID, now).Update("sanctioned_until", now).Error
}

// countActiveDay counts the day of now as one on which the member was active,
// once a day (UTC), and promotes them when the day is what they lacked. It
// reports whether the day was new. The count is written quietly, as a
// session's last use is: another instance that keeps the member's older
// row tries again, and its conditional update changes nothing.
func (s *Store) countActiveDay(ctx context.Context, u *User) (bool, error) {
	ctx = onPrimary(ctx) // bookkeeping: the member's next reads may still go to a replica
	now := s.Now()
	if countedToday(u, now) {
		return false, nil
	}
	res := s.db.WithContext(ctx).Set(quietKey, true).Model(&User{}).
		Where("id = ? AND (last_active_at IS NULL OR last_active_at < ?)", u.ID, now.UTC().Truncate(24*time.Hour)).
		Updates(map[string]any{"days_active": gorm.Expr("days_active + 1"), "last_active_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("count active day of user %d: %w", u.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	u.DaysActive++
	u.LastActiveAt = &now
	// The session's member is fresh enough to promote from (see
	// promoteUser): a member's first page of the day reads nothing more.
	s.promoteAfter(ctx, u, true)
	return true, nil
}

// TrustStep is one threshold of the next level and where the member stands.
type TrustStep struct {
	Key  string // days_active, posts, votes, clean_days
	Have int
	Need int
}

// Met reports whether the member meets this threshold.
func (t TrustStep) Met() bool { return t.Have >= t.Need }

// TrustProgress is what a member's page says of their level.
type TrustProgress struct {
	Level int
	// Next is the level after Level that activity can reach, 0 when none
	// (staff, leaders, regulars).
	Next  int
	Steps []TrustStep
	// BlockedUntil: a sanction keeps the member from rising until then.
	BlockedUntil *time.Time
	Changes      []TrustChange // newest first
}

// trustChangesShown bounds the level changes a member's page lists.
const trustChangesShown = 20

// TrustProgress gathers a member's level, what the next one needs and the
// changes so far.
func (s *Store) TrustProgress(ctx context.Context, u *User) (*TrustProgress, error) {
	db := s.db.WithContext(ctx)
	fresh, err := s.UserByID(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	p := &TrustProgress{Level: fresh.TrustLevel}
	if err := db.Where("user_id = ?", u.ID).Order("id DESC").Limit(trustChangesShown).Find(&p.Changes).Error; err != nil {
		return nil, fmt.Errorf("list trust changes of user %d: %w", u.ID, err)
	}
	if !rated(fresh) || fresh.TrustLevel >= TrustEarned {
		return p, nil
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	figures, err := trustFigures(db, fresh)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	p.Next = fresh.TrustLevel + 1
	need := settings.Trust[p.Next]
	p.Steps = []TrustStep{
		{"days_active", figures.DaysActive, need.DaysActive},
		{"posts", figures.Posts, need.Posts},
		{"votes", figures.Votes, need.Votes},
		{"clean_days", min(figures.cleanDays(now), need.CleanDays), need.CleanDays},
	}
	if figures.SanctionedUntil != nil && need.CleanDays > 0 {
		if free := figures.SanctionedUntil.Add(time.Duration(need.CleanDays) * 24 * time.Hour); free.After(now) {
			p.BlockedUntil = &free
		}
	}
	return p, nil
}

// brakePercent is how far the hourly limits stretch for a member's level, in
// percent of the limits set.
func (st Settings) brakePercent(level int) int {
	switch {
	case level >= TrustRegular:
		return st.TrustBrakes[TrustRegular]
	case level == TrustMember:
		return st.TrustBrakes[TrustMember]
	}
	return 100
}

// validateTrust checks that no level asks less than the one below it.
func (st Settings) validateTrust(errs ValidationErrors) {
	for l := TrustMember; l <= TrustEarned; l++ {
		lower, t := st.Trust[l-1], st.Trust[l]
		for _, f := range []struct {
			key       string
			have, low int
		}{
			{fmt.Sprintf("trust%d_days", l), t.DaysActive, lower.DaysActive},
			{fmt.Sprintf("trust%d_posts", l), t.Posts, lower.Posts},
			{fmt.Sprintf("trust%d_votes", l), t.Votes, lower.Votes},
			{fmt.Sprintf("trust%d_clean_days", l), t.CleanDays, lower.CleanDays},
		} {
			if f.have < f.low && errs[f.key] == "" {
				errs[f.key] = fmt.Sprintf("must be at least level %d's %d", l-1, f.low)
			}
		}
	}
	if st.TrustBrakes[TrustRegular] < st.TrustBrakes[TrustMember] && errs["trust3_brakes_percent"] == "" {
		errs["trust3_brakes_percent"] = fmt.Sprintf("must be at least level 2's %d", st.TrustBrakes[TrustMember])
	}
}
