package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// CampaignSubscription is a member following a campaign; Following false
// remembers an unfollow, so that taking part again does not follow it anew.
type CampaignSubscription struct {
	CampaignID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	Following  bool
	CreatedAt  time.Time
}

// FollowCampaign makes the member follow the campaign (or stop, with follow
// false) and hear of each phase it enters.
func (s *Store) FollowCampaign(ctx context.Context, c *Campaign, u *User, follow bool) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO campaign_subscriptions (campaign_id, user_id, following, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, user_id) DO UPDATE SET following = excluded.following`,
		c.ID, u.ID, follow, s.Now()).Error
	if err != nil {
		return fmt.Errorf("follow campaign %d: %w", c.ID, err)
	}
	return nil
}

// FollowsCampaign reports whether the member follows the campaign.
func (s *Store) FollowsCampaign(ctx context.Context, campaignID, userID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&CampaignSubscription{}).
		Where("campaign_id = ? AND user_id = ? AND following", campaignID, userID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("follows campaign %d: %w", campaignID, err)
	}
	return n > 0, nil
}

// followCampaign makes a member follow a campaign they took part in (an
// idea submitted, points spent), unless their preferences say not to or
// they unfollowed it before.
func (s *Store) followCampaign(tx *gorm.DB, campaignID, userID int64) error {
	err := tx.Exec(`INSERT INTO campaign_subscriptions (campaign_id, user_id, following, created_at)
		SELECT ?, id, TRUE, ? FROM users WHERE id = ? AND auto_subscribe
		ON CONFLICT DO NOTHING`, campaignID, s.Now(), userID).Error
	if err != nil {
		return fmt.Errorf("follow campaign %d: %w", campaignID, err)
	}
	return nil
}

// campaignAudience narrows q to the followers of the event's campaign; a
// draft (moved back to nobody) or a deleted campaign tells nobody.
func (s *Store) campaignAudience(ctx context.Context, q *gorm.DB, e *Event) (*gorm.DB, error) {
	if e.CampaignID == nil {
		return nil, nil
	}
	var c Campaign
	if err := first(s.db.WithContext(ctx).Select("id", "phase").Where("id = ?", *e.CampaignID), &c); err != nil {
		return nil, ignoreNotFound(err)
	}
	if c.Phase == PhaseDraft {
		return nil, nil
	}
	return q.Where("users.id IN (SELECT user_id FROM campaign_subscriptions WHERE campaign_id = ? AND following)", c.ID), nil
}

// opensAt is the date on which a campaign in phase p moves on by itself,
// nil when it waits for the team: submission opens, voting opens, voting
// closes; the results are the team's to publish.
func (c *Campaign) opensAt(p Phase) *time.Time {
	switch p {
	case PhaseDraft:
		return c.SubmissionOpensAt
	case PhaseSubmission:
		return c.VotingOpensAt
	case PhaseVoting:
		return c.VotingClosesAt
	}
	return nil
}

// NextMoveAt is when the campaign moves to its next phase by itself, nil
// when the team moves it.
func (c *Campaign) NextMoveAt() *time.Time { return c.opensAt(c.Phase) }

// AdvanceCampaigns moves every campaign whose dates say so to its next
// phase (several, when several dates have passed), as the team's button
// would, and reports how many moves it made. A campaign the team moved
// meanwhile is left as the team left it.
func (s *Store) AdvanceCampaigns(ctx context.Context) (int, error) {
	now := s.Now()
	var due []Campaign
	err := s.db.WithContext(ctx).Where(`(phase = ? AND submission_opens_at <= ?) OR (phase = ? AND voting_opens_at <= ?)
		OR (phase = ? AND voting_closes_at <= ?)`, PhaseDraft, now, PhaseSubmission, now, PhaseVoting, now).
		Order("id").Find(&due).Error
	if err != nil {
		return 0, fmt.Errorf("campaigns due to move: %w", err)
	}
	moves := 0
	for _, c := range due {
		for at := c.opensAt(c.Phase); at != nil && !at.After(now); at = c.opensAt(c.Phase) {
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return s.moveCampaign(tx, &c, nil, c.Phase.next())
			})
			if errors.Is(err, ErrConflict) {
				break // moved meanwhile, by the team or another instance
			}
			if err != nil {
				return moves, fmt.Errorf("move campaign %d on its date: %w", c.ID, err)
			}
			moves++
		}
	}
	return moves, nil
}

// AdvanceCampaignsArgs is the periodic job that moves campaigns on their dates.
type AdvanceCampaignsArgs struct{}

// Kind names the job in River's tables.
func (AdvanceCampaignsArgs) Kind() string { return "advance_campaigns" }

type advanceCampaignsWorker struct {
	river.WorkerDefaults[AdvanceCampaignsArgs]
	store *Store
}

func (w *advanceCampaignsWorker) Work(ctx context.Context, _ *river.Job[AdvanceCampaignsArgs]) error {
	_, err := w.store.AdvanceCampaigns(ctx)
	return err
}
