package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// apiTokenPrefix marks Samen's API tokens, so a leaked one is easy to spot.
const apiTokenPrefix = "samen_"

// APIToken lets a program act as a user through the JSON API. Only its hash
// is stored; the token itself is shown once.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	// ExpiresAt, when set, is when the token stops working.
	ExpiresAt *time.Time
	// ReadOnly tokens may only read: every write is refused.
	ReadOnly bool

	User User `gorm:"foreignKey:UserID"`
}

// Expired reports whether the token no longer works at now.
func (t APIToken) Expired(now time.Time) bool { return t.ExpiresAt != nil && !t.ExpiresAt.After(now) }

// NewAPIToken is what CreateAPIToken needs.
type NewAPIToken struct {
	Name string
	// Expires is how long the token works: a number of days ("30d") or of
	// hours ("12h"); empty for no end.
	Expires  string
	ReadOnly bool
}

// maxTokenLifetime bounds Expires.
const maxTokenLifetime = 3650 * 24 * time.Hour

// lifetime reads Expires.
func (n NewAPIToken) lifetime() (time.Duration, error) {
	if n.Expires == "" {
		return 0, nil
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour}[n.Expires[len(n.Expires)-1]]
	count, err := strconv.Atoi(n.Expires[:len(n.Expires)-1])
	if unit == 0 || err != nil || count < 1 || time.Duration(count)*unit > maxTokenLifetime {
		return 0, errors.New("must be a number of days or hours, as in 30d or 12h, up to 3650d")
	}
	return time.Duration(count) * unit, nil
}

// CreateAPIToken makes a token for a user and returns it with its record.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, n NewAPIToken) (string, *APIToken, error) {
	errs := ValidationErrors{}
	name := strings.TrimSpace(n.Name)
	if name == "" {
		name = "API token"
	}
	if !validText(name) || utf8.RuneCountInString(name) > 100 {
		errs["name"] = "must be valid text of at most 100 characters"
	}
	lifetime, err := n.lifetime()
	if err != nil {
		errs["expires"] = err.Error()
	}
	if err := errs.orNil(); err != nil {
		return "", nil, err
	}
	token, hash := newSecret(apiTokenPrefix)
	t := &APIToken{UserID: userID, Name: name, TokenHash: hash, CreatedAt: s.Now(), ReadOnly: n.ReadOnly}
	if lifetime > 0 {
		end := t.CreatedAt.Add(lifetime)
		t.ExpiresAt = &end
	}
	if err := s.db.WithContext(ctx).Omit("User").Create(t).Error; err != nil {
		return "", nil, fmt.Errorf("create api token for user %d: %w", userID, err)
	}
	return token, t, nil
}

// AuthenticateAPIToken finds the token a program sent, with the user it acts
// for. An unknown or expired token, or a banned user, is ErrNotFound.
func (s *Store) AuthenticateAPIToken(ctx context.Context, token string) (*APIToken, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
		return nil, fmt.Errorf("load api token: %w", ErrNotFound)
	}
	now := s.Now()
	hash := hashSecret(token)
	key := "t" + string(hash)
	t, err := remembered(ctx, s, key, now, func(kept *APIToken) bool { return !kept.Expired(now) },
		func(ctx context.Context, t *APIToken) error {
			q := s.db.WithContext(ctx).Joins("User").Where("api_tokens.token_hash = ?", hash).
				Where("api_tokens.expires_at IS NULL OR api_tokens.expires_at > ?", now)
			if err := first(q, t); err != nil {
				return fmt.Errorf("load api token: %w", err)
			}
			if t.User.Banned() || t.User.Deleted() {
				return fmt.Errorf("load api token: user %d is banned or deleted: %w", t.UserID, ErrNotFound)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > sessionTouchEvery {
		// The condition again in the statement: of the requests that use the
		// token at once, the first writes and the others, once it is done,
		// find it written and change nothing.
		err := s.db.WithContext(ctx).Set(quietKey, true).Model(&APIToken{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", t.ID, now.Add(-sessionTouchEvery)).
			Update("last_used_at", now).Error
		if err != nil {
			return nil, fmt.Errorf("touch api token %d: %w", t.ID, err)
		}
		t.LastUsedAt = &now
		touched := t
		s.credentials.replace(key, &touched)
	}
	return &t, nil
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var list []APIToken
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list api tokens of user %d: %w", userID, err)
	}
	return list, nil
}

// RevokeAPIToken deletes one of the user's tokens. Another user's token is ErrNotFound.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", tokenID, userID).Delete(&APIToken{})
	if res.Error != nil {
		return fmt.Errorf("revoke api token %d: %w", tokenID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("revoke api token %d: %w", tokenID, ErrNotFound)
	}
	return nil
}
