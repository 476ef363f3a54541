package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestInboxReadsIndexes: the header's unread count runs on every page a
// member sees, and a page of the inbox on every visit: neither scans a table.
func TestInboxReadsIndexes(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		index   string
		explain func() (string, error)
	}{
		"unread count": {"notifications_unread", func() (string, error) { return s.ExplainUnread(ctx, 1) }},
		"inbox page":   {"notifications_user", func() (string, error) { return s.ExplainInbox(ctx, 1) }},
	} {
		plan, err := c.explain()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(plan, "using "+c.index+" on notifications") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s does not read the index %s:\n%s", name, c.index, plan)
		}
	}
}

// TestFollowedIdeasAreThoseTheMemberMayRead: the list of followed ideas
// leaves out ideas hidden since, and ideas unfollowed; it pages.
func TestFollowedIdeasAreThoseTheMemberMayRead(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		authors := []*models.User{member(t, s, "Bob", models.RoleMember), member(t, s, "Cas", models.RoleMember), member(t, s, "Dirk", models.RoleMember)}
		mod := member(t, s, "Mona", models.RoleModerator)
		var ids []int64
		for i := range models.InboxPerPage + 2 {
			id := idea(t, s, authors[i%len(authors)], fmt.Sprintf("Idea number %d to follow", i), "").ID
			if err := s.Follow(ctx, id, anna, true); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		hidden := true
		if _, err := s.ModerateIdea(ctx, ids[0], mod, models.IdeaModeration{Hidden: &hidden, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Follow(ctx, ids[1], anna, false); err != nil {
			t.Fatal(err)
		}
		first, err := s.FollowedIdeas(ctx, anna, 1)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.FollowedIdeas(ctx, anna, 2)
		if err != nil {
			t.Fatal(err)
		}
		if first.Total != int64(models.InboxPerPage) || len(first.Ideas) != models.InboxPerPage || len(second.Ideas) != 0 {
			t.Fatalf("total %d, %d and %d listed", first.Total, len(first.Ideas), len(second.Ideas))
		}
		for _, i := range first.Ideas {
			if i.ID == ids[0] || i.ID == ids[1] {
				t.Fatalf("idea %d is listed: hidden or unfollowed", i.ID)
			}
		}
		// The moderator may read the hidden idea, so may follow it.
		if err := s.Follow(ctx, ids[0], mod, true); err != nil {
			t.Fatal(err)
		}
		if page, err := s.FollowedIdeas(ctx, mod, 1); err != nil || page.Total != 1 || page.Ideas[0].ID != ids[0] {
			t.Fatalf("the moderator's followed ideas: %+v %v", page, err)
		}
	})
}
