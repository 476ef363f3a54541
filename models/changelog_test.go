package models_test

import (
	"context"
	"errors"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

func TestChangelogCreditsListsAndShipping(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		user := func(name string, role models.Role) *models.User {
			u, err := s.CreateUser(ctx, models.NewUser{Name: name, Email: name + "@example.com", Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		anna, bram, cas := user("Anna", models.RoleMember), user("Bram", models.RoleMember), user("Cas", models.RoleMember)
		mo, tess := user("Mo", models.RoleModerator), user("Tess", models.RoleTeam)
		idea := func(author *models.User, title string) *models.Idea {
			i, err := s.CreateIdea(ctx, author, models.NewIdea{Title: title})
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		a1, a2, b1, c1 := idea(anna, "Anna's first idea here"), idea(anna, "Anna's second idea here"), idea(bram, "Bram's only idea here"), idea(cas, "Cas's hidden idea here")
		if _, err := s.ModerateIdea(ctx, c1.ID, mo, models.IdeaModeration{Hidden: ptr(true), Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		write := func(title string, publish, ship bool, ids ...int64) *models.ChangelogEntry {
			e, err := s.CreateChangelogEntry(ctx, tess, models.ChangelogInput{Title: &title, Ideas: &ids, Publish: &publish, Ship: ship})
			if err != nil {
				t.Fatalf("%s: %v", title, err)
			}
			return e
		}

		// Members may not write; an empty title and unknown ideas are invalid.
		title := "Not for members"
		if _, err := s.CreateChangelogEntry(ctx, anna, models.ChangelogInput{Title: &title}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member wrote an entry: %v", err)
		}
		var invalid models.ValidationErrors
		if _, err := s.CreateChangelogEntry(ctx, tess, models.ChangelogInput{}); !errors.As(err, &invalid) || invalid["title"] == "" {
			t.Fatalf("an entry without a title: %v", err)
		}

		// Credits: each author once, in the order of the ideas; not the
		// author of a hidden idea, not even for the team that sees it.
		shipped := write("Spring update", true, true, a1.ID, b1.ID, a2.ID, c1.ID)
		if len(shipped.Ideas) != 4 || len(shipped.Credits) != 2 || shipped.Credits[0].ID != anna.ID || shipped.Credits[1].ID != bram.ID {
			t.Fatalf("ideas %d, credits %+v", len(shipped.Ideas), shipped.Credits)
		}
		seen, err := s.ChangelogEntry(ctx, shipped.ID, nil)
		if err != nil || len(seen.Ideas) != 3 || len(seen.Credits) != 2 {
			t.Fatalf("a visitor sees %+v, %v", seen, err)
		}

		// Shipping went through the status change of any other answer.
		for _, id := range []int64{a1.ID, a2.ID, b1.ID} {
			i, err := s.Idea(ctx, id, nil)
			if err != nil || i.Status.Kind != models.KindDone {
				t.Fatalf("idea %d after shipping: %+v %v", id, i, err)
			}
			in, err := s.ShippedIn(ctx, id)
			if err != nil || len(in) != 1 || in[0].ID != shipped.ID {
				t.Fatalf("idea %d shipped in %+v %v", id, in, err)
			}
		}
		log, _, err := s.AuditLog(ctx, models.AuditFilter{Page: 1, Action: models.AuditIdeaStatus, ActorID: tess.ID})
		if err != nil || len(log) != 3 {
			t.Fatalf("status changes in the audit log: %d %v", len(log), err)
		}

		// Lists: published newest first; the editor sees drafts first.
		draft := write("A draft", false, false)
		later := write("Summer update", true, false, a1.ID)
		page, err := s.Changelog(ctx, models.ChangelogOptions{}, anna)
		if err != nil || page.Total != 2 || page.Entries[0].ID != later.ID || page.Entries[1].ID != shipped.ID {
			t.Fatalf("published changelog %+v %v", page, err)
		}
		page, err = s.Changelog(ctx, models.ChangelogOptions{Drafts: true}, tess)
		if err != nil || page.Total != 3 || page.Entries[0].ID != draft.ID || page.Entries[1].ID != later.ID {
			t.Fatalf("the editor's list %+v %v", page, err)
		}
		if _, err := s.Changelog(ctx, models.ChangelogOptions{Drafts: true}, anna); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member listed drafts: %v", err)
		}
		if _, err := s.ChangelogEntry(ctx, draft.ID, anna); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a member read a draft: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
