package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// SendLoginLink records a request for a sign-in link for an email address
// and queues the job that mails it, in one transaction. compose writes the
// message around the token; it is given LoginTokenPlaceholder, which the job
// replaces with a token it makes as it sends, so no link that works is ever
// stored, not even in the job's arguments. Known and unknown addresses are
// treated alike, so the answer tells nobody who is a member.
func (s *Store) SendLoginLink(ctx context.Context, email, next string, compose func(token string) Email) error {
	normal, err := NormalizeEmail(email)
	if err != nil {
		return ValidationErrors{"email": err.Error()}
	}
	// Until the job gives it a token, the row holds the hash of a secret
	// nobody keeps: it opens nothing.
	_, hash := newSecret("")
	now := s.Now()
	lt := &LoginToken{TokenHash: hash, Email: normal, NextPath: truncate(next, 500), CreatedAt: now, ExpiresAt: now.Add(LoginTokenTTL)}
	msg := compose(LoginTokenPlaceholder)
	msg.To = normal
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(lt).Error; err != nil {
			return err
		}
		return s.enqueue(ctx, tx, LoginLinkArgs{LoginTokenID: lt.ID, Email: msg})
	})
	if err != nil {
		return fmt.Errorf("send sign-in link: %w", err)
	}
	return nil
}

// LoginTokenPlaceholder stands for the token in a queued sign-in email.
const LoginTokenPlaceholder = "{sign-in-token}"

// LoginLinkArgs is the job that mails a sign-in link: the link's row and the
// message, with LoginTokenPlaceholder where the token goes.
type LoginLinkArgs struct {
	LoginTokenID int64 `json:"login_token_id"`
	Email        Email `json:"email"`
}

// Kind names the job in River's tables.
func (LoginLinkArgs) Kind() string { return "send_sign_in_link" }

type loginLinkWorker struct {
	river.WorkerDefaults[LoginLinkArgs]
	store *Store
}

// Work makes the link's token and mails it. Each attempt makes a new token
// and replaces the hash, so only the link in the last email sent works. A
// link used or expired meanwhile is not sent.
func (w *loginLinkWorker) Work(ctx context.Context, job *river.Job[LoginLinkArgs]) error {
	token, hash := newSecret("")
	now := w.store.Now()
	res := w.store.db.WithContext(ctx).Model(&LoginToken{}).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", job.Args.LoginTokenID, now).
		Updates(map[string]any{"token_hash": hash, "expires_at": now.Add(LoginTokenTTL)})
	if res.Error != nil {
		return fmt.Errorf("make sign-in link %d: %w", job.Args.LoginTokenID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	msg := job.Args.Email
	msg.Text = strings.ReplaceAll(msg.Text, LoginTokenPlaceholder, token)
	return w.store.mailer.send(ctx, msg)
}

// enqueue adds a job in the transaction of the change that causes it.
func (s *Store) enqueue(ctx context.Context, tx *gorm.DB, args river.JobArgs) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
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

// sqlTxOf is the database/sql transaction under a GORM transaction, for River.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, errors.New("enqueue: not in a transaction")
	}
	return sqlTx, nil
}
