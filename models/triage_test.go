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
// in every sort: each reads the ideas from an index, in its order, without
// sorting them or scanning the table.
func TestTriageInboxReadsIndexes(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	team := member(t, s, "Tess", models.RoleTeam)
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	no := false
	views := map[string]models.TriageOptions{
		"all": {}, "untriaged": {Triaged: &no}, "mine": {Assignee: models.AssigneeMe}, "a person's": {Assignee: "7"},
	}
	// The index each view reads in each sort.
	want := map[string]map[string]string{
		"all":        {"new": "ideas_triage_new", "votes": "ideas_triage_votes", "score": "ideas_triage_score", "age": "ideas_unanswered_age"},
		"untriaged":  {"new": "ideas_untriaged_new", "votes": "ideas_untriaged_votes", "score": "ideas_triage_score", "age": "ideas_unanswered_age"},
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
