package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

// backdate moves an idea's creation into the past, as if proposed ago.
func backdate(t *testing.T, srv *apptest.Server, dialect string, ideaID int64, ago time.Duration) {
	t.Helper()
	q := "UPDATE ideas SET created_at = ? WHERE id = ?"
	if dialect == models.Postgres {
		q = "UPDATE ideas SET created_at = $1 WHERE id = $2"
	}
	if _, err := srv.Store.DB().Exec(q, srv.Store.Now().UTC().Add(-ago), ideaID); err != nil {
		t.Fatal(err)
	}
}

// TestPagesShowDatesRelativeWithTheExactDateOnHover: an idea's date reads
// "3 days ago" in English and "3 dagen geleden" in Dutch, its title the
// exact date and time in that language, its datetime attribute RFC 3339;
// an idea older than a month reads as its date.
func TestPagesShowDatesRelativeWithTheExactDateOnHover(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		recent := mustIdea(t, srv, anna, "A bell that rings twice")
		old := mustIdea(t, srv, anna, "A basket for the dog")
		backdate(t, srv, dialect, recent.ID, 3*24*time.Hour+time.Hour)
		backdate(t, srv, dialect, old.ID, 90*24*time.Hour)

		reader := srv.SignedIn(srv.User("Bart", "bart@example.com", models.RoleMember))
		visitor := srv.Client()
		for _, tc := range []struct {
			lang, recent, monthOfOld string
		}{
			{"en", "3 days ago", strings.ToLower(srv.Store.Now().UTC().Add(-90 * 24 * time.Hour).Month().String())},
			{"nl", "3 dagen geleden", dutchMonth(srv.Store.Now().UTC().Add(-90 * 24 * time.Hour).Month())},
		} {
			for _, c := range []*apptest.Client{reader, visitor} {
				c.Header.Set("Accept-Language", tc.lang)
				r := c.Get(fmt.Sprintf("/ideas/%d/%s", recent.ID, recent.Slug))
				wantStatus(t, r, http.StatusOK)
				wantCount(t, r, `html[lang="`+tc.lang+`"]`, 1)
				el := r.Doc.Find(".idea-header .meta time[title][datetime]")
				wantText(t, r, ".idea-header .meta time[title][datetime]", tc.recent)
				if _, err := time.Parse(time.RFC3339, el.AttrOr("datetime", "")); err != nil {
					t.Errorf("%s: datetime %q is not RFC 3339", tc.lang, el.AttrOr("datetime", ""))
				}
				title := el.AttrOr("title", "")
				month := srv.Store.Now().UTC().Add(-(3*24*time.Hour + time.Hour)).Month()
				want := month.String()
				if tc.lang == "nl" {
					want = dutchMonth(month)
				}
				if !strings.Contains(title, want) || !strings.HasSuffix(title, " UTC") {
					t.Errorf("%s: title %q does not give the exact date and time (month %s)", tc.lang, title, want)
				}

				r = c.Get(fmt.Sprintf("/ideas/%d/%s", old.ID, old.Slug))
				text := strings.ToLower(r.Doc.Find(".idea-header .meta time[title]").Text())
				if !strings.Contains(text, tc.monthOfOld) || strings.Contains(text, "ago") || strings.Contains(text, "geleden") {
					t.Errorf("%s: an idea of 90 days ago reads %q", tc.lang, text)
				}
			}
		}
	})
}

func dutchMonth(m time.Month) string {
	return [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
		"september", "oktober", "november", "december"}[m-1]
}

// TestLogsReadAsSentences: the audit log says "Tess moved this idea to
// Planned" and "Mo hid this idea", in Dutch too with the status's Dutch
// name; the public log says what the team did without naming anyone.
func TestLogsReadAsSentences(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		if _, err := srv.Store.SaveSettings(ctx, admin, models.DefaultSettings.Form(), true); err != nil {
			t.Fatal(err)
		}
		planned := mustIdea(t, srv, anna, "Lights that stay on")
		spam := mustIdea(t, srv, anna, "Cheap watches")
		if _, err := srv.Store.SetStatus(ctx, planned.ID, tess, "planned", "Coming in spring."); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, apiCall(bearerClient(t, srv, mo), http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", spam.ID),
			`{"hidden":true,"reason":"adverts","reason_category":"spam"}`), http.StatusOK)

		page := srv.SignedIn(admin)
		r := page.Get("/mod/audit")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, `tr.audit-entry[data-action="idea.status"] td.what`, "Tess moved this idea to Planned")
		wantCount(t, r, fmt.Sprintf(`tr.audit-entry[data-action="idea.status"] td.what a[href="/mod/audit?actor=%d"]`, tess.ID), 1)
		wantText(t, r, `tr.audit-entry[data-action="idea.hide"] td.what`, "Mo hid this idea")
		if r.Doc.Find("tr.audit-entry code").Length() != 0 {
			t.Errorf("the audit log still shows codes")
		}
		wantText(t, r, `#audit-action option[value="comment.hide"]`, "Someone hid a comment")
		page.Header.Set("Accept-Language", "nl")
		r = page.Get("/mod/audit")
		wantText(t, r, `tr.audit-entry[data-action="idea.status"] td.what`, "Tess zette dit idee op Gepland")
		wantText(t, r, `tr.audit-entry[data-action="idea.hide"] td.what`, "Mo verborg dit idee")
		r = page.Get(fmt.Sprintf("/mod/members/%d", anna.ID))
		wantText(t, r, `.history-actions li[data-action="idea.hide"] .what`, "Mo verborg dit idee")
		wantText(t, r, `.meta .role`, "Lid")

		visitor := srv.Client()
		r = visitor.Get("/moderation")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, `.public-action[data-action="idea.status"] .what`, "The team moved an idea to Planned")
		wantText(t, r, `.public-action[data-action="idea.hide"] .what`, "A moderator hid an idea")
		visitor.Header.Set("Accept-Language", "nl")
		r = visitor.Get("/moderation")
		wantText(t, r, `.public-action[data-action="idea.status"] .what`, "Het team zette een idee op Gepland")
		if body := string(r.Body); strings.Contains(body, "Tess") || strings.Contains(body, "Mo ") {
			t.Errorf("the public log names the team:\n%s", body)
		}
	})
}

// TestSessionsNameTheirBrowser: /me lists a session by its browser and
// system in words, the raw User-Agent only in its title.
func TestSessionsNameTheirBrowser(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		chrome := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
		iphone := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
		for _, ua := range []string{chrome, iphone, ""} {
			if _, _, err := srv.Store.CreateSession(context.Background(), anna.ID, ua, "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
		}
		c := srv.SignedIn(anna)
		r := c.Get("/me")
		wantStatus(t, r, http.StatusOK)
		var devices []string
		r.Doc.Find("tr.session .device").Each(func(_ int, s *goquery.Selection) { devices = append(devices, s.Text()) })
		for _, want := range []string{"Chrome on Linux", "Safari on iPhone", "Unknown device"} {
			if !slices.Contains(devices, want) {
				t.Errorf("sessions %q lack %q", devices, want)
			}
		}
		wantCount(t, r, `tr.session .device[title="`+chrome+`"]`, 1)
		c.Header.Set("Accept-Language", "nl")
		r = c.Get("/me")
		wantCount(t, r, `tr.session .device[title="`+chrome+`"]`, 1)
		wantText(t, r, `tr.session .device[title="`+chrome+`"]`, "Chrome op Linux")
	})
}
