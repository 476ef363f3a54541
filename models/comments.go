package models

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxCommentLength bounds a comment, in characters.
const MaxCommentLength = 10000

// Comment is a member's contribution to an idea's discussion. Replies go
// one level deep: a reply to a reply joins its parent's thread.
type Comment struct {
	ID        int64
	IdeaID    int64
	UserID    int64
	ParentID  *int64
	Body      string
	BodyHTML  template.HTML `gorm:"column:body_html"`
	Internal  bool
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
	EditedAt  *time.Time
	// ModerationNote says why a moderator hid the comment.
	ModerationNote string

	User User `gorm:"foreignKey:UserID"`
	// Images are the pictures attached to the comment, loaded with the discussion.
	Images []Image `gorm:"-"`
}

// Deleted reports whether the comment is a tombstone.
func (c *Comment) Deleted() bool { return c.State == StateDeleted }

// NewComment is what a member writes. An internal note is the team's
// alone: only those whose standing lets them read internal notes write and
// read it, and it never counts on the idea nor moves it up the lists.
type NewComment struct {
	Body     string
	ParentID *int64
	Internal bool
	// Images are ids of the author's uploads to attach (see UploadImage).
	Images []int64
}

func validateComment(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch {
	case !validText(body):
		return "", ValidationErrors{"body": "is not valid text"}
	case body == "":
		return "", ValidationErrors{"body": "is required"}
	case utf8.RuneCountInString(body) > MaxCommentLength:
		return "", ValidationErrors{"body": fmt.Sprintf("must be at most %d characters", MaxCommentLength)}
	}
	return body, nil
}

// CreateComment adds a comment to a published idea that is neither locked nor merged.
func (s *Store) CreateComment(ctx context.Context, ideaID int64, author *User, n NewComment) (*Comment, error) {
	if n.Internal && !s.Can(author, ActReadInternal) {
		return nil, ErrForbidden
	}
	body, err := validateComment(n.Body)
	if err != nil {
		return nil, err
	}
	if err := checkImageCount(n.Images); err != nil {
		return nil, err
	}
	idea, err := s.Idea(ctx, ideaID, author)
	if err != nil {
		return nil, err
	}
	switch {
	case idea.MergedInto != nil:
		return nil, &ConflictError{ReasonMerged}
	case idea.Locked:
		return nil, &ConflictError{ReasonLocked}
	}
	now := s.Now()
	bodyHTML, err := s.renderComment(ctx, ideaID, author, body, n.Internal)
	if err != nil {
		return nil, err
	}
	c := &Comment{IdeaID: ideaID, UserID: author.ID, Body: body, BodyHTML: bodyHTML, Internal: n.Internal, State: StatePublished, CreatedAt: now, UpdatedAt: now}
	if c.State, err = s.screen(ctx, author, brakeComments, 0, c.Body, string(c.BodyHTML)); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var repliedTo *int64
		if n.ParentID != nil {
			var parent Comment
			// A public reply never hangs under an internal note.
			if err := first(tx.Where("id = ? AND idea_id = ?", *n.ParentID, ideaID), &parent); err != nil || (parent.Internal && !n.Internal) {
				return ValidationErrors{"parent_id": "is not a comment on this idea"}
			}
			top := parent.ID
			if parent.ParentID != nil {
				top = *parent.ParentID
			}
			c.ParentID = &top
			repliedTo = &parent.UserID
		}
		if err := tx.Omit("User").Create(c).Error; err != nil {
			return err
		}
		if err := attachImages(tx, n.Images, author.ID, "comment_id", c.ID); err != nil {
			return err
		}
		if !c.Internal {
			if err := s.subscribe(tx, ideaID, author.ID); err != nil {
				return err
			}
		}
		if c.State == StatePublished {
			if err := s.commentEvents(tx, idea, c, author, repliedTo); err != nil {
				return err
			}
		}
		if c.State == StatePending || c.Internal {
			return nil // it counts on the idea once approved; an internal note never
		}
		err := tx.Model(&Idea{}).Where("id = ?", ideaID).
			Updates(map[string]any{"comments": gorm.Expr("comments + 1"), "last_activity_at": now}).Error
		if err == nil {
			err = s.publish(tx, WebhookEvent{Type: EventCommentCreated, IdeaID: ideaID, CommentID: c.ID})
		}
		if err != nil {
			return err
		}
		return markAnswered(tx, idea, author, now)
	})
	if err != nil {
		return nil, fmt.Errorf("comment on idea %d: %w", ideaID, err)
	}
	if c.State == StatePublished {
		s.announceComment(ctx, ideaID, c.ID, c.Internal)
		s.promoteAfter(ctx, author, false)
	}
	c.User = *author
	if len(n.Images) > 0 {
		images, err := s.imagesBy(ctx, "comment_id", []int64{c.ID})
		if err != nil {
			return nil, err
		}
		c.Images = images[c.ID]
	}
	return c, nil
}

// VisibleTo reports whether the viewer may read the comment's text at now:
// the rule of ideas (see mayRead), and internal notes only for the team.
func (c *Comment) VisibleTo(viewer *User, now time.Time) bool {
	if c.Internal && !StandingOf(viewer, now).Allows(ActReadInternal) {
		return false
	}
	return mayRead(viewer, now, c.State, c.UserID)
}

// Tombstone reports whether the comment shows only as a placeholder: deleted,
// or hidden by a moderator, so replies keep their place.
func (c *Comment) Tombstone() bool { return c.State == StateDeleted || c.State == StateHidden }

// Comments lists an idea's discussion, oldest first, with the comments of
// ideas merged into it. Deleted and hidden comments stay as tombstones without
// their text (moderators read hidden ones); pending ones show only to their
// author and moderators; internal ones only to the team.
func (s *Store) Comments(ctx context.Context, ideaID int64, viewer *User) ([]Comment, error) {
	idea, err := s.Idea(ctx, ideaID, viewer)
	if err != nil {
		return nil, err
	}
	comments, _, err := s.Discussion(ctx, idea, viewer)
	return comments, err
}

// Discussion gives the comments of an idea the viewer has loaded (see
// Comments for what each viewer reads) and the ideas merged into it that the
// viewer may see, whose comments it includes: two queries. A tombstone names
// nobody: its author is left out as well as its text.
func (s *Store) Discussion(ctx context.Context, idea *Idea, viewer *User) ([]Comment, []Idea, error) {
	merged, err := s.MergedFrom(ctx, idea.ID, viewer)
	if err != nil {
		return nil, nil, err
	}
	ids := []int64{idea.ID}
	for _, m := range merged {
		ids = append(ids, m.ID)
	}
	var list []Comment
	err = s.db.WithContext(ctx).Joins("User").Where("comments.idea_id IN ?", ids).
		Order("comments.created_at, comments.id").Find(&list).Error
	if err != nil {
		return nil, nil, fmt.Errorf("list comments of idea %d: %w", idea.ID, err)
	}
	now := s.Now()
	shown := list[:0]
	for _, c := range list {
		switch {
		case c.VisibleTo(viewer, now):
		case c.Tombstone() && !c.Internal:
			c.Body, c.BodyHTML, c.UserID, c.User, c.ModerationNote = "", "", 0, User{}, ""
		default:
			continue
		}
		shown = append(shown, c)
	}
	var withText []int64
	for _, c := range shown {
		if c.UserID != 0 {
			withText = append(withText, c.ID)
		}
	}
	images, err := s.imagesBy(ctx, "comment_id", withText)
	if err != nil {
		return nil, nil, err
	}
	for i := range shown {
		if shown[i].UserID != 0 {
			shown[i].Images = images[shown[i].ID]
		}
	}
	return shown, merged, nil
}

// CommentUpdate changes a comment; nil leaves a field as it is.
type CommentUpdate struct {
	Body *string
	// Images is the whole new list of the comment's images: ids of those it
	// keeps and of the author's uploads to attach (see planImages).
	Images *[]int64
}

// EditComment changes the text or the images of a comment and marks it
// edited. The new text, or a new image, passes the brakes of a new comment;
// while its writer is pre-moderated, a published comment goes back to
// review (and stops counting on its idea until approved). Images left out
// of a new list are deleted.
func (s *Store) EditComment(ctx context.Context, commentID int64, editor *User, up CommentUpdate) (*Comment, error) {
	c, err := s.EditableComment(ctx, commentID, editor)
	if err != nil {
		return nil, err
	}
	body := c.Body
	if up.Body != nil {
		if body, err = validateComment(*up.Body); err != nil {
			return nil, err
		}
	}
	var images imageChange
	if up.Images != nil {
		if images, err = planImages(*up.Images, c.Images, editor, c.UserID); err != nil {
			return nil, err
		}
	}
	if body == c.Body && !images.Changed() {
		return c, nil
	}
	bodyHTML, state := c.BodyHTML, c.State
	if body != c.Body || len(images.Added) > 0 {
		if body != c.Body {
			if bodyHTML, err = s.renderComment(ctx, c.IdeaID, &c.User, body, c.Internal); err != nil {
				return nil, err
			}
		}
		screened, err := s.screen(ctx, editor, brakeComments, c.ID, body, string(bodyHTML))
		if err != nil {
			return nil, err
		}
		if screened == StatePending && state == StatePublished {
			state = StatePending
		}
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.applyImages(ctx, tx, images, c.UserID, "comment_id", c.ID); err != nil {
			return err
		}
		err := tx.Model(&Comment{}).Where("id = ?", c.ID).
			Updates(map[string]any{"body": body, "body_html": bodyHTML, "state": state, "updated_at": now, "edited_at": now}).Error
		if err == nil && state != c.State && !c.Internal {
			err = tx.Model(&Idea{}).Where("id = ?", c.IdeaID).Update("comments", gorm.Expr("comments - 1")).Error
		}
		if err != nil || editor.ID == c.UserID {
			return err
		}
		previous := c.Body
		if c.Internal {
			previous = "" // the audit log is read beyond the team
		}
		return record(tx, now, Audit{Actor: editor, Action: AuditCommentEdit, TargetType: TargetComment, TargetID: c.ID, Subject: &c.UserID,
			Previous: previous, Reason: removedImagesReason(c.Images, images)})
	})
	if err != nil {
		return nil, fmt.Errorf("edit comment %d: %w", commentID, err)
	}
	c.Body, c.BodyHTML, c.State, c.EditedAt, c.UpdatedAt = body, bodyHTML, state, &now, now
	if images.Changed() {
		after, err := s.imagesBy(ctx, "comment_id", []int64{c.ID})
		if err != nil {
			return nil, err
		}
		c.Images = after[c.ID]
	}
	return c, nil
}

// EditableComment loads a comment the user may change (see ownComment),
// with its images: what its edit form shows.
func (s *Store) EditableComment(ctx context.Context, commentID int64, user *User) (*Comment, error) {
	c, err := s.ownComment(ctx, commentID, user)
	if err != nil {
		return nil, err
	}
	images, err := s.imagesBy(ctx, "comment_id", []int64{c.ID})
	if err != nil {
		return nil, err
	}
	c.Images = images[c.ID]
	return c, nil
}

// DeleteComment turns one's own comment into a tombstone.
func (s *Store) DeleteComment(ctx context.Context, commentID int64, user *User) error {
	c, err := s.ownComment(ctx, commentID, user)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Comment{}).Where("id = ?", c.ID).Updates(map[string]any{"state": StateDeleted, "updated_at": s.Now()}).Error
		if err == nil {
			err = s.dropImages(ctx, tx, "comment_id = ?", c.ID)
		}
		if err != nil || c.UserID == user.ID {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: user, Action: AuditCommentDelete, TargetType: TargetComment, TargetID: c.ID, Subject: &c.UserID})
	})
	if err != nil {
		return fmt.Errorf("delete comment %d: %w", commentID, err)
	}
	return nil
}

// EditableBy reports whether u may change or delete the comment at now: its
// author while they may comment, or staff who outrank the author. Standing
// decides, not role.
func (c *Comment) EditableBy(u *User, now time.Time) bool {
	return mayWrite(u, now, ActComment, c.UserID) || c.ModerableBy(u, now)
}

// ModerableBy reports whether u may hide or review the comment at now: staff
// whose standing allows it, who outrank its author.
func (c *Comment) ModerableBy(u *User, now time.Time) bool {
	return MayActOn(u, now, ActModerate, &c.User)
}

// ownComment loads a comment the user may still change: their own, unless a
// moderator hid it, or (for moderators) one by a member they outrank that is
// not deleted.
func (s *Store) ownComment(ctx context.Context, commentID int64, user *User) (*Comment, error) {
	c, err := s.comment(ctx, commentID, user)
	if err != nil {
		return nil, err
	}
	switch {
	case user == nil:
		return nil, ErrForbidden
	case c.UserID != user.ID && !s.Can(user, ActModerate):
		if c.VisibleTo(user, s.Now()) {
			return nil, ErrForbidden
		}
		return nil, fmt.Errorf("load comment %d: %w", commentID, ErrNotFound)
	case c.UserID == user.ID && c.State == StateHidden:
		return nil, &ConflictError{ReasonHidden}
	}
	if err := s.change(user, ActComment, &c.User); err != nil {
		return nil, err
	}
	return c, nil
}

// CommentsBy lists a member's latest published comments on published ideas,
// newest first, at most limit.
func (s *Store) CommentsBy(ctx context.Context, userID int64, limit int) ([]Comment, error) {
	var list []Comment
	err := s.db.WithContext(ctx).
		Joins("JOIN ideas ON ideas.id = comments.idea_id AND ideas.state = ?", StatePublished).
		Where("comments.user_id = ? AND comments.state = ? AND comments.internal = ?", userID, StatePublished, false).
		Order("comments.created_at DESC, comments.id DESC").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list comments of user %d: %w", userID, err)
	}
	return list, nil
}
