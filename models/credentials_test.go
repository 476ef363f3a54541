package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// TestKeptCredentialsHoldNoLongerThanTheirRows: sessions and API tokens are
// kept in memory once read, and every write that ends or changes them holds
// from the next request on: a role change, a sign-out, a revoked token, a
// ban, on the store that wrote and, on PostgreSQL, on another one.
func TestKeptCredentialsHoldNoLongerThanTheirRows(t *testing.T) {
	ctx := context.Background()
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		admin, err := s.CreateUser(ctx, models.NewUser{Name: "Ada", Email: "ada@example.com", Role: models.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		anna, cookie, secret, token := signedInAnna(t, s)
		other, _, err := s.CreateSession(ctx, anna.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		role := func(wantRole models.Role) {
			t.Helper()
			for range 2 { // read, then kept
				sess, err := s.SessionByToken(ctx, cookie)
				if err != nil || sess.User.Role != wantRole {
					t.Fatalf("session: %+v, %v; want role %s", sess, err, wantRole)
				}
				tok, err := s.AuthenticateAPIToken(ctx, secret)
				if err != nil || tok.User.Role != wantRole {
					t.Fatalf("token: %+v, %v; want role %s", tok, err, wantRole)
				}
			}
		}
		role(models.RoleMember)
		if n, bytes := s.CachedCredentials(); n != 2 || bytes <= 0 {
			t.Fatalf("kept %d credentials (%d bytes), want the session and the token", n, bytes)
		}
		if err := s.SetRole(ctx, anna.ID, models.RoleTeam); err != nil {
			t.Fatal(err)
		}
		role(models.RoleTeam)

		// A request changes what it was given, not what is kept.
		sess, _ := s.SessionByToken(ctx, cookie)
		sess.User.Role = models.RoleAdmin
		role(models.RoleTeam)

		if err := s.RevokeSessionToken(ctx, cookie); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, cookie); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a signed-out session: %v, want ErrNotFound", err)
		}
		if err := s.RevokeAPIToken(ctx, anna.ID, token.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIToken(ctx, secret); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a revoked token: %v, want ErrNotFound", err)
		}
		if _, err := s.SessionByToken(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sanction(ctx, admin, anna.ID, models.Sanction{Action: models.DecideBan, Reason: "Spam, again and again."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, other); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a banned member's session: %v, want ErrNotFound", err)
		}
	})
}

// TestAnotherInstanceForgetsKeptCredentials: a second store on the same
// PostgreSQL database keeps a session and a token, and forgets them as soon
// as the first one's writes reach it, not when they grow old.
func TestAnotherInstanceForgetsKeptCredentials(t *testing.T) {
	url := modelstest.URL(t, models.Postgres)
	a := modelstest.OpenURL(t, url, models.Options{})
	b := modelstest.Reopen(t, url)
	ctx := context.Background()
	listening(t, a, b)
	// b's clock stands still, so that nothing it keeps grows old: what it
	// forgets, a's notices made it forget.
	frozen := b.Now()
	b.SetClock(func() time.Time { return frozen })

	anna, cookie, secret, token := signedInAnna(t, a)
	// Once a's notices of these writes reached b, b keeps what it reads.
	waitFor(t, "b keeps the session and the token", func() bool {
		if _, err := b.SessionByToken(ctx, cookie); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AuthenticateAPIToken(ctx, secret); err != nil {
			t.Fatal(err)
		}
		n, _ := b.CachedCredentials()
		return n == 2
	})
	if err := a.SetRole(ctx, anna.ID, models.RoleTeam); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b sees the new role", func() bool {
		sess, err := b.SessionByToken(ctx, cookie)
		return err == nil && sess.User.Role == models.RoleTeam
	})
	if err := a.RevokeAPIToken(ctx, anna.ID, token.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b refuses the revoked token", func() bool {
		_, err := b.AuthenticateAPIToken(ctx, secret)
		return errors.Is(err, models.ErrNotFound)
	})
	if err := a.RevokeSessionToken(ctx, cookie); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b refuses the ended session", func() bool {
		_, err := b.SessionByToken(ctx, cookie)
		return errors.Is(err, models.ErrNotFound)
	})
}

// TestALastUseForgetsNoCredential: writing when a session or token was
// last used (every five minutes of use) forgets no kept credential, here
// or elsewhere, and is written once.
func TestALastUseForgetsNoCredential(t *testing.T) {
	ctx := context.Background()
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		_, cookie, secret, _ := signedInAnna(t, s)
		use := func() {
			t.Helper()
			if _, err := s.SessionByToken(ctx, cookie); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AuthenticateAPIToken(ctx, secret); err != nil {
				t.Fatal(err)
			}
		}
		use()
		later := s.Now().Add(6 * time.Minute)
		s.SetClock(func() time.Time { return later })
		t.Cleanup(func() { s.SetClock(nil) })
		writes := s.Writes()
		use() // kept, and touched
		if n, _ := s.CachedCredentials(); n != 2 {
			t.Fatalf("after their last use was written, %d credentials are kept, want 2", n)
		}
		if s.Writes() != writes {
			t.Error("writing a last use made the pages out of date")
		}
		var seen, used time.Time
		if err := s.DB().QueryRow("SELECT last_seen_at FROM sessions").Scan(&seen); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow("SELECT last_used_at FROM api_tokens").Scan(&used); err != nil {
			t.Fatal(err)
		}
		if !seen.Equal(later) || !used.Equal(later) {
			t.Fatalf("last seen %s, last used %s, want both %s", seen, used, later)
		}
	})
}

// signedInAnna makes a member, Anna, with a session (its cookie) and an API
// token (its secret and record).
func signedInAnna(t *testing.T, s *models.Store) (anna *models.User, cookie, secret string, token *models.APIToken) {
	t.Helper()
	ctx := context.Background()
	anna, err := s.CreateUser(ctx, models.NewUser{Name: "Anna", Email: "anna@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if cookie, _, err = s.CreateSession(ctx, anna.ID, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if secret, token, err = s.CreateAPIToken(ctx, anna.ID, models.NewAPIToken{Name: "script"}); err != nil {
		t.Fatal(err)
	}
	return anna, cookie, secret, token
}
