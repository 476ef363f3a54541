package models_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestTriageInboxReadsIndexes reads PostgreSQL's plans of the inbox's views
// in their sorts, on ideas enough for its statistics: each reads the ideas
// from its index, in its order, without sorting them or scanning the table.
func TestTriageInboxReadsIndexes(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	team := member(t, s, "Tess", models.RoleTeam)
	_, err := s.DB().Exec(`INSERT INTO ideas (title, slug, author_id, status_id, votes, state, created_at, updated_at, last_activity_at,
			impact, effort, triaged_at, answered_at, assignee_id)
		SELECT 'Idea ' || i, 'idea', $1, (SELECT MIN(id) FROM statuses), i % 97,
			CASE WHEN i % 50 = 0 THEN 'hidden' ELSE 'published' END,
			now() - i * interval '1 minute', now(), now(),
			CASE WHEN i % 3 = 0 THEN i % 5 + 1 END, CASE WHEN i % 3 = 0 THEN 2 END,
			CASE WHEN i % 40 <> 0 THEN now() END, CASE WHEN i % 40 <> 1 THEN now() END,
			CASE WHEN i % 7 = 0 THEN $1::bigint END
		FROM generate_series(1, 3000) AS i`, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	no := false
	views := map[string]models.TriageOptions{
		"all": {}, "untriaged": {Triaged: &no}, "mine": {Assignee: models.AssigneeMe}, "a person's": {Assignee: strconv.FormatInt(team.ID, 10)},
	}
	// The index each view reads in each sort.
	want := map[string]map[string]string{
		"all":        {"new": "ideas_triage_new", "votes": "ideas_triage_votes", "score": "ideas_triage_score", "age": "ideas_unanswered_age"},
		"untriaged":  {"new": "ideas_untriaged_new", "votes": "ideas_untriaged_votes"},
		"mine":       {"new": "ideas_assignee_new", "votes": "ideas_assignee_votes"},
		"a person's": {"new": "ideas_assignee_new", "votes": "ideas_assignee_votes"},
	}
	for name, o := range views {
		for sort, index := range want[name] {
			o.Sort = sort
			plan, err := s.ExplainTriage(ctx, o, team)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "using "+index+" on ideas") || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort Key: ideas.") {
				t.Errorf("the inbox's %s view, sorted %s, does not read %s in its order:\n%s", name, sort, index, plan)
			}
		}
	}
}

// TestTriageInboxReadsIndexesOnSQLite is the same on SQLite, with ideas
// enough for its statistics to tell that nearly all are published.
func TestTriageInboxReadsIndexesOnSQLite(t *testing.T) {
	s := modelstest.Open(t, models.SQLite)
	ctx := context.Background()
	team := member(t, s, "Tess", models.RoleTeam)
	_, err := s.DB().Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		INSERT INTO ideas (title, slug, author_id, status_id, votes, state, created_at, updated_at, last_activity_at,
			impact, effort, triaged_at, answered_at, assignee_id)
		SELECT 'Idea ' || i, 'idea', ?, (SELECT MIN(id) FROM statuses), i % 97,
			CASE WHEN i % 50 = 0 THEN 'hidden' ELSE 'published' END,
			datetime('now', '-' || i || ' minutes'), datetime('now'), datetime('now'),
			CASE WHEN i % 3 = 0 THEN i % 5 + 1 END, CASE WHEN i % 3 = 0 THEN 2 END,
			CASE WHEN i % 40 <> 0 THEN datetime('now') END, CASE WHEN i % 40 <> 1 THEN datetime('now') END,
			CASE WHEN i % 7 = 0 THEN ? END
		FROM n`, team.ID, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	no := false
	for _, c := range []struct {
		o     models.TriageOptions
		index string
	}{
		{models.TriageOptions{Sort: "new"}, "ideas_triage_new"},
		{models.TriageOptions{Sort: "votes"}, "ideas_triage_votes"},
		{models.TriageOptions{Sort: "score"}, "ideas_triage_score"},
		{models.TriageOptions{Sort: "age"}, "ideas_unanswered_age"},
		{models.TriageOptions{Sort: "new", Triaged: &no}, "ideas_untriaged_new"},
		{models.TriageOptions{Sort: "votes", Triaged: &no}, "ideas_untriaged_votes"},
		{models.TriageOptions{Sort: "new", Assignee: models.AssigneeMe}, "ideas_assignee_new"},
		{models.TriageOptions{Sort: "votes", Assignee: models.AssigneeMe}, "ideas_assignee_votes"},
	} {
		plan, err := s.ExplainTriageSQLite(ctx, c.o, team)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "USING INDEX "+c.index+" ") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("the inbox sorted %s (%+v) does not read %s in its order:\n%s", c.o.Sort, c.o, c.index, plan)
		}
	}
}

func TestScore(t *testing.T) {
	four, three, one := 4, 3, 1
	for _, c := range []struct {
		votes          int
		impact, effort *int
		want           string
	}{
		{2, &four, &three, "2.7"}, {10, &one, &three, "3.3"}, {0, &four, &one, "0.0"}, {5, nil, &three, "nil"}, {5, &four, nil, "nil"},
	} {
		i := models.Idea{Votes: c.votes, Impact: c.impact, Effort: c.effort}
		got := "nil"
		if s := i.Score(); s != nil {
			got = strconv.FormatFloat(*s, 'f', 1, 64)
		}
		if got != c.want {
			t.Errorf("score of %d votes, %v/%v: %s, want %s", c.votes, c.impact, c.effort, got, c.want)
		}
	}
}
