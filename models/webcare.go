package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// SourceWeb is where ideas and votes come from unless the team recorded
// them for a customer met on another channel.
const SourceWeb = "web"

// Sources lists where an idea or a vote may come from: the web, or a
// channel where the team met the customer (webcare).
var Sources = []string{SourceWeb, "twitter", "facebook", "linkedin", "instagram", "pinterest", "email", "support", "other"}

// MaxSourceURLLength bounds the link to the conversation an idea came from.
const MaxSourceURLLength = 2000

// Webcare says for whom, and from which channel, the team records an idea
// or a vote.
type Webcare struct {
	// Email and Name are the customer's. A customer unknown by email
	// becomes a member who signs in only by proving that email (a sign-in
	// link, or a provider that verified it), and so claims what the team
	// recorded for them.
	Email string
	Name  string
	// Source is one of Sources; empty is SourceWeb.
	Source string
	// SourceURL links to the conversation (http or https), or is empty.
	SourceURL string
}

// validate checks the customer and channel and normalises them in place.
func (w *Webcare) validate(errs ValidationErrors) {
	email, err := NormalizeEmail(w.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	w.Email = email
	w.Name = strings.Join(strings.Fields(w.Name), " ")
	switch {
	case !validText(w.Name):
		errs["name"] = "is not valid text"
	case utf8.RuneCountInString(w.Name) > MaxNameLength:
		errs["name"] = fmt.Sprintf("is longer than %d characters", MaxNameLength)
	}
	w.Source = strings.TrimSpace(w.Source)
	if w.Source == "" {
		w.Source = SourceWeb
	}
	if !slices.Contains(Sources, w.Source) {
		errs["source"] = "must be one of " + strings.Join(Sources, ", ")
	}
	w.SourceURL = strings.TrimSpace(w.SourceURL)
	if w.SourceURL != "" && !validSourceURL(w.SourceURL) {
		errs["source_url"] = fmt.Sprintf("must be an http:// or https:// address of at most %d characters", MaxSourceURLLength)
	}
}

// validSourceURL reports whether raw is an absolute http or https address
// that is safe to print as a link.
func validSourceURL(raw string) bool {
	if len(raw) > MaxSourceURLLength || !validText(raw) || strings.ContainsAny(raw, " \t\r\n\"'<>\\") {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// customer finds the member with the webcare email, or makes one: named as
// the team wrote, else by the part of the email before @. The email counts
// as verified, so the customer claims the member by proving it; the member
// has no other way in until then.
func customer(tx *gorm.DB, w Webcare) (*User, error) {
	var u User
	err := first(tx.Where("email = ?", w.Email), &u)
	if !errors.Is(err, ErrNotFound) {
		return &u, err
	}
	name := w.Name
	if name == "" {
		name = Profile{Email: w.Email}.DisplayName()
	}
	u = User{Name: name, Email: &w.Email, EmailVerified: true, Role: RoleMember}
	if err := tx.Create(&u).Error; err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateIdeaFor records an idea a customer gave the team on another
// channel: the customer is its author and casts its first vote, from that
// channel. The team's own spam brakes and review do not apply; the audit
// log keeps who recorded it. The images are the actor's uploads of what
// the customer sent; attached, they become the customer's (attachImagesFor).
func (s *Store) CreateIdeaFor(ctx context.Context, actor *User, n NewIdea, w Webcare) (*Idea, error) {
	if !s.Can(actor, ActRecordForCustomer) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	title, body := validateIdeaText(n.Title, n.Body, errs)
	category := s.categoryID(ctx, n.Category, errs)
	w.validate(errs)
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
	idea.Source, idea.SourceURL = w.Source, w.SourceURL
	idea.CampaignID = campaign.idOrNil()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		author, err := customer(tx, w)
		if err != nil {
			return err
		}
		idea.AuthorID = author.ID
		if err := tx.Omit("Author", "Category", "Status").Create(idea).Error; err != nil {
			return err
		}
		if err := tx.Create(&Vote{IdeaID: idea.ID, UserID: author.ID, Source: w.Source, CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := attachImagesFor(tx, n.Images, actor.ID, author.ID, "idea_id", idea.ID); err != nil {
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
		if err := s.publish(tx, WebhookEvent{Type: EventIdeaCreated, IdeaID: idea.ID}); err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditIdeaForCustomer, TargetType: TargetIdea, TargetID: idea.ID,
			Subject: &author.ID, Reason: webcareReason(w)})
	})
	if err != nil {
		return nil, fmt.Errorf("create idea for a customer: %w", err)
	}
	return s.Idea(ctx, idea.ID, actor)
}

// VoteFor records a customer's vote, given on another channel, for an idea
// the actor may see. Recording it again changes nothing. It returns the
// idea's vote count.
func (s *Store) VoteFor(ctx context.Context, ideaID int64, actor *User, w Webcare) (int, error) {
	if !s.Can(actor, ActRecordForCustomer) {
		return 0, ErrForbidden
	}
	idea, err := s.Idea(ctx, ideaID, actor)
	if err != nil {
		return 0, err
	}
	errs := ValidationErrors{}
	w.validate(errs)
	delete(errs, "source_url") // a vote keeps no link
	if err := errs.orNil(); err != nil {
		return 0, err
	}
	// Refused before a member is made for nothing; changeVote checks again.
	switch {
	case idea.MergedInto != nil:
		return 0, &ConflictError{ReasonMerged}
	case idea.Locked:
		return 0, &ConflictError{ReasonLocked}
	case !idea.Status.TakesVotes():
		return 0, &ConflictError{ReasonClosed}
	}
	var author *User
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		author, err = customer(tx, w)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("vote for a customer on idea %d: %w", ideaID, err)
	}
	cast, votes, err := s.changeVote(ctx, ideaID, author.ID, true, 0, w.Source)
	if err != nil {
		return 0, err
	}
	if cast {
		err := s.Record(ctx, Audit{Actor: actor, Action: AuditVoteForCustomer, TargetType: TargetIdea, TargetID: ideaID,
			Subject: &author.ID, Reason: webcareReason(w)})
		if err != nil {
			return 0, err
		}
	}
	return votes, nil
}

// webcareReason is what the audit log says of a recording: the channel and its link.
func webcareReason(w Webcare) string {
	return strings.TrimSpace(w.Source + " " + w.SourceURL)
}
