package models_test

import (
	"context"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// TestInvalidationSurvivesALostConnection: two stores on one PostgreSQL
// database hear each other's writes; when the listening connection is cut,
// the store reconnects and forgets everything it kept, since notices may
// have been lost meanwhile.
func TestInvalidationSurvivesALostConnection(t *testing.T) {
	url := modelstest.URL(t, models.Postgres)
	a := modelstest.OpenURL(t, url, models.Options{})
	b := modelstest.Reopen(t, url)
	ctx := context.Background()
	listening(t, a, b)

	// A write through a reaches b.
	before := b.Writes()
	if _, err := a.CreateUser(ctx, models.NewUser{Name: "Anna", Email: "anna@example.com", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b hears a's write", func() bool { return b.Writes() > before })

	// Cut every listening connection on the server: each store reconnects
	// and forgets what it kept.
	before = b.Writes()
	var cut int
	err := a.DB().QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN ` + models.InvalidateChannel + `%'`).Scan(&cut)
	if err != nil || cut != 2 {
		t.Fatalf("cut %d listening connections, want 2 (%v)", cut, err)
	}
	waitFor(t, "b listens again and forgets", func() bool { return b.Listening() && b.Writes() > before })

	// And hears the next write.
	before = b.Writes()
	if _, err := a.CreateUser(ctx, models.NewUser{Name: "Bram", Email: "bram@example.com", EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b hears a's write after reconnecting", func() bool { return b.Writes() > before })
}

// listening starts the stores' jobs, their listeners among them, until the
// test ends, and waits until each listens.
func listening(t *testing.T, stores ...*models.Store) {
	t.Helper()
	for _, s := range stores {
		if err := s.StartJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.StopJobs(context.Background()) })
		waitFor(t, "the store listens", s.Listening)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
