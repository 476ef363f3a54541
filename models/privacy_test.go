package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestAuditLogAcceptsOnlyAnonymising: the audit log stays append-only; the
// one update it accepts writes "Deleted member" into its texts.
func TestAuditLogAcceptsOnlyAnonymising(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		if err := s.Record(ctx, models.Audit{Actor: admin, Action: models.AuditSettings, TargetType: models.TargetSettings, Reason: "asked by Kim"}); err != nil {
			t.Fatal(err)
		}
		exec := func(q string) error {
			if s.Dialect() == models.Postgres {
				q = strings.ReplaceAll(q, "?", "$1")
			}
			_, err := s.DB().Exec(q)
			return err
		}
		for _, q := range []string{
			"UPDATE moderation_actions SET reason = 'nothing happened'",
			"UPDATE moderation_actions SET action = 'idea.hide', reason = 'Deleted member'",
			"UPDATE moderation_actions SET reason_public = TRUE, reason = 'Deleted member'",
			"DELETE FROM moderation_actions",
		} {
			if err := exec(q); err == nil {
				t.Errorf("the audit log accepted %s", q)
			}
		}
		if err := exec("UPDATE moderation_actions SET reason = 'asked by Deleted member'"); err != nil {
			t.Fatalf("the audit log refused to anonymise: %v", err)
		}
	})
}

// TestDeleteAccountConfirmation: the email confirms, in any letter case;
// a member without one confirms with their name.
func TestDeleteAccountConfirmation(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		kim := member(t, s, "Kim", models.RoleMember)
		noEmail, err := s.CreateUser(ctx, models.NewUser{Name: "Nomail Nina"})
		if err != nil {
			t.Fatal(err)
		}
		var invalid models.ValidationErrors
		for _, wrong := range []string{"", "kim", "someone@example.com"} {
			if err := s.DeleteAccount(ctx, kim, wrong); !errors.As(err, &invalid) {
				t.Errorf("confirming with %q: %v", wrong, err)
			}
		}
		if err := s.DeleteAccount(ctx, kim, " KIM@example.com "); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAccount(ctx, kim, "kim@example.com"); !errors.Is(err, models.ErrNotFound) && !errors.As(err, &invalid) {
			t.Errorf("deleting twice: %v", err)
		}
		if noEmail.DeleteConfirmation() != "Nomail Nina" {
			t.Fatalf("confirmation without email: %q", noEmail.DeleteConfirmation())
		}
		if err := s.DeleteAccount(ctx, noEmail, "nomail nina"); err != nil {
			t.Fatal(err)
		}
		gone, err := s.UserByID(ctx, noEmail.ID)
		if err != nil || !gone.Deleted() || gone.Name != models.DeletedName {
			t.Fatalf("after deletion: %+v %v", gone, err)
		}
	})
}

// TestPublicReasonsNameNobody: a public reason may not name a member as a
// word, mention one or hold an email; a name inside another word, or a
// private reason, is fine.
func TestPublicReasonsNameNobody(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mod := member(t, s, "Mo", models.RoleModerator)
		anna, err := s.CreateUser(ctx, models.NewUser{Name: "Anna de Vries", Email: "anna@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		member(t, s, "Al", models.RoleMember)
		cases := map[string]bool{ // reason -> refused
			"Anna de Vries keeps posting this":   true,
			"again, anna de vries!":              true,
			"as @AnnaDeVries said":               true,
			"see mail@example.org":               true,
			"Annabelle-style spam, all of it":    false,
			"Not an idea, but an advert":         false,
			"Hiding all of these advertisements": false,
		}
		for reason, refused := range cases {
			i := idea(t, s, anna, "Cheap watches "+reason, "")
			_, err := s.ModerateIdea(ctx, i.ID, mod, models.IdeaModeration{Hidden: ptr(true), Reason: reason,
				PublicReason: models.PublicReason{Category: models.ReasonSpam, Public: true}})
			var invalid models.ValidationErrors
			if got := errors.As(err, &invalid) && invalid["reason"] != ""; got != refused {
				t.Errorf("public reason %q: refused %v, want %v (%v)", reason, got, refused, err)
			}
			if refused {
				// Kept private, it is the team's business.
				if _, err := s.ModerateIdea(ctx, i.ID, mod, models.IdeaModeration{Hidden: ptr(true), Reason: reason}); err != nil {
					t.Errorf("private reason %q: %v", reason, err)
				}
			}
		}
	})
}
