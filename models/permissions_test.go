package models_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"samen/models"
)

// TestOperatingGuideShowsThePermissionTable keeps docs/moderation.md equal to the code.
func TestOperatingGuideShowsThePermissionTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/moderation.md")
	if err != nil {
		t.Fatal(err)
	}
	want := models.PermissionTable(models.Actions)
	if !strings.Contains(string(doc), "-->\n"+want+"<!--") {
		t.Fatalf("docs/moderation.md does not hold the permission table; put this between its markers:\n%s", want)
	}
	for _, a := range models.Actions {
		if !models.Admin.Allows(a) {
			t.Errorf("action %s is allowed to no admin: is it in the table?", a)
		}
	}
}

// TestTheRankRule: staff act on members of a lower role (admins on anyone
// else), never on themselves, and only while their standing allows it; what
// a member who is gone left behind has nobody to outrank.
func TestTheRankRule(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	user := func(id int64, role models.Role) *models.User { return &models.User{ID: id, Role: role} }
	member, mod, mod2, team := user(1, models.RoleMember), user(2, models.RoleModerator), user(3, models.RoleModerator), user(4, models.RoleTeam)
	admin, admin2 := user(5, models.RoleAdmin), user(6, models.RoleAdmin)
	suspended := &models.User{ID: 7, Role: models.RoleAdmin, SuspendedUntil: &later}
	banned := &models.User{ID: 8, Role: models.RoleTeam, BannedAt: &now}
	gone := &models.User{}
	for _, c := range []struct {
		name          string
		actor, author *models.User
		want          bool
	}{
		{"a moderator on a member", mod, member, true},
		{"a moderator on a moderator", mod, mod2, false},
		{"a moderator on the team", mod, team, false},
		{"a moderator on an admin", mod, admin, false},
		{"the team on a moderator", team, mod, true},
		{"the team on an admin", team, admin, false},
		{"an admin on another admin", admin, admin2, true},
		{"an admin on what they wrote", admin, admin, true},
		{"a moderator on what they wrote", mod, mod, false},
		{"the team on what they wrote", team, team, false},
		{"a moderator on a member gone", mod, gone, true},
		{"a suspended admin on a member", suspended, member, false},
		{"a banned team member on a member", banned, member, false},
		{"a member on a member", member, user(9, models.RoleMember), false},
		{"a visitor", nil, member, false},
	} {
		if got := models.MayActOn(c.actor, now, models.ActModerate, c.author); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if models.MayActOn(admin, now, models.ActManageMembers, admin) {
		t.Error("an admin may sanction themselves")
	}
}
