package models_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// TestTriageBackfill upgrades a database that holds ideas from before the
// triage (migration 00010) and checks when each idea counts as answered and
// triaged: what the team did before the upgrade counts as if it had been
// stored then.
func TestTriageBackfill(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := modelstest.Reopen(t, modelstest.URL(t, dialect))
			if err := s.MigrateTo(ctx, 10); err != nil {
				t.Fatal(err)
			}
			db := s.Gorm().WithContext(ctx)
			exec := func(sql string, args ...any) {
				t.Helper()
				if err := db.Exec(sql, args...).Error; err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			day := func(n int) time.Time { return time.Date(2026, 3, n, 9, 0, 0, 0, time.UTC) }
			for id, u := range []struct{ name, role string }{{"Anna", "member"}, {"Tess", "team"}, {"Mo", "moderator"}, {"Bram", "member"}} {
				exec("INSERT INTO users (id, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", id+1, u.name, u.role, day(1), day(1))
			}
			const anna, tess, mo, bram = 1, 2, 3, 4
			var open, planned int64
			db.Raw("SELECT id FROM statuses WHERE slug = 'open'").Scan(&open)
			db.Raw("SELECT id FROM statuses WHERE slug = 'planned'").Scan(&planned)
			idea := func(id, author int64, assignee any) {
				exec(`INSERT INTO ideas (id, title, slug, author_id, status_id, assignee_id, created_at, updated_at, last_activity_at)
					VALUES (?, 'Idea', 'idea', ?, ?, ?, ?, ?, ?)`, id, author, open, assignee, day(2), day(20+int(id)), day(2))
			}
			change := func(ideaID, actor int64, note string, at time.Time) {
				exec(`INSERT INTO status_changes (idea_id, from_status_id, to_status_id, note, actor_id, created_at)
					VALUES (?, ?, ?, ?, ?, ?)`, ideaID, open, planned, note, actor, at)
			}
			comment := func(ideaID, user int64, internal bool, state string, at time.Time) {
				exec(`INSERT INTO comments (idea_id, user_id, body, body_html, internal, state, created_at, updated_at)
					VALUES (?, ?, 'x', '<p>x</p>', ?, ?, ?, ?)`, ideaID, user, internal, state, at, at)
			}
			// 1: a moderator's public comment, then the team's answer: answered at the comment.
			idea(1, anna, nil)
			comment(1, mo, false, "published", day(5))
			change(1, tess, "On the list.", day(6))
			// 2: a status change without a word: triaged, not answered.
			idea(2, anna, nil)
			change(2, tess, "", day(7))
			// 3: the team's own idea, answered by a moderator.
			idea(3, tess, nil)
			comment(3, mo, false, "published", day(8))
			// 4: an internal note, a hidden comment and a member's comment answer nothing.
			idea(4, anna, nil)
			comment(4, tess, true, "published", day(9))
			comment(4, mo, false, "hidden", day(10))
			comment(4, bram, false, "published", day(11))
			// 5: an assignee alone triages it, as of its last change.
			idea(5, anna, tess)
			// 6: the team's author answering their own idea does not answer it.
			idea(6, tess, nil)
			change(6, tess, "We will.", day(12))

			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var rows []struct {
				ID                    int64
				AnsweredAt, TriagedAt *time.Time
			}
			if err := db.Raw("SELECT id, answered_at, triaged_at FROM ideas ORDER BY id").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			want := map[int64][2]*time.Time{
				1: {ptr(day(5)), ptr(day(5))},
				2: {nil, ptr(day(7))},
				3: {ptr(day(8)), ptr(day(8))},
				4: {nil, nil},
				5: {nil, ptr(day(25))},
				6: {nil, ptr(day(12))},
			}
			same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
			for _, r := range rows {
				w := want[r.ID]
				if !same(r.AnsweredAt, w[0]) || !same(r.TriagedAt, w[1]) {
					t.Errorf("idea %d: answered %v triaged %v, want %v and %v", r.ID, r.AnsweredAt, r.TriagedAt, w[0], w[1])
				}
			}
			if len(rows) != len(want) {
				t.Fatalf("%d ideas after the upgrade, want %d", len(rows), len(want))
			}
		})
	}
}

// TestCategoryNamesMigration: migration 00023 gives the default categories
// their Dutch names and others none, and goes down and up again.
func TestCategoryNamesMigration(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := modelstest.Reopen(t, modelstest.URL(t, dialect))
			if err := s.MigrateTo(ctx, 22); err != nil {
				t.Fatal(err)
			}
			db := s.Gorm().WithContext(ctx)
			if err := db.Exec("INSERT INTO categories (slug, name, description, position, created_at) VALUES ('lights', 'Lights', '', 4, ?)", time.Now()).Error; err != nil {
				t.Fatal(err)
			}
			dutch := func() map[string]string {
				t.Helper()
				var rows []struct{ Slug, NameNL string }
				if err := db.Raw("SELECT slug, name_nl FROM categories ORDER BY slug").Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, r := range rows {
					out[r.Slug] = r.NameNL
				}
				return out
			}
			want := map[string]string{"features": "Nieuwe functies", "improvements": "Verbeteringen", "problems": "Problemen", "lights": ""}
			for round := range 2 {
				if err := s.MigrateTo(ctx, 23); err != nil {
					t.Fatal(err)
				}
				if got := dutch(); !maps.Equal(got, want) {
					t.Fatalf("round %d: Dutch names %v, want %v", round, got, want)
				}
				if err := db.Exec("UPDATE categories SET name_nl = 'Functies' WHERE slug = 'features'").Error; err != nil {
					t.Fatal(err)
				}
				if err := s.MigrateDownTo(ctx, 22); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := db.Raw("SELECT COUNT(*) FROM categories WHERE name_nl = ''").Scan(&n).Error; err == nil {
					t.Fatalf("round %d: name_nl is still there after the migration went down", round)
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := s.CategoryBySlug(ctx, "problems")
			if err != nil || c.NameIn("nl") != "Problemen" || c.NameIn("en") != "Problems" {
				t.Fatalf("%+v, %v", c, err)
			}
		})
	}
}

// TestTrustLevelsMigration: migration 00025 starts trusted members at level
// 1 with a recorded change, others at 0, and goes down and up again.
func TestTrustLevelsMigration(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := modelstest.Reopen(t, modelstest.URL(t, dialect))
			if err := s.MigrateTo(ctx, 24); err != nil {
				t.Fatal(err)
			}
			db := s.Gorm().WithContext(ctx)
			now := time.Now()
			for _, u := range []struct {
				name    string
				trusted bool
			}{{"Tess", true}, {"Nico", false}} {
				err := db.Exec("INSERT INTO users (name, role, approvals, trusted, created_at, updated_at) VALUES (?, 'member', 3, ?, ?, ?)", u.name, u.trusted, now, now).Error
				if err != nil {
					t.Fatal(err)
				}
			}
			for round := range 2 {
				if err := s.MigrateTo(ctx, 25); err != nil {
					t.Fatal(err)
				}
				var rows []struct {
					Name       string
					TrustLevel int
					Trusted    bool
					Changes    int
				}
				err := db.Raw(`SELECT name, trust_level, trusted, (SELECT COUNT(*) FROM trust_changes WHERE user_id = users.id AND to_level = 1) AS changes
					FROM users ORDER BY name`).Scan(&rows).Error
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 || rows[0].Name != "Nico" || rows[0].TrustLevel != 0 || rows[0].Changes != 0 ||
					rows[1].TrustLevel != 1 || !rows[1].Trusted || rows[1].Changes != 1 {
					t.Fatalf("round %d: %+v", round, rows)
				}
				if err := s.MigrateDownTo(ctx, 24); err != nil {
					t.Fatal(err)
				}
				var trusted int
				if err := db.Raw("SELECT COUNT(*) FROM users WHERE trusted").Scan(&trusted).Error; err != nil || trusted != 1 {
					t.Fatalf("round %d: after going down, %d trusted (%v)", round, trusted, err)
				}
			}
		})
	}
}
