package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// Role is what a user may do. Roles are ordered: each has everything of the
// ones before it.
type Role string

// The roles, lowest first.
const (
	RoleMember    Role = "member"
	RoleModerator Role = "moderator"
	RoleTeam      Role = "team"
	RoleAdmin     Role = "admin"
)

// Roles lists every role, lowest first.
var Roles = []Role{RoleMember, RoleModerator, RoleTeam, RoleAdmin}

func (r Role) rank() int {
	for i, role := range Roles {
		if role == r {
			return i
		}
	}
	return -1
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r has every right of min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

// User is a member of the community, whatever their role.
type User struct {
	ID             int64
	Name           string
	Email          *string
	EmailVerified  bool
	AvatarURL      string
	Role           Role
	Locale         string
	BannedAt       *time.Time
	SuspendedUntil *time.Time
	// ModerationNote says why the member is suspended or banned.
	ModerationNote string
	// Approvals counts the member's pre-moderated posts a moderator approved.
	Approvals int
	// Trusted members (TrustLevel 1 and up) may post more links and are not
	// counted as new accounts; the flag follows TrustLevel.
	Trusted bool
	// TrustLevel is the member's trust level (see trust.go), 0 to TrustLeader.
	TrustLevel int
	// DaysActive counts the days (UTC) on which the member was signed in;
	// LastActiveAt is the moment the last of them was counted.
	DaysActive   int
	LastActiveAt *time.Time
	// SanctionedUntil is when the member's last suspension or ban ended or
	// ends: no level is earned again for a while after it.
	SanctionedUntil *time.Time
	// FirstSignedInAt is when the user first signed in (nil: not yet).
	FirstSignedInAt *time.Time
	// DeletedAt is when the member deleted their account (see DeleteAccount).
	DeletedAt *time.Time
	// ShowVotes lets everyone see the member's name among an idea's voters;
	// without it only the team does.
	ShowVotes bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Suspended reports whether the member may read but not take part at now.
func (u *User) Suspended(now time.Time) bool {
	return u.SuspendedUntil != nil && u.SuspendedUntil.After(now)
}

// Staff reports whether the user's standing at now lets them moderate: the
// spam brakes and pre-moderation leave them alone, and reports alone do not
// hide what they wrote. Standing decides, not role: a suspended moderator is
// no staff.
func (u *User) Staff(now time.Time) bool { return StandingOf(u, now).Allows(ActModerate) }

// Initial is the first letter of the member's name, capitalised: the avatar
// of those who have no picture.
func (u *User) Initial() string {
	for _, r := range u.Name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// MaxNameLength bounds a display name, in characters.
const MaxNameLength = 50

// NewUser is what CreateUser needs.
type NewUser struct {
	Name          string
	Email         string
	EmailVerified bool
	Role          Role
}

// NormalizeEmail trims and lower-cases an email address and checks its form.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return "", errors.New("is not a valid email address")
	}
	return email, nil
}

// Validate checks a new user and normalises its fields in place.
func (n *NewUser) Validate() error {
	errs := ValidationErrors{}
	n.Name = strings.TrimSpace(n.Name)
	switch {
	case n.Name == "":
		errs["name"] = "is required"
	case !validText(n.Name):
		errs["name"] = "is not valid text"
	case utf8.RuneCountInString(n.Name) > MaxNameLength:
		errs["name"] = fmt.Sprintf("is longer than %d characters", MaxNameLength)
	}
	if n.Email != "" {
		email, err := NormalizeEmail(n.Email)
		if err != nil {
			errs["email"] = err.Error()
		}
		n.Email = email
	}
	if n.Role == "" {
		n.Role = RoleMember
	}
	if !n.Role.Valid() {
		errs["role"] = "must be one of member, moderator, team, admin"
	}
	return errs.orNil()
}

// CreateUser adds a user. An email already in use is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	u := &User{Name: n.Name, EmailVerified: n.EmailVerified, Role: n.Role}
	if n.Email != "" {
		u.Email = &n.Email
	}
	err := s.db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, fmt.Errorf("create user: %w", conflict("email "+n.Email+" is taken"))
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &u); err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// UserByEmail finds a user by email address, in any letter case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	normal, err := NormalizeEmail(email)
	if err != nil {
		return nil, ValidationErrors{"email": err.Error()}
	}
	var u User
	if err := first(s.db.WithContext(ctx).Where("email = ?", normal), &u); err != nil {
		return nil, fmt.Errorf("load user %s: %w", normal, err)
	}
	return &u, nil
}

// SetRole changes a user's role.
func (s *Store) SetRole(ctx context.Context, userID int64, role Role) error {
	if !role.Valid() {
		return ValidationErrors{"role": "must be one of member, moderator, team, admin"}
	}
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"role": role, "updated_at": s.Now()})
	if res.Error != nil {
		return fmt.Errorf("set role of user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set role of user %d: %w", userID, ErrNotFound)
	}
	return nil
}

// SetLocale records the language a user chose.
func (s *Store) SetLocale(ctx context.Context, userID int64, locale string) error {
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"locale": locale, "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("set locale of user %d: %w", userID, err)
	}
	return nil
}

// first loads one row into dest, turning "no row" into ErrNotFound.
func first(q *gorm.DB, dest any) error {
	q = q.Session(&gorm.Session{})
	err := q.Take(dest).Error
	if errors.Is(err, gorm.ErrRecordNotFound) && onReplica(q.Statement.Context) {
		// A row the replica has not replayed yet (a session or an idea
		// made a moment ago) may be on the primary.
		err = q.Clauses(dbresolver.Write).Take(dest).Error
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
