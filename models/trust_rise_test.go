package models

import (
	"testing"
	"time"
)

// mayRise tells from a member's row alone when no count of their posts and
// votes could raise them, and never says so of a member who could rise.
func TestMayRiseFromTheRowAlone(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	st := DefaultSettings
	ago := func(days int) *time.Time { t := now.Add(-time.Duration(days) * 24 * time.Hour); return &t }
	today, yesterday := ago(0), ago(1)
	basic, member := st.Trust[TrustBasic].DaysActive, st.Trust[TrustMember].DaysActive
	for _, c := range []struct {
		name string
		u    User
		want bool
	}{
		{"new, too few days", User{DaysActive: basic - 2}, false},
		{"new, a day short, today not counted yet", User{DaysActive: basic - 1, LastActiveAt: yesterday}, true},
		{"new, a day short, never active", User{DaysActive: basic - 1}, true},
		{"new, a day short, today counted", User{DaysActive: basic - 1, LastActiveAt: today}, false},
		{"new, days enough", User{DaysActive: basic, LastActiveAt: today}, true},
		{"new, vouched by approvals", User{Approvals: st.TrustAfter, LastActiveAt: today}, true},
		{"new, approvals in the clean window", User{Approvals: st.TrustAfter, SanctionedUntil: ago(1)}, false},
		{"new, under a sanction", User{DaysActive: 999, SanctionedUntil: ago(-2)}, false},
		{"basic, too few days for member", User{TrustLevel: TrustBasic, DaysActive: member - 2}, false},
		{"basic, days enough for member", User{TrustLevel: TrustBasic, DaysActive: member, LastActiveAt: today}, true},
		{"regular", User{TrustLevel: TrustRegular, DaysActive: 999}, false},
	} {
		if got := mayRise(&c.u, st, now); got != c.want {
			t.Errorf("%s: mayRise %v, want %v", c.name, got, c.want)
		}
		if mayRise(&c.u, st, now) {
			continue
		}
		// Whatever the counts, and with the day a quiet write may have
		// counted since u was read, a member mayRise says no to qualifies for no more.
		days := c.u.DaysActive
		if c.u.LastActiveAt == nil || c.u.LastActiveAt.Before(now.Truncate(24*time.Hour)) {
			days++
		}
		for _, n := range []int{0, 5, 1000} {
			f := TrustFigures{DaysActive: days, Posts: n, Votes: n, Approvals: c.u.Approvals, SanctionedUntil: c.u.SanctionedUntil}
			if level := QualifiedLevel(f, st, now); level > c.u.TrustLevel {
				t.Errorf("%s: %d posts and votes qualify for level %d, above %d", c.name, n, level, c.u.TrustLevel)
			}
		}
	}
}
