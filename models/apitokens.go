package models

import (
	"context"
	"fmt"
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

	User User `gorm:"foreignKey:UserID"`
}

// CreateAPIToken makes a token for a user and returns it with its record.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string) (string, *APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if !validText(name) || utf8.RuneCountInString(name) > 100 {
		return "", nil, ValidationErrors{"name": "must be valid text of at most 100 characters"}
	}
	token, hash := newSecret(apiTokenPrefix)
	t := &APIToken{UserID: userID, Name: name, TokenHash: hash, CreatedAt: s.Now()}
	if err := s.db.WithContext(ctx).Omit("User").Create(t).Error; err != nil {
		return "", nil, fmt.Errorf("create api token for user %d: %w", userID, err)
	}
	return token, t, nil
}

// UserByAPIToken finds the user an API token acts for. An unknown token or a
// banned user is ErrNotFound.
func (s *Store) UserByAPIToken(ctx context.Context, token string) (*User, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
		return nil, fmt.Errorf("load api token: %w", ErrNotFound)
	}
	var t APIToken
	q := s.db.WithContext(ctx).Joins("User").Where("api_tokens.token_hash = ?", hashSecret(token))
	if err := first(q, &t); err != nil {
		return nil, fmt.Errorf("load api token: %w", err)
	}
	if t.User.Banned() {
		return nil, fmt.Errorf("load api token: user %d is banned: %w", t.UserID, ErrNotFound)
	}
	now := s.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > sessionTouchEvery {
		err := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", t.ID).Update("last_used_at", now).Error
		if err != nil {
			return nil, fmt.Errorf("touch api token %d: %w", t.ID, err)
		}
	}
	return &t.User, nil
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
