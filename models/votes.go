package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Vote is one member backing one idea; the pair is the primary key.
type Vote struct {
	IdeaID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID int64 `gorm:"primaryKey;autoIncrement:false"`
	// Source is where the vote was given (one of Sources).
	Source    string `gorm:"default:web"`
	CreatedAt time.Time
}

// SealedVotes is the count Vote, VoteAs and Unvote return for an idea of a
// sealed campaign, whose votes are counted only when voting closes.
const SealedVotes = -1

// Vote records user's vote for an idea, once, and returns the idea's vote
// count (SealedVotes while its campaign is sealed). It reports whether a
// new vote was cast. The counter changes in the
// same transaction as the row, so under any concurrency it equals the rows.
func (s *Store) Vote(ctx context.Context, ideaID, userID int64) (bool, int, error) {
	return s.changeVote(ctx, ideaID, userID, true, 0, SourceWeb)
}

// VoteAs casts a member's vote under the spam brakes: past the hourly
// limit it is a LimitError and nothing changes. Pages and the API vote this way.
func (s *Store) VoteAs(ctx context.Context, ideaID int64, u *User) (bool, int, error) {
	limit := 0
	if !u.Staff(s.Now()) {
		settings, err := s.Settings(ctx)
		if err != nil {
			return false, 0, err
		}
		limit = brakeVotes.hourly(settings, u)
	}
	cast, votes, err := s.changeVote(ctx, ideaID, u.ID, true, limit, SourceWeb)
	if err == nil && cast {
		s.promoteAfter(ctx, u, false)
	}
	return cast, votes, err
}

// Unvote withdraws user's vote, if any, and returns the idea's vote count.
// It reports whether a vote was withdrawn.
func (s *Store) Unvote(ctx context.Context, ideaID, userID int64) (bool, int, error) {
	return s.changeVote(ctx, ideaID, userID, false, 0, SourceWeb)
}

// changeVote casts or withdraws a vote. limit is the member's hourly vote
// brake, 0 for none; source is where a cast vote was given.
func (s *Store) changeVote(ctx context.Context, ideaID, userID int64, vote bool, limit int, source string) (bool, int, error) {
	var (
		r   voteResult
		err error
	)
	if s.dialect == Postgres {
		r, err = s.changeVoteAtOnce(ctx, ideaID, userID, vote, limit, source)
	} else {
		r, err = s.changeVoteInSteps(ctx, ideaID, userID, vote, limit, source)
	}
	if err == nil && r.braked {
		// Past the limit: the brake says when the next vote is allowed.
		err = s.brakeAt(ctx, userID, brakeVotes, limit)
		if err == nil { // the oldest vote of the hour aged out meanwhile
			return s.changeVote(ctx, ideaID, userID, vote, limit, source)
		}
	}
	if err == nil {
		switch {
		case r.merged:
			err = &ConflictError{ReasonMerged}
		case r.locked:
			err = &ConflictError{ReasonLocked}
		case !(&Status{Kind: r.kind}).TakesVotes():
			err = &ConflictError{ReasonClosed}
		case r.campaign != "":
			err = &ConflictError{r.campaign}
		}
	}
	if err == nil && vote && r.changed && s.dialect != Postgres {
		// A voter follows the idea (on PostgreSQL, in the vote's statement).
		// Not in the vote's transaction: a lost subscription is a lesser
		// harm than a vote refused after it was counted.
		if err := s.subscribe(s.db.WithContext(ctx), ideaID, userID); err != nil {
			s.log.Warn("voter not subscribed", slog.Int64("idea", ideaID), slog.Any("error", err))
		}
	}
	if err != nil {
		return false, 0, fmt.Errorf("vote on idea %d: %w", ideaID, err)
	}
	if r.sealed { // recorded, but counted nowhere until the reveal
		return r.changed, SealedVotes, nil
	}
	if r.changed {
		s.tellVotes(ctx, ideaID)
	}
	return r.changed, r.votes, nil
}

// voteResult is what a vote found and did.
type voteResult struct {
	merged, locked  bool
	kind            string // the idea's status kind
	campaign        string // why the idea's campaign takes no vote now (see campaignGate), or empty
	sealed          bool   // the idea's campaign hides its counts: the counter stays as it was
	braked, changed bool
	votes           int // the idea's counter afterwards
}

// voteStatement casts (castVote) or withdraws (withdrawVote) a vote in
// one statement on PostgreSQL: one round trip, its own transaction. It finds
// the idea, counts the member's votes of the last hour from the index
// votes_user (at most @limit of them), changes the row only when the idea
// takes votes and the brake allows it, and moves the counter and the
// trending score with it (the two %s: the row's change, the new score). The UPDATE locks the idea's row and
// reads its latest counter, so under any concurrency the counter equals the rows.
// A vote cast makes the voter follow the idea (unless they turned that
// off, or stopped following it before): what would otherwise be more round
// trips. The instances hear of the vote after it (see tellVotes).
const voteStatement = `WITH target AS (
		SELECT i.id, i.votes, i.merged_into IS NOT NULL AS merged, i.locked, s.kind,
			CASE WHEN c.id IS NULL THEN '' WHEN c.budget > 0 THEN 'campaign-points'
				WHEN c.phase <> 'voting' THEN 'campaign-closed' ELSE '' END AS campaign,
			COALESCE(c.sealed AND c.revealed_at IS NULL, FALSE) AS sealed
		FROM ideas i JOIN statuses s ON s.id = i.status_id LEFT JOIN campaigns c ON c.id = i.campaign_id
		WHERE i.id = @idea AND i.state = 'published'),
	open AS (
		SELECT id FROM target WHERE NOT merged AND NOT locked AND kind NOT IN ('done', 'closed') AND campaign = ''),
	recent AS (
		SELECT count(*) AS n FROM (SELECT 1 FROM votes WHERE user_id = @user AND created_at > @since LIMIT @limit) AS r),
	changed AS (%s),
	counted AS (
		UPDATE ideas SET votes = votes + @delta, hot = %s
		WHERE id IN (SELECT idea_id FROM changed) AND NOT (SELECT sealed FROM target) RETURNING votes),
	followed AS (
		INSERT INTO subscriptions (idea_id, user_id, following, created_at)
		SELECT c.idea_id, u.id, TRUE, @now FROM changed c JOIN users u ON u.id = @user AND u.auto_subscribe
		WHERE @delta > 0
		ON CONFLICT DO NOTHING RETURNING idea_id)
	SELECT t.merged, t.locked, t.kind, t.campaign, t.sealed, @limit > 0 AND (SELECT n FROM recent) >= @limit AS braked,
		EXISTS (SELECT 1 FROM changed) AS changed, COALESCE((SELECT votes FROM counted), t.votes) AS votes,
		(SELECT count(*) FROM followed) AS followed
	FROM target t`

var (
	// A vote cast adds its weight (addTrend, in SQL; @trend is trendAt(now)).
	castVote = fmt.Sprintf(voteStatement, `INSERT INTO votes (idea_id, user_id, created_at, source)
		SELECT id, @user, @now, @source FROM open WHERE @limit = 0 OR (SELECT n FROM recent) < @limit
		ON CONFLICT DO NOTHING RETURNING idea_id`,
		`greatest(hot, @trend) + ln(1 + power(2, greatest(least(hot, @trend) - greatest(hot, @trend), -1000))) / ln(2)`)
	// A vote withdrawn takes its weight out (removeTrend, in SQL) when it was
	// less than half of the idea's; else the others are summed anew (the
	// statement still sees the row it deletes).
	withdrawVote = fmt.Sprintf(voteStatement, `DELETE FROM votes
		WHERE idea_id IN (SELECT id FROM open) AND user_id = @user RETURNING idea_id, created_at`,
		withdrawnTrend)
	withdrawnTrend = func() string {
		w := trendSQL(Postgres, "(SELECT created_at FROM changed)")
		return fmt.Sprintf(`CASE WHEN %[1]s < hot - 1 THEN hot + ln(1 - power(2, greatest(%[1]s - hot, -1000))) / ln(2) ELSE %[2]s END`,
			w, trendFromVotes(Postgres, "v.user_id = @user"))
	}()
)

func (s *Store) changeVoteAtOnce(ctx context.Context, ideaID, userID int64, vote bool, limit int, source string) (voteResult, error) {
	query, delta := castVote, 1
	if !vote {
		query, delta, limit = withdrawVote, -1, 0
	}
	now := s.Now()
	hooked, err := s.voteHooks.get(now, settingsTTL, func() (bool, error) {
		var n int64
		err := hearing(s.db.WithContext(onPrimary(ctx)), EventVoteCreated, EventVoteDeleted).Count(&n).Error
		return n > 0, err
	})
	if err != nil {
		return voteResult{}, err
	}
	args := voteArgs(ideaID, userID, now, limit, delta, source)
	var r voteResult
	cast := func(db *gorm.DB) error {
		var followed int
		// tellVotes tells the instances, after the statement.
		row := db.Set(toldKey, true).Raw(query, args...).Row()
		err := row.Scan(&r.merged, &r.locked, &r.kind, &r.campaign, &r.sealed, &r.braked, &r.changed, &r.votes, &followed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || !r.changed || !hooked {
			return err
		}
		return s.publish(db, voteEvent(ideaID, userID, vote, r.votes, r.sealed))
	}
	if !hooked {
		// The statement is its own transaction: one round trip in all.
		return r, cast(s.db.WithContext(ctx))
	}
	// A transaction, so that the webhook event commits with the vote.
	return r, s.db.WithContext(ctx).Transaction(cast)
}

// voteArgs are the named parameters of castVote and withdrawVote.
func voteArgs(ideaID, userID int64, now time.Time, limit, delta int, source string) []any {
	return []any{sql.Named("idea", ideaID), sql.Named("user", userID), sql.Named("now", now),
		sql.Named("since", now.Add(-time.Hour)), sql.Named("limit", limit), sql.Named("delta", delta),
		sql.Named("source", source), sql.Named("trend", trendAt(now))}
}

// voteEvent is the webhook event of a vote cast (vote) or withdrawn; an
// idea of a sealed campaign has no count to tell.
func voteEvent(ideaID, userID int64, vote bool, votes int, sealed bool) WebhookEvent {
	ev := WebhookEvent{Type: EventVoteCreated, IdeaID: ideaID, Vote: &WebhookVote{UserID: userID, Votes: &votes}}
	if sealed {
		ev.Vote.Votes = nil
	}
	if !vote {
		ev.Type = EventVoteDeleted
	}
	return ev
}

// changeVoteInSteps is the same on SQLite, which has no statements inside a
// WITH: a transaction of a few, which SQLite runs one at a time.
func (s *Store) changeVoteInSteps(ctx context.Context, ideaID, userID int64, vote bool, limit int, source string) (voteResult, error) {
	var r voteResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var idea Idea
		if err := first(tx.Preload("Status").Where("id = ? AND state = ?", ideaID, StatePublished), &idea); err != nil {
			return err
		}
		r = voteResult{merged: idea.MergedInto != nil, locked: idea.Locked, kind: idea.Status.Kind, votes: idea.Votes}
		if idea.CampaignID != nil {
			var c Campaign
			if err := first(tx.Select("id", "phase", "budget", "sealed", "revealed_at").Where("id = ?", *idea.CampaignID), &c); err != nil {
				return err
			}
			r.campaign, r.sealed = campaignGate(&c), c.Hidden()
		}
		now := s.Now()
		if vote && limit > 0 {
			var recent int64
			err := tx.Raw("SELECT count(*) FROM (SELECT 1 FROM votes WHERE user_id = ? AND created_at > ? LIMIT ?)",
				userID, now.Add(-time.Hour), limit).Scan(&recent).Error
			if r.braked = recent >= int64(limit); err != nil || r.braked {
				return err
			}
		}
		if r.merged || r.locked || !idea.Status.TakesVotes() || r.campaign != "" {
			return nil
		}
		var (
			res       *gorm.DB
			withdrawn []Vote
		)
		delta := 1
		if vote {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Vote{IdeaID: ideaID, UserID: userID, Source: source, CreatedAt: now})
		} else {
			res = tx.Raw("DELETE FROM votes WHERE idea_id = ? AND user_id = ? RETURNING *", ideaID, userID).Scan(&withdrawn)
			delta = -1
		}
		if res.Error != nil {
			return res.Error
		}
		if r.changed = res.RowsAffected == 1; !r.changed {
			return nil
		}
		if r.sealed { // the counter and the order wait for the reveal
			return s.publish(tx, voteEvent(ideaID, userID, vote, r.votes, true))
		}
		if err := tx.Raw("UPDATE ideas SET votes = votes + ? WHERE id = ? RETURNING votes", delta, ideaID).Scan(&r.votes).Error; err != nil {
			return err
		}
		if err := s.publish(tx, voteEvent(ideaID, userID, vote, r.votes, false)); err != nil {
			return err
		}
		hot, ok := addTrend(idea.Hot, now), true
		if !vote {
			hot, ok = removeTrend(idea.Hot, withdrawn[0].CreatedAt)
		}
		if !ok {
			return recomputeTrend(tx, "id = ?", ideaID)
		}
		return tx.Exec("UPDATE ideas SET hot = ? WHERE id = ?", hot, ideaID).Error
	})
	return r, err
}

// Voters lists the members who voted for an idea whose names viewer may
// see, most recent first, at most limit, and counts the voters left out.
// The team sees every voter; everyone else only those who chose to show
// their votes (User.ShowVotes), and of the others a count.
func (s *Store) Voters(ctx context.Context, ideaID int64, viewer *User, limit int) ([]User, int64, error) {
	everyone := s.Can(viewer, ActTriage)
	// The latest votes first, from the votes alone, then their members: a
	// popular idea's older voters are never looked up.
	latest := s.db.WithContext(ctx).Model(&Vote{}).Select("votes.user_id, votes.created_at").Where("votes.idea_id = ?", ideaID)
	if !everyone {
		latest = latest.Joins("JOIN users AS shown ON shown.id = votes.user_id AND shown.show_votes AND shown.deleted_at IS NULL")
	}
	latest = latest.Order("votes.created_at DESC, votes.user_id DESC").Limit(limit)
	var users []User
	err := s.db.WithContext(ctx).Joins("JOIN (?) AS latest ON latest.user_id = users.id", latest).
		Order("latest.created_at DESC, users.id DESC").Find(&users).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list voters of idea %d: %w", ideaID, err)
	}
	var others int64
	if !everyone {
		err = s.db.WithContext(ctx).Model(&Vote{}).Joins("JOIN users ON users.id = votes.user_id").
			Where("votes.idea_id = ? AND NOT (users.show_votes AND users.deleted_at IS NULL)", ideaID).Count(&others).Error
		if err != nil {
			return nil, 0, fmt.Errorf("count hidden voters of idea %d: %w", ideaID, err)
		}
	}
	return users, others, nil
}
