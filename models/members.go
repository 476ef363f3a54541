package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxSuspension bounds how far ahead a suspension may end.
const MaxSuspension = 10 * 365 * 24 * time.Hour

func checkUntil(until, now time.Time, errs ValidationErrors) {
	switch {
	case !until.After(now):
		errs["until"] = "must be in the future"
	case until.Sub(now) > MaxSuspension:
		errs["until"] = "must be within ten years; ban the member instead"
	}
}

func suspend(tx *gorm.DB, actor *User, userID int64, until time.Time, reason string, now time.Time) error {
	err := tx.Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"suspended_until": until, "moderation_note": reason, "updated_at": now}).Error
	if err != nil {
		return err
	}
	if err := demote(tx, actor, userID, until, TrustReasonSuspended, now); err != nil {
		return err
	}
	return record(tx, now, Audit{Actor: actor, Action: AuditSuspend, TargetType: TargetMember, TargetID: userID, Subject: &userID,
		Reason: strings.TrimSpace("until " + until.UTC().Format("2006-01-02 15:04 UTC") + ". " + reason)})
}

// ban ends the member's sessions and API tokens' use at once: both are
// refused for banned users on every request.
func ban(tx *gorm.DB, actor *User, userID int64, reason string, now time.Time) error {
	err := tx.Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"banned_at": now, "moderation_note": reason, "updated_at": now}).Error
	if err != nil {
		return err
	}
	if err := tx.Exec("DELETE FROM sessions WHERE user_id = ?", userID).Error; err != nil {
		return err
	}
	if err := demote(tx, actor, userID, now, TrustReasonBanned, now); err != nil {
		return err
	}
	return record(tx, now, Audit{Actor: actor, Action: AuditBan, TargetType: TargetMember, TargetID: userID, Subject: &userID, Reason: reason})
}

// Sanction is what a moderator does to a member directly.
type Sanction struct {
	Action string // DecideSuspend, DecideBan, or "lift"
	Until  time.Time
	Reason string
}

// SanctionLift lifts a suspension or ban.
const SanctionLift = "lift"

// Sanction suspends a member until a date (they may read, but not post,
// vote, comment or report), bans them (their sessions end and sign-in is
// refused), or lifts either. A suspension or ban drops a member to trust
// level 0 (see demote). It returns the member as they now stand.
func (s *Store) Sanction(ctx context.Context, moderator *User, userID int64, sn Sanction) (*User, error) {
	if !s.Can(moderator, ActManageMembers) {
		return nil, ErrForbidden
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := s.actOn(moderator, ActManageMembers, u); err != nil {
		return nil, err
	}
	errs := ValidationErrors{}
	now := s.Now()
	reason := validateReason(sn.Reason, sn.Action != SanctionLift, errs)
	switch sn.Action {
	case DecideSuspend:
		checkUntil(sn.Until, now, errs)
	case DecideBan, SanctionLift:
	default:
		errs["action"] = "must be suspend, ban or lift"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		switch sn.Action {
		case DecideSuspend:
			return suspend(tx, moderator, userID, sn.Until, reason, now)
		case DecideBan:
			return ban(tx, moderator, userID, reason, now)
		}
		err := tx.Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"banned_at": nil, "suspended_until": nil, "moderation_note": "", "updated_at": now}).Error
		if err == nil {
			err = liftSanction(tx, userID, now)
		}
		if err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: moderator, Action: AuditLift, TargetType: TargetMember, TargetID: userID, Subject: &userID, Reason: reason})
	})
	if err != nil {
		return nil, fmt.Errorf("%s user %d: %w", sn.Action, userID, err)
	}
	return s.UserByID(ctx, userID)
}

// MemberPageSize is how many members one page of the member list holds.
const MemberPageSize = 50

// Members lists members whose name or email contains query (all when
// empty), newest first, and says whether more follow.
func (s *Store) Members(ctx context.Context, query string, page int) ([]User, bool, error) {
	query = strings.ToLower(strings.TrimSpace(query))
	errs := ValidationErrors{}
	if !validText(query) || utf8.RuneCountInString(query) > MaxQueryLength {
		errs["q"] = fmt.Sprintf("must be valid text of at most %d characters", MaxQueryLength)
	}
	if page < 1 || page > MaxPage {
		errs["page"] = fmt.Sprintf("must be between 1 and %d", MaxPage)
	}
	if err := errs.orNil(); err != nil {
		return nil, false, err
	}
	q := s.db.WithContext(ctx).Model(&User{})
	if query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(query) + "%"
		q = q.Where(`LOWER(name) LIKE ? ESCAPE '\' OR LOWER(COALESCE(email, '')) LIKE ? ESCAPE '\'`, like, like)
	}
	var list []User
	if err := q.Order("id DESC").Limit(MemberPageSize + 1).Offset((page - 1) * MemberPageSize).Find(&list).Error; err != nil {
		return nil, false, fmt.Errorf("list members: %w", err)
	}
	more := len(list) > MemberPageSize
	if more {
		list = list[:MemberPageSize]
	}
	return list, more, nil
}

// MemberHistory is what moderators see of one member.
type MemberHistory struct {
	Member   *User
	Ideas    []Idea    // every idea but deleted ones, newest first
	Comments []Comment // every comment but deleted ones, newest first
	Reports  []Report  // reports the member made
	Against  []Report  // reports of the member's content
	Actions  []AuditEntry
}

// historyLimit bounds each list of a member's history.
const historyLimit = 50

// History gathers a member's ideas, comments, reports and what moderators did to them.
func (s *Store) History(ctx context.Context, moderator *User, userID int64) (*MemberHistory, error) {
	if !s.Can(moderator, ActManageMembers) {
		return nil, ErrForbidden
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	h := &MemberHistory{Member: u}
	db := s.db.WithContext(ctx)
	err = db.Joins("Status").Where("ideas.author_id = ? AND ideas.state <> ?", userID, StateDeleted).
		Order("ideas.created_at DESC").Limit(historyLimit).Find(&h.Ideas).Error
	if err == nil {
		q := db.Where("user_id = ? AND state <> ?", userID, StateDeleted)
		if !s.Can(moderator, ActReadInternal) {
			q = q.Where("internal = ?", false)
		}
		err = q.Order("created_at DESC").Limit(historyLimit).Find(&h.Comments).Error
	}
	if err == nil {
		err = db.Where("reporter_id = ?", userID).Order("created_at DESC").Limit(historyLimit).Find(&h.Reports).Error
	}
	if err == nil {
		err = db.Joins("Reporter").Where(`(reports.target_type = 'idea' AND reports.target_id IN (SELECT id FROM ideas WHERE author_id = ?))
			OR (reports.target_type = 'comment' AND reports.target_id IN (SELECT id FROM comments WHERE user_id = ?))`, userID, userID).
			Order("reports.created_at DESC").Limit(historyLimit).Find(&h.Against).Error
	}
	if err != nil {
		return nil, fmt.Errorf("load history of user %d: %w", userID, err)
	}
	if h.Actions, _, err = s.AuditLog(ctx, AuditFilter{SubjectID: userID, Page: 1}); err != nil {
		return nil, err
	}
	return h, nil
}
