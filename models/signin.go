package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Sign-in lifetimes.
const (
	// AuthStateTTL bounds how long a provider may take to send the member back.
	AuthStateTTL = 10 * time.Minute
	// LoginTokenTTL is how long an emailed sign-in link works.
	LoginTokenTTL = 15 * time.Minute
)

// ErrBanned: the user may not sign in.
var ErrBanned = errors.New("banned")

// AuthState is one OAuth sign-in in progress. The browser holds a cookie
// token; the row, found by its hash, is used once.
type AuthState struct {
	ID          int64
	TokenHash   []byte
	Provider    string
	State       string
	Verifier    string
	Nonce       string
	GothSession string
	NextPath    string
	LinkUserID  *int64
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SaveAuthState stores a sign-in in progress and returns the cookie token for it.
func (s *Store) SaveAuthState(ctx context.Context, st *AuthState) (string, error) {
	token, hash := newSecret("")
	st.TokenHash = hash
	st.CreatedAt = s.Now()
	st.ExpiresAt = st.CreatedAt.Add(AuthStateTTL)
	if err := s.db.WithContext(ctx).Create(st).Error; err != nil {
		return "", fmt.Errorf("save auth state: %w", err)
	}
	return token, nil
}

// TakeAuthState finds and deletes the sign-in in progress a cookie token
// stands for: it can be taken once. An unknown token is ErrNotFound; an old
// one is returned all the same, for the caller to refuse by CreatedAt.
func (s *Store) TakeAuthState(ctx context.Context, token string) (*AuthState, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("take auth state: %w", ErrNotFound)
	}
	var st AuthState
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := first(tx.Where("token_hash = ?", hashSecret(token)), &st); err != nil {
			return err
		}
		res := tx.Where("id = ?", st.ID).Delete(&AuthState{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound // taken by a concurrent request
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("take auth state: %w", err)
	}
	return &st, nil
}

// Identity links a user to an account at a sign-in provider.
type Identity struct {
	ID        int64
	UserID    int64
	Provider  string
	Subject   string
	Email     string
	CreatedAt time.Time
}

// Profile is what a sign-in provider says about a person.
type Profile struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Nickname      string
	AvatarURL     string
}

// DisplayName picks the name a new member starts with: the provider's name,
// else the preferred username, else the part of the email before @.
func (p Profile) DisplayName() string {
	for _, name := range []string{p.Name, p.Nickname, strings.SplitN(p.Email, "@", 2)[0]} {
		name = strings.TrimSpace(name)
		if name != "" && validText(name) {
			if utf8.RuneCountInString(name) > MaxNameLength {
				name = string([]rune(name)[:MaxNameLength])
			}
			return name
		}
	}
	return "Member"
}

// SignInOptions say how a provider sign-in may attach to existing users.
type SignInOptions struct {
	// LinkTo is the signed-in user connecting another provider from /me.
	LinkTo *int64
	// AdminEmails are verified addresses that make their owner admin.
	AdminEmails []string
}

// SignInWithProvider finds or creates the user a provider identity belongs
// to. A known identity is its user. Otherwise the identity joins LinkTo, or
// the user with the same email when both sides have verified it; an
// unverified email never joins accounts. Anyone else becomes a new member.
// It reports whether the user was created.
func (s *Store) SignInWithProvider(ctx context.Context, p Profile, opts SignInOptions) (*User, bool, error) {
	if p.Provider == "" || p.Subject == "" {
		return nil, false, errors.New("sign in: the provider sent no account id")
	}
	email := ""
	if normal, err := NormalizeEmail(p.Email); err == nil {
		email = normal
	}
	verified := p.EmailVerified && email != ""
	var user User
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var id Identity
		err := first(tx.Where("provider = ? AND subject = ?", p.Provider, p.Subject), &id)
		switch {
		case err == nil:
			if opts.LinkTo != nil && *opts.LinkTo != id.UserID {
				return conflict(fmt.Sprintf("this %s account belongs to another member", p.Provider))
			}
			return first(tx.Where("id = ?", id.UserID), &user)
		case !errors.Is(err, ErrNotFound):
			return err
		}

		switch {
		case opts.LinkTo != nil:
			err = first(tx.Where("id = ?", *opts.LinkTo), &user)
		case verified:
			err = first(tx.Where("email = ? AND email_verified = ?", email, true), &user)
		default:
			err = ErrNotFound
		}
		if errors.Is(err, ErrNotFound) {
			user = User{Name: p.DisplayName(), AvatarURL: p.AvatarURL, Role: RoleMember}
			if verified {
				var taken int64
				if err := tx.Model(&User{}).Where("email = ?", email).Count(&taken).Error; err != nil {
					return err
				}
				if taken == 0 {
					user.Email, user.EmailVerified = &email, true
				}
			}
			if err := tx.Create(&user).Error; err != nil {
				return err
			}
			created = true
		} else if err != nil {
			return err
		}
		identity := Identity{UserID: user.ID, Provider: p.Provider, Subject: p.Subject, Email: email, CreatedAt: s.Now()}
		return tx.Create(&identity).Error
	})
	if err != nil {
		return nil, false, fmt.Errorf("sign in with %s: %w", p.Provider, err)
	}
	return s.finishSignIn(ctx, &user, p.AvatarURL, verified, email, opts.AdminEmails, created)
}

// finishSignIn applies what every sign-in shares: banned users stop here,
// listed admins become admin at their first sign-in (so a later demotion
// sticks), and a missing avatar is filled in.
func (s *Store) finishSignIn(ctx context.Context, u *User, avatar string, verified bool, email string, admins []string, created bool) (*User, bool, error) {
	if u.Banned() {
		return nil, false, fmt.Errorf("sign in user %d: %w", u.ID, ErrBanned)
	}
	updates := map[string]any{}
	if u.FirstSignedInAt == nil {
		now := s.Now()
		updates["first_signed_in_at"] = now
		u.FirstSignedInAt = &now
		if verified && u.Role != RoleAdmin && slices.Contains(admins, email) {
			updates["role"] = RoleAdmin
			u.Role = RoleAdmin
		}
	}
	if u.AvatarURL == "" && avatar != "" {
		updates["avatar_url"] = avatar
		u.AvatarURL = avatar
	}
	if len(updates) > 0 {
		updates["updated_at"] = s.Now()
		if err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Updates(updates).Error; err != nil {
			return nil, false, fmt.Errorf("sign in user %d: %w", u.ID, err)
		}
	}
	return u, created, nil
}

// Identities lists the providers a user signs in with.
func (s *Store) Identities(ctx context.Context, userID int64) ([]Identity, error) {
	var list []Identity
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("provider, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("list identities of user %d: %w", userID, err)
	}
	return list, nil
}

// Unlink removes one of a user's identities, as long as another way to sign
// in remains: another identity, or a verified email for sign-in links.
// Removing the last way is ErrConflict.
func (s *Store) Unlink(ctx context.Context, userID, identityID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := first(tx.Where("id = ?", userID), &u); err != nil {
			return err
		}
		var count int64
		if err := tx.Model(&Identity{}).Where("user_id = ?", userID).Count(&count).Error; err != nil {
			return err
		}
		hasEmail := u.Email != nil && u.EmailVerified
		if count <= 1 && !hasEmail {
			return conflict("it is your only way to sign in")
		}
		res := tx.Where("id = ? AND user_id = ?", identityID, userID).Delete(&Identity{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unlink identity %d: %w", identityID, err)
	}
	return nil
}

// UpdateProfile changes a member's display name and avatar.
func (s *Store) UpdateProfile(ctx context.Context, userID int64, name, avatarURL string) error {
	errs := ValidationErrors{}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		errs["name"] = "is required"
	case !validText(name):
		errs["name"] = "is not valid text"
	case utf8.RuneCountInString(name) > MaxNameLength:
		errs["name"] = fmt.Sprintf("is longer than %d characters", MaxNameLength)
	}
	avatarURL = strings.TrimSpace(avatarURL)
	if avatarURL != "" && (!strings.HasPrefix(avatarURL, "https://") || len(avatarURL) > 500 ||
		strings.ContainsAny(avatarURL, " \"'<>\\\r\n")) {
		errs["avatar_url"] = "must be an https:// address"
	}
	if err := errs.orNil(); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"name": name, "avatar_url": avatarURL, "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("update profile of user %d: %w", userID, err)
	}
	return nil
}
