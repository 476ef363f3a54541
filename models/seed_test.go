package models_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// seedQuery writes a query's ? placeholders as the dialect wants them.
func seedQuery(s *models.Store, query string) string {
	if s.Dialect() != models.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// seedCount runs a counting query.
func seedCount(t *testing.T, s *models.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(seedQuery(s, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkCounters fails t unless every idea's counters equal its rows.
func checkCounters(t *testing.T, s *models.Store) {
	t.Helper()
	off := seedCount(t, s, `SELECT COUNT(*) FROM ideas i
		WHERE i.votes <> (SELECT COUNT(*) FROM votes v WHERE v.idea_id = i.id)
		   OR i.comments <> (SELECT COUNT(*) FROM comments c WHERE c.idea_id = i.id)`)
	if off != 0 {
		t.Errorf("%d ideas have counters that differ from their rows", off)
	}
}

// checkReplies fails t unless every reply answers a top-level comment on the
// same idea, written before it.
func checkReplies(t *testing.T, s *models.Store) int {
	t.Helper()
	bad := seedCount(t, s, `SELECT COUNT(*) FROM comments r JOIN comments p ON p.id = r.parent_id
		WHERE p.idea_id <> r.idea_id OR p.parent_id IS NOT NULL OR p.created_at > r.created_at`)
	if bad != 0 {
		t.Errorf("%d replies do not answer an earlier thread on their idea", bad)
	}
	return seedCount(t, s, "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL")
}

func TestSeedDemo(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		got, err := s.SeedDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := models.SeedCounts{Users: 13, Ideas: 40,
			Votes:    seedCount(t, s, "SELECT COUNT(*) FROM votes"),
			Comments: seedCount(t, s, "SELECT COUNT(*) FROM comments")}
		if got != want || seedCount(t, s, "SELECT COUNT(*) FROM users") != 13 || seedCount(t, s, "SELECT COUNT(*) FROM ideas") != 40 {
			t.Errorf("reported %+v; the database holds %+v", got, want)
		}
		if want.Votes < 150 || want.Comments < 30 {
			t.Errorf("a thin demo: %+v", want)
		}
		if n := seedCount(t, s, "SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL"); n != 2 {
			t.Errorf("the demo's review queue holds %d open reports, want 2", n)
		}

		categories, err := s.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		dutch := map[string]string{}
		for _, c := range categories {
			slugs = append(slugs, c.Slug)
			dutch[c.Slug] = c.NameIn("nl")
		}
		if dutch["battery-range"] != "Accu en bereik" || dutch["lock-security"] != "Slot en beveiliging" || dutch["features"] != "Nieuwe functies" {
			t.Errorf("Dutch names of the categories: %v", dutch)
		}
		for _, slug := range []string{"features", "improvements", "problems", "frame", "battery-range", "lock-security", "app", "accessories"} {
			if !slices.Contains(slugs, slug) {
				t.Errorf("no category %q among %v", slug, slugs)
			}
		}
		for _, slug := range []string{"frame", "battery-range", "lock-security", "app", "accessories"} {
			if n := seedCount(t, s, "SELECT COUNT(*) FROM ideas JOIN categories c ON c.id = ideas.category_id WHERE c.slug = ?", slug); n < 5 {
				t.Errorf("category %s has %d ideas", slug, n)
			}
		}

		if n := seedCount(t, s, "SELECT COUNT(DISTINCT status_id) FROM ideas"); n < 4 {
			t.Errorf("%d statuses in use, want at least 4", n)
		}
		// The team answered in public, and said why when declining.
		team, err := s.UserByEmail(ctx, models.DemoTeamEmail)
		if err != nil || team.Role != models.RoleTeam {
			t.Fatalf("the team member: %+v, %v", team, err)
		}
		if n := seedCount(t, s, "SELECT COUNT(*) FROM status_changes WHERE actor_id = ? AND note <> ''", team.ID); n < 10 {
			t.Errorf("%d status answers by the team", n)
		}
		if n := seedCount(t, s, `SELECT COUNT(*) FROM ideas JOIN statuses st ON st.id = ideas.status_id
			WHERE st.slug = 'declined' AND NOT EXISTS (SELECT 1 FROM status_changes sc
			WHERE sc.idea_id = ideas.id AND sc.to_status_id = st.id AND LENGTH(sc.note) > 40)`); n != 0 {
			t.Errorf("%d declined ideas without an answer saying why", n)
		}
		if n := seedCount(t, s, "SELECT COUNT(*) FROM users WHERE role = 'moderator'"); n != 1 {
			t.Errorf("%d moderators", n)
		}
		// A few ideas are popular, most are not.
		if top := seedCount(t, s, "SELECT MAX(votes) FROM ideas"); top < 10 {
			t.Errorf("the most popular idea has %d votes", top)
		}
		if few := seedCount(t, s, "SELECT COUNT(*) FROM ideas WHERE votes <= 4"); few < 15 {
			t.Errorf("only %d ideas with few votes", few)
		}
		if replies := checkReplies(t, s); replies < 5 {
			t.Errorf("%d replies", replies)
		}
		checkCounters(t, s)
		for _, table := range []string{"ideas", "votes", "comments", "status_changes", "users"} {
			var latest time.Time
			if err := s.DB().QueryRow("SELECT created_at FROM " + table + " ORDER BY created_at DESC LIMIT 1").Scan(&latest); err != nil {
				t.Fatal(err)
			}
			if latest.After(time.Now()) {
				t.Errorf("%s: created in the future: %v", table, latest)
			}
		}
		list, err := s.ListIdeas(ctx, models.ListOptions{Sort: models.SortTop}, nil)
		if err != nil || list.Total != 40 || list.Ideas[0].Votes < 10 {
			t.Fatalf("the board: %+v, %v", list, err)
		}

		// Trending is what members vote for lately: the first has as many
		// votes of the last two weeks as any idea, each of the first five at
		// least three, and no idea only its author voted for is in the first ten.
		trending, err := s.ListIdeas(ctx, models.ListOptions{Sort: models.SortHot, PerPage: models.MaxPerPage}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var latest time.Time
		if err := s.DB().QueryRow("SELECT created_at FROM votes ORDER BY created_at DESC LIMIT 1").Scan(&latest); err != nil {
			t.Fatal(err)
		}
		recent := func(id int64) int {
			return seedCount(t, s, "SELECT COUNT(*) FROM votes WHERE idea_id = ? AND created_at > ?", id, latest.Add(-14*24*time.Hour))
		}
		most := 0
		for _, idea := range trending.Ideas {
			most = max(most, recent(idea.ID))
		}
		if most == 0 || recent(trending.Ideas[0].ID) != most {
			t.Errorf("the first trending idea %q has %d recent votes, another %d", trending.Ideas[0].Title, recent(trending.Ideas[0].ID), most)
		}
		for i, idea := range trending.Ideas[:10] {
			if n := recent(idea.ID); (i < 5 && n < 3) || idea.Votes < 2 {
				t.Errorf("trending %d: %q with %d votes, %d of the last two weeks", i+1, idea.Title, idea.Votes, n)
			}
		}

		// A second run adds nothing.
		if _, err := s.SeedDemo(ctx); !errors.Is(err, models.ErrDemoSeeded) {
			t.Fatalf("second run: %v, want ErrDemoSeeded", err)
		}
		again := models.SeedCounts{Users: seedCount(t, s, "SELECT COUNT(*) FROM users"), Ideas: seedCount(t, s, "SELECT COUNT(*) FROM ideas"),
			Votes: seedCount(t, s, "SELECT COUNT(*) FROM votes"), Comments: seedCount(t, s, "SELECT COUNT(*) FROM comments")}
		if want.Users = 13; again != want || len(categories) != seedCount(t, s, "SELECT COUNT(*) FROM categories") {
			t.Errorf("after a second run the database holds %+v, want %+v", again, want)
		}
	})
}

func TestSeedEnsureCategoryKeepsAnExistingOne(t *testing.T) {
	s := modelstest.Open(t, models.SQLite)
	ctx := context.Background()
	if err := s.EnsureCategory(ctx, models.Category{Slug: "frame", Name: "Frame", NameNL: "Frame", Description: "Sizes and geometry.", Position: 4}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureCategory(ctx, models.Category{Slug: "frame", Name: "Another name", NameNL: "Een andere naam", Position: 9}); err != nil {
		t.Fatal(err)
	}
	c, err := s.CategoryBySlug(ctx, "frame")
	if err != nil || c.Name != "Frame" || c.NameNL != "Frame" || c.Description != "Sizes and geometry." || c.Position != 4 {
		t.Fatalf("%+v, %v", c, err)
	}
}

// benchFingerprint hashes what bench data is made of, in key order.
func benchFingerprint(t *testing.T, s *models.Store) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		"SELECT idea_id, user_id, created_at FROM votes ORDER BY idea_id, user_id",
		"SELECT id, title, body, author_id, category_id, status_id, votes, comments, hot, created_at, last_activity_at FROM ideas ORDER BY id",
		"SELECT id, idea_id, user_id, parent_id, body, created_at FROM comments ORDER BY id",
		"SELECT id, name, email, role FROM users ORDER BY id",
		"SELECT id, idea_id, to_status_id, note, created_at FROM status_changes ORDER BY id",
	} {
		rows, err := s.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(h, "%v|", v)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestSeedBench(t *testing.T) {
	size := models.BenchSize{Users: 50, Ideas: 200, Votes: 2000, Comments: 300}
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		got, err := s.SeedBench(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		held := models.SeedCounts{Users: seedCount(t, s, "SELECT COUNT(*) FROM users"), Ideas: seedCount(t, s, "SELECT COUNT(*) FROM ideas"),
			Votes: seedCount(t, s, "SELECT COUNT(*) FROM votes"), Comments: seedCount(t, s, "SELECT COUNT(*) FROM comments")}
		if want := models.SeedCounts(size); got != want || held != want {
			t.Fatalf("reported %+v, the database holds %+v, want %+v", got, held, want)
		}
		checkCounters(t, s)
		// The analytics' rollups, whose triggers the bulk load went past, hold
		// every counted vote and comment, and their triggers are back.
		counted := "JOIN ideas i ON i.id = x.idea_id WHERE i.state = 'published' AND i.merged_into IS NULL"
		if rolled, rows := seedCount(t, s, "SELECT COALESCE(SUM(votes), 0) FROM analytics_days"),
			seedCount(t, s, "SELECT COUNT(*) FROM votes x "+counted); rolled != rows || rows == 0 {
			t.Errorf("the rollups hold %d votes, the rows %d", rolled, rows)
		}
		if rolled, rows := seedCount(t, s, "SELECT COALESCE(SUM(comments), 0) FROM analytics_days"),
			seedCount(t, s, "SELECT COUNT(*) FROM comments x "+counted+" AND x.state = 'published' AND NOT x.internal"); rolled != rows || rows == 0 {
			t.Errorf("the rollups hold %d comments, the rows %d", rolled, rows)
		}
		if replies := checkReplies(t, s); replies < 30 {
			t.Errorf("%d replies among 300 comments", replies)
		}

		// Spread over every category and status.
		if n, all := seedCount(t, s, "SELECT COUNT(DISTINCT category_id) FROM ideas"), seedCount(t, s, "SELECT COUNT(*) FROM categories"); n != all || all < 6 {
			t.Errorf("ideas in %d of %d categories, want at least 6", n, all)
		}
		if n, all := seedCount(t, s, "SELECT COUNT(DISTINCT status_id) FROM ideas"), seedCount(t, s, "SELECT COUNT(*) FROM statuses"); n != all {
			t.Errorf("ideas in %d of %d statuses", n, all)
		}
		if n := seedCount(t, s, `SELECT COUNT(*) FROM ideas i JOIN statuses st ON st.id = i.status_id
			WHERE st.kind <> 'open' AND NOT EXISTS (SELECT 1 FROM status_changes sc WHERE sc.idea_id = i.id AND sc.to_status_id = i.status_id)`); n != 0 {
			t.Errorf("%d ideas moved on without a status change", n)
		}
		// Skewed: the most popular ideas reach every member, the median few.
		var votes []int
		rows, err := s.DB().Query("SELECT votes FROM ideas ORDER BY votes")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			votes = append(votes, v)
		}
		rows.Close()
		if top, median := votes[len(votes)-1], votes[len(votes)/2]; top != size.Users || median*5 > top {
			t.Errorf("votes are not skewed: top %d, median %d", top, median)
		}
		if n := seedCount(t, s, "SELECT COUNT(*) FROM votes v JOIN ideas i ON i.id = v.idea_id WHERE v.created_at < i.created_at"); n != 0 {
			t.Errorf("%d votes before their idea", n)
		}

		// Every trending score is models.TrendScore of its idea's votes, and
		// a vote cast and withdrawn (which makes the model recompute it)
		// leaves it as it was.
		voteTimes := map[int64][]time.Time{}
		rows, err = s.DB().Query("SELECT idea_id, created_at FROM votes")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				t.Fatal(err)
			}
			voteTimes[id] = append(voteTimes[id], at)
		}
		rows.Close()
		rows, err = s.DB().Query("SELECT id, hot, created_at FROM ideas")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var (
				id      int64
				hot     float64
				created time.Time
			)
			if err := rows.Scan(&id, &hot, &created); err != nil {
				t.Fatal(err)
			}
			if want := models.TrendScore(created, voteTimes[id]); math.Abs(hot-want) > 1e-9*math.Abs(want) {
				t.Errorf("idea %d: hot %v, want %v", id, hot, want)
			}
		}
		rows.Close()
		var ideaID, userID int64
		var hot float64
		err = s.DB().QueryRow(`SELECT i.id, u.id, i.hot FROM ideas i JOIN statuses st ON st.id = i.status_id, users u
			WHERE st.kind = 'open' AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = u.id)
			ORDER BY i.votes DESC, i.id, u.id LIMIT 1`).Scan(&ideaID, &userID, &hot)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Vote(ctx, ideaID, userID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Unvote(ctx, ideaID, userID); err != nil {
			t.Fatal(err)
		}
		var recomputed float64
		if err := s.DB().QueryRow(seedQuery(s, "SELECT hot FROM ideas WHERE id = ?"), ideaID).Scan(&recomputed); err != nil {
			t.Fatal(err)
		}
		if math.Abs(recomputed-hot) > 1e-9 {
			t.Errorf("idea %d: seeded hot %v, the model's %v", ideaID, hot, recomputed)
		}

		// The same data on a fresh database.
		fresh := modelstest.Open(t, s.Dialect())
		if _, err := fresh.SeedBench(ctx, size); err != nil {
			t.Fatal(err)
		}
		if a, b := benchFingerprint(t, s), benchFingerprint(t, fresh); a != b {
			t.Errorf("two runs on fresh databases differ: %s, %s", a, b)
		}

		// It adds to what is there, and the app carries on after it.
		if _, err := s.SeedBench(ctx, models.BenchSize{Users: 5, Ideas: 10, Votes: 20, Comments: 5}); err != nil {
			t.Fatal(err)
		}
		if n := seedCount(t, s, "SELECT COUNT(*) FROM ideas"); n != 210 {
			t.Errorf("%d ideas after a second run", n)
		}
		checkCounters(t, s)
		u, err := s.CreateUser(ctx, models.NewUser{Name: "After the seed", Email: "after@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		i, err := s.CreateIdea(ctx, u, models.NewIdea{Title: "An idea after the seed", Category: "features"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateComment(ctx, i.ID, u, models.NewComment{Body: "And a comment."}); err != nil {
			t.Fatal(err)
		}
		// Triggers are back after the load: a vote withdrawn leaves the rollups.
		before := seedCount(t, s, "SELECT COALESCE(SUM(votes), 0) FROM analytics_days")
		idea := seedCount(t, s, "SELECT MIN(idea_id) FROM votes x "+counted)
		voter := seedCount(t, s, "SELECT MIN(user_id) FROM votes WHERE idea_id = ?", idea)
		if _, _, err := s.Unvote(ctx, int64(idea), int64(voter)); err != nil {
			t.Fatal(err)
		}
		if after := seedCount(t, s, "SELECT COALESCE(SUM(votes), 0) FROM analytics_days"); after != before-1 {
			t.Errorf("a vote withdrawn after the seed: the rollups went from %d to %d votes", before, after)
		}
	})
}

func TestSeedBenchSizeValidate(t *testing.T) {
	for _, tc := range []struct {
		size  models.BenchSize
		field string // "" when valid
	}{
		{models.BenchSize{Users: 20000, Ideas: 100000, Votes: 1000000, Comments: 200000}, ""},
		{models.BenchSize{Users: 3, Ideas: 4, Votes: 12}, ""},
		{models.BenchSize{Users: 5}, ""},
		{models.BenchSize{Users: 3, Ideas: 4, Votes: 13}, "votes"},
		{models.BenchSize{Users: -1}, "users"},
		{models.BenchSize{Users: 1, Ideas: 1, Comments: -3}, "comments"},
		{models.BenchSize{Ideas: 4}, "ideas"},
		{models.BenchSize{Users: 2, Votes: 1}, "votes"},
		{models.BenchSize{Users: 2, Comments: 1}, "comments"},
	} {
		err := tc.size.Validate()
		var verrs models.ValidationErrors
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.size, err)
		case tc.field != "" && (!errors.As(err, &verrs) || verrs[tc.field] == ""):
			t.Errorf("%+v: %v, want an error for %s", tc.size, err, tc.field)
		}
	}
}
