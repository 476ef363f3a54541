package models_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// columns lists "table.column" for every table of Samen's own schema.
func columns(t *testing.T, s *models.Store) []string {
	t.Helper()
	var q string
	if s.Dialect() == models.Postgres {
		// ideas.search is PostgreSQL's full-text column; SQLite keeps an FTS5 table instead.
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
		     WHERE table_schema = 'public' AND NOT (table_name = 'ideas' AND column_name = 'search')`
	} else {
		q = `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'ideas_fts%'`
	}
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestMigrationsGiveBothDialectsTheSameSchema(t *testing.T) {
	lite := columns(t, modelstest.Open(t, models.SQLite))
	pg := columns(t, modelstest.Open(t, models.Postgres))
	if len(lite) < 20 {
		t.Fatalf("SQLite has only %d columns: %v", len(lite), lite)
	}
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, c := range list {
			m[c] = true
		}
		return m
	}
	liteSet, pgSet := in(lite), in(pg)
	for _, c := range lite {
		if !pgSet[c] {
			t.Errorf("%s exists on SQLite only", c)
		}
	}
	for _, c := range pg {
		if !liteSet[c] {
			t.Errorf("%s exists on PostgreSQL only", c)
		}
	}
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		applied, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %q, want none", applied)
		}
	})
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	url := modelstest.URL(t, models.Postgres)
	ctx := context.Background()
	const instances = 4
	applied := make([][]string, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			s, err := models.Open(ctx, url, models.Options{})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			applied[i], errs[i] = s.Migrate(ctx)
		})
	}
	wg.Wait()
	total := 0
	for i := range instances {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	s := modelstest.Reopen(t, url)
	if want := models.MigrationCount(); total != want {
		t.Fatalf("instances applied %d migrations together, want %d (each once)", total, want)
	}
	if _, err := s.CreateUser(ctx, models.NewUser{Name: "After", Email: "after@example.com"}); err != nil {
		t.Fatalf("the migrated database does not serve: %v", err)
	}
}

func TestUsers(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, models.NewUser{Name: "  Anna  ", Email: "Anna@Example.COM"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Anna" || *u.Email != "anna@example.com" || u.Role != models.RoleMember {
			t.Fatalf("stored %+v", u)
		}
		if _, err := s.CreateUser(ctx, models.NewUser{Name: "Other", Email: "anna@example.com"}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate email: got %v, want ErrConflict", err)
		}
		var verrs models.ValidationErrors
		_, err = s.CreateUser(ctx, models.NewUser{Name: "", Email: "not-an-email", Role: "owner"})
		if !errors.As(err, &verrs) || verrs["name"] == "" || verrs["email"] == "" || verrs["role"] == "" {
			t.Fatalf("invalid user: got %v", err)
		}
		if err := s.SetRole(ctx, u.ID, models.RoleTeam); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByEmail(ctx, "ANNA@example.com")
		if err != nil || got.Role != models.RoleTeam {
			t.Fatalf("after SetRole: %+v, %v", got, err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown email: got %v", err)
		}
		if err := s.SetRole(ctx, 99999, models.RoleTeam); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: got %v", err)
		}
	})
}

// A provider's name that PostgreSQL cannot store (a NUL byte) or that is not
// UTF-8 is passed over for the next name the profile gives.
func TestDisplayNameSkipsWhatCannotBeStored(t *testing.T) {
	for _, c := range []struct {
		profile models.Profile
		want    string
	}{
		{models.Profile{Name: "An\x00na", Nickname: "anna_b"}, "anna_b"},
		{models.Profile{Name: "\xff\xfe", Email: "anna@example.com"}, "anna"},
		{models.Profile{Name: "\x00", Nickname: "\x00"}, "Member"},
		{models.Profile{Name: "  Anna  "}, "Anna"},
	} {
		if got := c.profile.DisplayName(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.profile, got, c.want)
		}
	}
}

func TestSessions(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, models.NewUser{Name: "Bram", Email: "bram@example.com"})
		token, sess, err := s.CreateSession(ctx, u.ID, "Firefox", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.SessionByToken(ctx, token)
		if err != nil || got.ID != sess.ID || got.User.Name != "Bram" {
			t.Fatalf("SessionByToken: %+v, %v", got, err)
		}
		if _, err := s.SessionByToken(ctx, token+"x"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("wrong token: %v", err)
		}
		other, _ := s.CreateUser(ctx, models.NewUser{Name: "Other"})
		if err := s.RevokeSession(ctx, other.ID, sess.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("revoking another user's session: %v", err)
		}
		if err := s.RevokeSession(ctx, u.ID, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("revoked session still works: %v", err)
		}

		// Expiry: the clock moves past the session's end.
		token, _, _ = s.CreateSession(ctx, u.ID, "", "")
		start := s.Now()
		s.SetClock(func() time.Time { return start.Add(models.SessionTTL + time.Minute) })
		if _, err := s.SessionByToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired session still works: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, models.NewUser{Name: "Cas", Email: "cas@example.com"})
		token, rec, err := s.CreateAPIToken(ctx, u.ID, models.NewAPIToken{Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.TokenHash) == token {
			t.Fatal("the token is stored as is")
		}
		got, err := s.AuthenticateAPIToken(ctx, token)
		if err != nil || got.User.ID != u.ID {
			t.Fatalf("AuthenticateAPIToken: %+v, %v", got, err)
		}
		for _, bad := range []string{"", "samen_", token + "x", "Bearer " + token} {
			if _, err := s.AuthenticateAPIToken(ctx, bad); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		if err := s.RevokeAPIToken(ctx, u.ID, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("revoked token still works: %v", err)
		}

		// A token with a lifetime stops working at its end.
		short, rec, err := s.CreateAPIToken(ctx, u.ID, models.NewAPIToken{Name: "short", Expires: "12h", ReadOnly: true})
		if err != nil || rec.ExpiresAt == nil || !rec.ReadOnly {
			t.Fatalf("short token: %+v, %v", rec, err)
		}
		start := s.Now()
		s.SetClock(func() time.Time { return start.Add(11 * time.Hour) })
		if got, err := s.AuthenticateAPIToken(ctx, short); err != nil || !got.ReadOnly {
			t.Fatalf("before its end: %+v, %v", got, err)
		}
		s.SetClock(func() time.Time { return start.Add(12*time.Hour + time.Second) })
		if _, err := s.AuthenticateAPIToken(ctx, short); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired token still works: %v", err)
		}
		for _, bad := range []string{"soon", "0d", "-1h", "12m", "3651d", "d"} {
			var verrs models.ValidationErrors
			if _, _, err := s.CreateAPIToken(ctx, u.ID, models.NewAPIToken{Expires: bad}); !errors.As(err, &verrs) || verrs["expires"] == "" {
				t.Errorf("expires %q: %v", bad, err)
			}
		}
	})
}

func TestCleanupJobDeletesExpiredSessions(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		u, _ := s.CreateUser(ctx, models.NewUser{Name: "Dirk"})
		s.SetClock(func() time.Time { return time.Now().UTC().Add(-models.SessionTTL - time.Hour) })
		if _, _, err := s.CreateSession(ctx, u.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		s.SetClock(nil)
		live, _, _ := s.CreateSession(ctx, u.ID, "", "")

		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stop, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := s.StopJobs(stop); err != nil {
				t.Errorf("stop jobs: %v", err)
			}
		}()
		// The periodic job runs once at start; wait (bounded) for its effect.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var n int
			if err := s.DB().QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cleanup job did not run: %d sessions remain", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := s.SessionByToken(ctx, live); err != nil {
			t.Fatalf("live session removed: %v", err)
		}
	})
}
