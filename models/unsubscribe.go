package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm/clause"
)

// UnsubscribeAll stands for every kind in an unsubscribe link, as a digest's.
const UnsubscribeAll = "all"

// Unsubscription is what an unsubscribe link turns off: some kinds of email
// of one member, or all of them.
type Unsubscription struct {
	UserID int64
	// Kinds are the kinds of notification whose email the link turns off;
	// every kind when All.
	Kinds []string
	All   bool
}

// secret is a 32-byte key of the server's, made on first use and kept in
// the database, so that every instance and every restart signs alike.
func (s *Store) secret(ctx context.Context, name string) ([]byte, error) {
	if key, ok := s.mail.keys.Load(name); ok {
		return key.([]byte), nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	db := s.db.WithContext(ctx)
	err := db.Clauses(clause.OnConflict{DoNothing: true}).Table("secrets").
		Create(map[string]any{"name": name, "value": base64.StdEncoding.EncodeToString(b), "created_at": s.Now()}).Error
	if err != nil {
		return nil, fmt.Errorf("make secret %s: %w", name, err)
	}
	var value string
	if err := db.Table("secrets").Select("value").Where("name = ?", name).Scan(&value).Error; err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	key, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("load secret %s: not a key", name)
	}
	s.mail.keys.Store(name, key)
	return key, nil
}

func unsubscribeMAC(key []byte, userID int64, kinds string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe\n" + strconv.FormatInt(userID, 10) + "\n" + kinds))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// UnsubscribeToken makes the token of an unsubscribe link: it names the
// member and the kinds of email it turns off (nil for all), signed with the
// server's key so that nobody makes one for someone else. It stays valid:
// unsubscribing twice does no harm.
func (s *Store) UnsubscribeToken(ctx context.Context, userID int64, kinds []string) (string, error) {
	key, err := s.secret(ctx, "unsubscribe")
	if err != nil {
		return "", err
	}
	names := UnsubscribeAll
	if len(kinds) > 0 {
		sorted := slices.Clone(kinds)
		slices.Sort(sorted)
		names = strings.Join(slices.Compact(sorted), ",")
	}
	return strconv.FormatInt(userID, 10) + "." + names + "." + unsubscribeMAC(key, userID, names), nil
}

// ParseUnsubscribe tells what an unsubscribe link's token turns off. A token
// that is malformed, forged or names a member who is gone is ErrNotFound.
func (s *Store) ParseUnsubscribe(ctx context.Context, token string) (*Unsubscription, error) {
	fail := fmt.Errorf("read unsubscribe link: %w", ErrNotFound)
	parts := strings.Split(token, ".")
	if len(token) > 300 || len(parts) != 3 {
		return nil, fail
	}
	userID, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || userID <= 0 {
		return nil, fail
	}
	u := &Unsubscription{UserID: userID}
	if parts[1] == UnsubscribeAll {
		u.All, u.Kinds = true, slices.Clone(NotificationKinds)
	} else {
		for _, kind := range strings.Split(parts[1], ",") {
			if !slices.Contains(NotificationKinds, kind) {
				return nil, fail
			}
			u.Kinds = append(u.Kinds, kind)
		}
	}
	key, err := s.secret(ctx, "unsubscribe")
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(parts[2]), []byte(unsubscribeMAC(key, userID, parts[1]))) {
		return nil, fail
	}
	if _, err := loadRecipient(s.db.WithContext(ctx), userID); errors.Is(err, ErrNotFound) {
		return nil, fail
	} else if err != nil {
		return nil, fmt.Errorf("read unsubscribe link: %w", err)
	}
	return u, nil
}

// Unsubscribe turns off the email an unsubscribe link names (see
// ParseUnsubscribe), and says what it turned off.
func (s *Store) Unsubscribe(ctx context.Context, token string) (*Unsubscription, error) {
	u, err := s.ParseUnsubscribe(ctx, token)
	if err != nil {
		return nil, err
	}
	change := PreferencesChange{Email: map[string]string{}}
	for _, kind := range u.Kinds {
		change.Email[kind] = MailOff
	}
	if _, err := s.UpdatePreferences(ctx, u.UserID, change); err != nil {
		return nil, err
	}
	// Updates waiting for an email of a kind now off are not sent.
	err = s.db.WithContext(ctx).Model(&Notification{}).
		Where("user_id = ? AND kind IN ? AND emailed_at IS NULL", u.UserID, u.Kinds).
		Update("emailed_at", s.Now()).Error
	if err != nil {
		return nil, fmt.Errorf("unsubscribe user %d: %w", u.UserID, err)
	}
	return u, nil
}
