package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Audit actions: what moderators, the team and admins did. The log is
// append-only (the database refuses to change or delete its rows).
const (
	AuditIdeaHide      = "idea.hide"
	AuditIdeaUnhide    = "idea.unhide"
	AuditIdeaLock      = "idea.lock"
	AuditIdeaUnlock    = "idea.unlock"
	AuditIdeaPin       = "idea.pin"
	AuditIdeaUnpin     = "idea.unpin"
	AuditIdeaEdit      = "idea.edit"
	AuditIdeaDelete    = "idea.delete"
	AuditIdeaMerge     = "idea.merge"
	AuditIdeaUnmerge   = "idea.unmerge"
	AuditIdeaStatus    = "idea.status"
	AuditIdeaTags      = "idea.tags"
	AuditCommentHide   = "comment.hide"
	AuditCommentUnhide = "comment.unhide"
	AuditCommentEdit   = "comment.edit"
	AuditCommentDelete = "comment.delete"
	AuditApprove       = "content.approve"
	AuditReject        = "content.reject"
	AuditDismiss       = "reports.dismiss"
	AuditSuspend       = "member.suspend"
	AuditBan           = "member.ban"
	AuditLift          = "member.lift"
	AuditRole          = "member.role"
	AuditCategory      = "category.save"
	AuditCategoryDel   = "category.delete"
	AuditSettings      = "settings.save"
	// The team's changelog: publishing (or taking back) and deleting an entry.
	AuditChangelogPublish   = "changelog.publish"
	AuditChangelogUnpublish = "changelog.unpublish"
	AuditChangelogDelete    = "changelog.delete"
	AuditStatusSave         = "status.save"
	AuditStatusMove         = "status.move_ideas"
	AuditStatusDelete       = "status.delete"
	// AuditIdeaForCustomer and AuditVoteForCustomer: the team recorded an
	// idea or a vote that a customer gave on another channel (webcare).
	AuditIdeaForCustomer = "idea.for_customer"
	AuditVoteForCustomer = "vote.for_customer"

	AuditWebhookCreate  = "webhook.create"
	AuditWebhookDelete  = "webhook.delete"
	AuditWebhookDisable = "webhook.disable"
	AuditWebhookEnable  = "webhook.enable"

	// AuditBranding: an admin changed the community's branding.
	AuditBranding = "branding.save"
)

// AuditActions lists every audit action, for the log's filter.
var AuditActions = []string{
	AuditIdeaHide, AuditIdeaUnhide, AuditIdeaLock, AuditIdeaUnlock, AuditIdeaPin, AuditIdeaUnpin,
	AuditIdeaEdit, AuditIdeaDelete, AuditIdeaMerge, AuditIdeaUnmerge, AuditIdeaStatus, AuditIdeaTags,
	AuditCommentHide, AuditCommentUnhide, AuditCommentEdit, AuditCommentDelete, AuditApprove, AuditReject, AuditDismiss,
	AuditSuspend, AuditBan, AuditLift, AuditRole, AuditCategory, AuditCategoryDel, AuditSettings,
	AuditChangelogPublish, AuditChangelogUnpublish, AuditChangelogDelete,
	AuditStatusSave, AuditStatusMove, AuditStatusDelete,
	AuditIdeaForCustomer, AuditVoteForCustomer,
	AuditWebhookCreate, AuditWebhookDelete, AuditWebhookDisable, AuditWebhookEnable,
	AuditBranding,
}

// Kinds of things an action or a report is about.
const (
	TargetIdea     = "idea"
	TargetComment  = "comment"
	TargetMember   = "member"
	TargetCategory = "category"
	TargetSettings = "settings"
	// TargetChangelog is a changelog entry.
	TargetChangelog = "changelog"
	TargetStatus    = "status"
	TargetWebhook   = "webhook"
	TargetBranding  = "branding"
)

// Audit is one entry of the audit log. A nil Actor is Samen itself, as when
// reports hide content on their own.
type Audit struct {
	Actor      *User
	Action     string
	TargetType string
	TargetID   int64
	// Subject is the member the action concerns (the author of hidden content,
	// a suspended member), so a member's history shows what was done to them.
	Subject *int64
	Reason  string
	// Previous is the text a staff member's edit replaced.
	Previous string
	// PublicReason says what the public moderation log shows of Reason.
	PublicReason
}

// AuditEntry is a stored Audit.
type AuditEntry struct {
	ID         int64
	ActorID    *int64
	Action     string
	TargetType string
	TargetID   int64
	SubjectID  *int64
	Reason     string
	Previous   string
	// ReasonCategory and ReasonPublic: see PublicReason.
	ReasonCategory string
	ReasonPublic   bool
	CreatedAt      time.Time

	Actor   *User `gorm:"foreignKey:ActorID"`
	Subject *User `gorm:"foreignKey:SubjectID"`
}

// TableName keeps GORM on the audit log's table.
func (AuditEntry) TableName() string { return "moderation_actions" }

// record appends an action to the audit log, inside the caller's transaction.
func record(tx *gorm.DB, now time.Time, a Audit) error {
	e := AuditEntry{Action: a.Action, TargetType: a.TargetType, TargetID: a.TargetID, SubjectID: a.Subject, Reason: a.Reason, Previous: a.Previous,
		ReasonCategory: a.Category, ReasonPublic: a.Public, CreatedAt: now}
	if a.Actor != nil {
		e.ActorID = &a.Actor.ID
	}
	if err := tx.Omit("Actor", "Subject").Create(&e).Error; err != nil {
		return fmt.Errorf("record %s: %w", a.Action, err)
	}
	return nil
}

// Record appends an action taken outside a moderation method to the audit log.
func (s *Store) Record(ctx context.Context, a Audit) error {
	return record(s.db.WithContext(ctx), s.Now(), a)
}

// AuditFilter narrows the audit log; zero values mean "all".
type AuditFilter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   int64
	SubjectID  int64
	Page       int
}

// AuditPageSize is how many entries one page of the audit log holds.
const AuditPageSize = 50

// AuditLog lists entries newest first, one page at a time, and says whether more follow.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	if f.Page < 1 || f.Page > MaxPage {
		return nil, false, ValidationErrors{"page": fmt.Sprintf("must be between 1 and %d", MaxPage)}
	}
	q := s.db.WithContext(ctx).Preload("Actor").Preload("Subject")
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != 0 {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if f.SubjectID != 0 {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	var list []AuditEntry
	err := q.Order("id DESC").Limit(AuditPageSize + 1).Offset((f.Page - 1) * AuditPageSize).Find(&list).Error
	if err != nil {
		return nil, false, fmt.Errorf("list audit log: %w", err)
	}
	more := len(list) > AuditPageSize
	if more {
		list = list[:AuditPageSize]
	}
	return list, more, nil
}

// PublicAction is an audit entry as the public moderation log shows it:
// what was done and why, to which kind of thing, without who or whom.
type PublicAction struct {
	Action     string
	TargetType string
	// ReasonCategory is the kind of reason (one of ReasonCategories, or "").
	ReasonCategory string
	// Reason is the moderator's own words, only when they marked it public.
	Reason string
	// Status is the slug of the status an idea moved to (AuditIdeaStatus),
	// public like the idea's status itself.
	Status    string
	CreatedAt time.Time
}

// PublicLog lists the latest actions on content and members for the public
// moderation log, or ErrNotFound while the community has not published it.
func (s *Store) PublicLog(ctx context.Context, limit int) ([]PublicAction, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !st.PublicModerationLog {
		return nil, fmt.Errorf("public moderation log: %w", ErrNotFound)
	}
	var list []PublicAction
	reason := "CASE WHEN reason_public THEN reason ELSE '' END AS reason"
	status := "CASE WHEN action = '" + AuditIdeaStatus + "' THEN reason ELSE '' END AS status"
	err = s.db.WithContext(ctx).Model(&AuditEntry{}).Select("action, target_type, reason_category, "+reason+", "+status+", created_at").
		Where("target_type IN ?", []string{TargetIdea, TargetComment, TargetMember}).
		Order("id DESC").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list public moderation log: %w", err)
	}
	return list, nil
}
