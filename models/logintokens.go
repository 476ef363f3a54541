package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// SendLoginLink makes a single-use sign-in link for an email address and
// queues the email that carries it, in one transaction. compose writes the
// message around the secret token. Known and unknown addresses are treated
// alike, so the answer tells nobody who is a member.
func (s *Store) SendLoginLink(ctx context.Context, email, next string, compose func(token string) Email) error {
	normal, err := NormalizeEmail(email)
	if err != nil {
		return ValidationErrors{"email": err.Error()}
	}
	token, hash := newSecret("")
	now := s.Now()
	lt := &LoginToken{TokenHash: hash, Email: normal, NextPath: truncate(next, 500), CreatedAt: now, ExpiresAt: now.Add(LoginTokenTTL)}
	msg := compose(token)
	msg.To = normal
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(lt).Error; err != nil {
			return err
		}
		return s.enqueue(ctx, tx, msg)
	})
	if err != nil {
		return fmt.Errorf("send sign-in link: %w", err)
	}
	return nil
}

// enqueue adds a job in the transaction of the change that causes it.
func (s *Store) enqueue(ctx context.Context, tx *gorm.DB, args Email) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("enqueue: not in a transaction")
	}
	if _, err := s.jobs.InsertTx(ctx, sqlTx, args, nil); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// LoginLink is a sign-in link that can still be used, with the member it
// signs in (nil for an address that is not a member yet).
type LoginLink struct {
	Email string
	User  *User
}

// PeekLoginLink tells what an unused, unexpired sign-in link is for, without
// using it. Anything else is ErrNotFound.
func (s *Store) PeekLoginLink(ctx context.Context, token string) (*LoginLink, error) {
	lt, err := s.liveLoginToken(ctx, s.db.WithContext(ctx), token)
	if err != nil {
		return nil, err
	}
	link := &LoginLink{Email: lt.Email}
	var u User
	err = first(s.db.WithContext(ctx).Where("email = ?", lt.Email), &u)
	switch {
	case err == nil:
		link.User = &u
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("peek sign-in link: %w", err)
	}
	return link, nil
}

func (s *Store) liveLoginToken(ctx context.Context, db *gorm.DB, token string) (*LoginToken, error) {
	if token == "" || len(token) > 100 {
		return nil, fmt.Errorf("load sign-in link: %w", ErrNotFound)
	}
	var lt LoginToken
	q := db.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashSecret(token), s.Now())
	if err := first(q, &lt); err != nil {
		return nil, fmt.Errorf("load sign-in link: %w", err)
	}
	return &lt, nil
}

// SignInWithLink uses a sign-in link, once. The address is proven, so it
// signs in the member who has it, or makes a new member called name. It
// returns the user, the path the link was asked from, and whether the user
// is new.
func (s *Store) SignInWithLink(ctx context.Context, token, name string, admins []string) (*User, string, bool, error) {
	var (
		user    User
		next    string
		email   string
		created bool
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		lt, err := s.liveLoginToken(ctx, tx, token)
		if err != nil {
			return err
		}
		res := tx.Model(&LoginToken{}).Where("id = ? AND used_at IS NULL", lt.ID).Update("used_at", s.Now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound // used by a concurrent request
		}
		next, email = lt.NextPath, lt.Email
		err = first(tx.Where("email = ?", lt.Email), &user)
		if errors.Is(err, ErrNotFound) {
			n := NewUser{Name: name, Email: lt.Email, EmailVerified: true}
			if err := n.Validate(); err != nil {
				return err
			}
			user = User{Name: n.Name, Email: &n.Email, EmailVerified: true, Role: RoleMember}
			created = true
			return tx.Create(&user).Error
		}
		if err != nil {
			return err
		}
		if !user.EmailVerified {
			user.EmailVerified = true
			return tx.Model(&User{}).Where("id = ?", user.ID).Update("email_verified", true).Error
		}
		return nil
	})
	if err != nil {
		return nil, "", false, fmt.Errorf("sign in with link: %w", err)
	}
	u, created, err := s.finishSignIn(ctx, &user, "", true, email, admins, created)
	return u, next, created, err
}
