package models

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Session lengths.
const (
	// SessionTTL is how long a sign-in lasts, from the moment it was made.
	SessionTTL = 30 * 24 * time.Hour
	// sessionTouchEvery bounds how often LastSeenAt is written.
	sessionTouchEvery = 5 * time.Minute
)

// Session is one signed-in browser. The browser holds the token; only its
// hash is stored.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  []byte
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time

	User User `gorm:"foreignKey:UserID"`
}

// Banned reports whether the user may not sign in at all.
func (u *User) Banned() bool { return u.BannedAt != nil }

// CreateSession signs a user in and returns the token for the cookie.
func (s *Store) CreateSession(ctx context.Context, userID int64, userAgent, ip string) (string, *Session, error) {
	token, hash := newSecret("")
	now := s.Now()
	sess := &Session{
		UserID:     userID,
		TokenHash:  hash,
		UserAgent:  truncate(userAgent, 300),
		IP:         truncate(ip, 64),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(SessionTTL),
	}
	if err := s.db.WithContext(ctx).Omit("User").Create(sess).Error; err != nil {
		return "", nil, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return token, sess, nil
}

// SessionByToken finds the live session a cookie token stands for, with its
// user. An unknown or expired token, or a banned user, is ErrNotFound.
func (s *Store) SessionByToken(ctx context.Context, token string) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("load session: %w", ErrNotFound)
	}
	now := s.Now()
	hash := hashSecret(token)
	key := "s" + string(hash)
	sess, err := remembered(ctx, s, key, now, func(kept *Session) bool { return kept.ExpiresAt.After(now) },
		func(ctx context.Context, sess *Session) error {
			q := s.db.WithContext(ctx).Joins("User").
				Where("sessions.token_hash = ? AND sessions.expires_at > ?", hash, now)
			if err := first(q, sess); err != nil {
				return fmt.Errorf("load session: %w", err)
			}
			if sess.User.Banned() || sess.User.Deleted() {
				return fmt.Errorf("load session: user %d is banned or deleted: %w", sess.UserID, ErrNotFound)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastSeenAt) > sessionTouchEvery {
		err := s.db.WithContext(ctx).Set(quietKey, true).Model(&Session{}).Where("id = ?", sess.ID).
			Update("last_seen_at", now).Error
		if err != nil {
			return nil, fmt.Errorf("touch session %d: %w", sess.ID, err)
		}
		sess.LastSeenAt = now
		touched := sess
		s.credentials.replace(key, &touched)
	}
	// A signed-in day counts towards the member's trust level, once.
	if counted, err := s.countActiveDay(ctx, &sess.User); err != nil {
		return nil, err
	} else if counted {
		touched := sess
		s.credentials.replace(key, &touched)
	}
	return &sess, nil
}

// Sessions lists a user's live sessions, most recently used first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	var list []Session
	err := s.db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, s.Now()).
		Order("last_seen_at DESC, id DESC").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return list, nil
}

// RevokeSession ends one of the user's sessions. Another user's session is ErrNotFound.
func (s *Store) RevokeSession(ctx context.Context, userID, sessionID int64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", sessionID, userID).Delete(&Session{})
	if res.Error != nil {
		return fmt.Errorf("revoke session %d: %w", sessionID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("revoke session %d: %w", sessionID, ErrNotFound)
	}
	return nil
}

// RevokeSessionToken ends the session a cookie token stands for (sign out).
func (s *Store) RevokeSessionToken(ctx context.Context, token string) error {
	err := s.db.WithContext(ctx).Where("token_hash = ?", hashSecret(token)).Delete(&Session{}).Error
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeAllSessions ends every session of a user (sign out everywhere) and,
// with tokens, deletes the user's API tokens in the same transaction.
func (s *Store) RevokeAllSessions(ctx context.Context, userID int64, tokens bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
			return err
		}
		if !tokens {
			return nil
		}
		return tx.Where("user_id = ?", userID).Delete(&APIToken{}).Error
	})
	if err != nil {
		return fmt.Errorf("revoke sessions of user %d: %w", userID, err)
	}
	return nil
}

// LoginToken is a single-use sign-in link sent by email.
type LoginToken struct {
	ID        int64
	TokenHash []byte
	Email     string
	NextPath  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
